from django.urls import path

from . import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("reports/", views.ReportListView.as_view(), name="reports"),
    path("reports/<int:pk>/download/", views.report_download, name="report_download"),
]
