from django.urls import path

from . import import_views, views

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
    path("imports/", import_views.ImportListView.as_view(), name="import_list"),
    path("imports/new/", import_views.ImportUploadView.as_view(), name="import_upload"),
    path("imports/<int:pk>/", import_views.ImportRunView.as_view(), name="import_run"),
    path("imports/<int:pk>/mapping/", import_views.ImportMappingView.as_view(), name="import_mapping"),
    path("imports/<int:pk>/commit/", import_views.ImportCommitView.as_view(), name="import_commit"),
    path("imports/<int:pk>/undo/", import_views.ImportUndoView.as_view(), name="import_undo"),
    path("imports/<int:pk>/restart/", import_views.ImportRestartView.as_view(), name="import_restart"),
    path("imports/<int:pk>/rejected/download/", import_views.ImportRejectedView.as_view(), name="import_rejected"),
    path("imports/<int:pk>/status/", import_views.import_status, name="import_status"),
    path("points/", views.ServicePointListView.as_view(), name="points"),
    path("points/new/", views.ServicePointFormView.as_view(), name="point_create"),
    path("points/<int:pk>/", views.ServicePointFormView.as_view(), name="point_update"),
]
