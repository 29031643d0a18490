from django.urls import path

from . import views

app_name = "volunteers"
urlpatterns = [
    path("", views.VolunteerListView.as_view(), name="volunteer_list"),
    path("new/", views.VolunteerCreateView.as_view(), name="volunteer_create"),
    path("<int:pk>/", views.VolunteerDetailView.as_view(), name="volunteer_detail"),
    path("<int:pk>/edit/", views.VolunteerUpdateView.as_view(), name="volunteer_update"),
    path("teams/", views.TeamListView.as_view(), name="team_list"),
    path("teams/new/", views.TeamCreateView.as_view(), name="team_create"),
    path("teams/<int:pk>/", views.TeamDetailView.as_view(), name="team_detail"),
    path("teams/<int:pk>/edit/", views.TeamUpdateView.as_view(), name="team_update"),
    path("teams/<int:pk>/members/", views.TeamMembershipView.as_view(), name="team_members"),
    path("orders/", views.OrderListView.as_view(), name="order_list"),
    path("orders/new/<int:resident>/", views.OrderCreateView.as_view(), name="order_create"),
    path("orders/<int:pk>/", views.OrderDetailView.as_view(), name="order_detail"),
    path("orders/<int:pk>/step/", views.OrderStepView.as_view(), name="order_step"),
    path("orders/<int:pk>/rating-link/", views.RatingLinkView.as_view(), name="order_rating_link"),
    path("leader/", views.LeaderView.as_view(), name="leader"),
    path("services/", views.ServiceKindsView.as_view(), name="service_kinds"),
    path("activities/", views.ActivityListView.as_view(), name="activity_list"),
    path("activities/new/", views.ActivityCreateView.as_view(), name="activity_create"),
    path("activities/<int:pk>/", views.ActivityDetailView.as_view(), name="activity_detail"),
    path("activities/<int:pk>/attendance/", views.ActivityAttendanceView.as_view(), name="activity_attendance"),
    path("pairings/", views.PairingListView.as_view(), name="pairing_list"),
    path("pairings/new/<int:resident>/", views.PairingCreateView.as_view(), name="pairing_create"),
    path("pairings/<int:pk>/visit/", views.PairingVisitView.as_view(), name="pairing_visit"),
    path("pairings/<int:pk>/end/", views.PairingEndView.as_view(), name="pairing_end"),
    path("national/", views.NationalExportView.as_view(), name="national_export"),
    path("<int:pk>/hours/", views.HoursView.as_view(), name="hours"),
    path("<int:pk>/hours/adjust/", views.HoursAdjustView.as_view(), name="hours_adjust"),
    path("<int:pk>/certificate/<int:year>/", views.CertificateView.as_view(), name="certificate"),
]
