from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

# The composition root: the one module of the base that names every app (the layering contract allows it).
from assistance import api as assistance_api
from child_services import api as children_api
from elderly_care import api as care_api
from reports import api as reports_api
from residents import api as residents_api
from residents import management_views as places_views
from visits import api as visits_api
from volunteers import api as volunteers_api
from volunteers import views as volunteers_views

from . import api_views, export_views, forms, import_api, management_views, otp_views, views

router = DefaultRouter()
router.register("communities", residents_api.CommunityViewSet, basename="community")
router.register("grids", residents_api.GridViewSet, basename="grid")
router.register("households", residents_api.HouseholdViewSet, basename="household")
router.register("residents", residents_api.ResidentViewSet, basename="resident")
router.register("audit", api_views.AuditEntryViewSet, basename="audit")
router.register("exports", api_views.ExportJobViewSet, basename="export-job")
router.register("imports", import_api.ImportRunViewSet, basename="import-run")
router.register("notifications", api_views.NotificationViewSet, basename="notification")
router.register("reports", reports_api.MonthlyReportViewSet, basename="report")
router.register("cases", assistance_api.CaseViewSet, basename="case")
router.register("disbursements", assistance_api.DisbursementViewSet, basename="disbursement")
router.register("wishes", assistance_api.WishViewSet, basename="wish")
router.register("nutrition-plans", children_api.NutritionPlanViewSet, basename="nutrition-plan")
router.register("nutrition-deliveries", children_api.NutritionDeliveryViewSet, basename="nutrition-delivery")
router.register("service-points", residents_api.ServicePointViewSet, basename="service-point")
router.register("meals", care_api.MealViewSet, basename="meal")
router.register("visits", visits_api.VisitViewSet, basename="visit")
router.register("hazards", visits_api.HazardViewSet, basename="hazard")
router.register("volunteers", volunteers_api.VolunteerViewSet, basename="volunteer")
router.register("teams", volunteers_api.TeamViewSet, basename="team")
router.register("service-kinds", volunteers_api.ServiceKindViewSet, basename="service-kind")
router.register("service-orders", volunteers_api.ServiceOrderViewSet, basename="service-order")
router.register("activities", volunteers_api.ActivityViewSet, basename="activity")
router.register("pairings", volunteers_api.PairingViewSet, basename="pairing")
router.register("programmes", children_api.ProgrammeViewSet, basename="programme")
router.register("enrolments", children_api.EnrolmentViewSet, basename="enrolment")
router.register("attendance", children_api.AttendanceViewSet, basename="attendance")

api_patterns = [
    path("auth/token/", api_views.TokenView.as_view(), name="api_token"),
    path("me/", residents_api.MeView.as_view(), name="api_me"),
    path("imports/residents/", residents_api.ResidentImportView.as_view(), name="api_import_residents"),
    path("users/<int:pk>/tokens/", api_views.UserTokensView.as_view(), name="api_user_tokens"),
    path("users/<int:pk>/device-reset/", api_views.UserDeviceResetView.as_view(), name="api_user_device_reset"),
    path("dashboard/", reports_api.DashboardView.as_view(), name="api_dashboard"),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # Swagger UI from drf-spectacular-sidecar's files under the portal's own CSP (no inline script or
    # style: api_views.ApiDocsView). Redoc is left out: it fetches fonts from the internet.
    path("docs/", api_views.ApiDocsView.as_view(url_name="api_schema"), name="api_docs"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("", include("reports.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True,
                                                          authentication_form=forms.LoginForm), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The second factor, after the password (jiedao.otp: every page leads here until it is passed).
    path("accounts/otp/", otp_views.otp_verify, name="otp_verify"),
    path("accounts/otp/enrol/", otp_views.otp_enrol, name="otp_enrol"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(
        success_url="/", form_class=forms.PasswordChangeForm), name="password_change"),
    path("residents/", include("residents.urls")),
    path("audit/", views.AuditLogView.as_view(), name="audit_log"),
    path("exports/", export_views.ExportJobListView.as_view(), name="export_jobs"),
    path("exports/<int:pk>/", export_views.ExportJobView.as_view(), name="export_job"),
    path("exports/<int:pk>/status/", export_views.export_job_status, name="export_job_status"),
    path("exports/<int:pk>/download/", export_views.export_job_download, name="export_job_download"),
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("inbox/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("visits/", include("visits.urls")),
    path("care/", include("elderly_care.urls")),
    path("assistance/", include("assistance.urls")),
    path("children/", include("child_services.urls")),
    path("volunteers/", include("volunteers.urls")),
    # The resident's rating of a service order, from the short URL on their slip: no sign-in (a single-use,
    # expiring token whose hash alone is kept: volunteers.services.rating_link_issue).
    path("r/<str:token>/", volunteers_views.rate, name="volunteer_rate"),
    path("manage/", include((management_views.urlpatterns + places_views.urlpatterns, "manage"))),
    path("api/v1/", include(api_patterns)),
]
if settings.DJANGO_ADMIN_ENABLED:
    urlpatterns.append(path("django-admin/", admin.site.urls))

handler403 = "jiedao.views.permission_denied"
handler400 = "jiedao.views.bad_request"
handler404 = "jiedao.views.page_not_found"
