from django.urls import path

from . import views

app_name = "residents"
urlpatterns = [
    path("", views.ResidentListView.as_view(), name="resident_list"),
    path("new/", views.ResidentCreateView.as_view(), name="resident_create"),
    path("<int:pk>/", views.ResidentDetailView.as_view(), name="resident_detail"),
    path("<int:pk>/edit/", views.ResidentUpdateView.as_view(), name="resident_update"),
    path("<int:pk>/archive/", views.ResidentArchiveView.as_view(), name="resident_archive"),
    path("households/", views.HouseholdListView.as_view(), name="household_list"),
    path("households/new/", views.HouseholdFormView.as_view(), name="household_create"),
    path("households/<int:pk>/", views.HouseholdDetailView.as_view(), name="household_detail"),
    path("households/<int:pk>/edit/", views.HouseholdFormView.as_view(), name="household_update"),
    path("points/", views.ServicePointListView.as_view(), name="points"),
    path("points/new/", views.ServicePointFormView.as_view(), name="point_create"),
    path("points/<int:pk>/", views.ServicePointFormView.as_view(), name="point_update"),
]
