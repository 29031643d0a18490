from django.urls import path

from . import views

app_name = "visits"
urlpatterns = [
    path("today/", views.DayView.as_view(), name="day"),
    path("new/<int:resident>/", views.VisitCreateView.as_view(), name="record"),
    path("curtain/<int:resident>/", views.curtain_sign, name="curtain"),
    path("", views.VisitListView.as_view(), name="list"),
    path("overview/", views.OverviewView.as_view(), name="overview"),
    path("hazards/", views.HazardListView.as_view(), name="hazards"),
    path("hazards/<int:pk>/<str:status>/", views.hazard_transition, name="hazard_transition"),
    path("plan/<int:resident>/", views.PlanView.as_view(), name="plan"),
    path("rules/", views.RulesView.as_view(), name="rules"),
    path("rules/<int:pk>/", views.RulesView.as_view(), name="rule_update"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
]
