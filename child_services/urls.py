from django.urls import path

from . import views

app_name = "children"
urlpatterns = [
    path("programmes/", views.ProgrammeListView.as_view(), name="programme_list"),
    path("programmes/new/", views.ProgrammeFormView.as_view(), name="programme_create"),
    path("programmes/<int:pk>/", views.ProgrammeDetailView.as_view(), name="programme_detail"),
    path("programmes/<int:pk>/edit/", views.ProgrammeFormView.as_view(), name="programme_update"),
    path("programmes/<int:pk>/sessions/", views.sessions_add, name="sessions_add"),
    path("programmes/<int:pk>/enrol/", views.EnrolView.as_view(), name="enrol"),
    path("enrolments/", views.EnrolmentListView.as_view(), name="enrolment_list"),
    path("enrolments/<int:pk>/withdraw/", views.enrolment_withdraw, name="enrolment_withdraw"),
    path("sessions/<int:pk>/", views.AttendanceView.as_view(), name="attendance"),
    path("absences/", views.AbsenceListView.as_view(), name="absences"),
    # No account: a parent signs up here (child_services.signup).
    path("public/<int:pk>/", views.public_programme, name="public"),
    path("nutrition/plans/", views.PlanListView.as_view(), name="plan_list"),
    path("nutrition/plans/new/", views.PlanCreateView.as_view(), name="plan_create"),
    path("nutrition/plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path("nutrition/deliveries/", views.DeliveryListView.as_view(), name="delivery_list"),
    path("nutrition/deliveries/<int:pk>/", views.DeliveryView.as_view(), name="delivery"),
]
