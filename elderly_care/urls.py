from django.urls import path

from . import views

app_name = "care"
urlpatterns = [
    path("checkin/", views.CheckInView.as_view(), name="checkin"),
    path("pricing/", views.PricingView.as_view(), name="pricing"),
    path("pricing/<int:pk>/", views.PricingView.as_view(), name="pricing_rule"),
    path("stats/", views.StatsView.as_view(), name="stats"),
    path("meals/", views.MealListView.as_view(), name="meal_list"),
    path("deliveries/", views.DeliveryView.as_view(), name="deliveries"),
    path("enrolments/", views.EnrolmentListView.as_view(), name="enrolments"),
    path("enrolments/new/", views.EnrolmentFormView.as_view(), name="enrolment_create"),
    path("enrolments/<int:pk>/", views.EnrolmentFormView.as_view(), name="enrolment_update"),
    path("enrolments/<int:pk>/log/", views.service_log_add, name="service_log_add"),
]
