"""Endpoints of the base itself: token, the audit log, the inbox, export jobs."""

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from . import audit, notifications
from .api import ID_IN_URL, ScopedReadOnlyViewSet
from .authentication import USERNAME_MAX, USERNAME_TOO_LONG, token_expired, too_long_username
from .export_views import export_job_file
from .exports import XLSX
from .filters import AuditEntryFilterSet
from .models import AuditAction, AuditEntry, ExportJob, Notification, User
from .scope import is_auditor
from .views import LOCKED_MESSAGE


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=USERNAME_MAX, error_messages={"max_length": USERNAME_TOO_LONG})
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class TokenView(APIView):
    """POST {username, password} → {token}. Failed attempts count towards the same per-account
    lockout as the login page (django-axes), and both are audited."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = []

    @extend_schema(request=TokenRequestSerializer,
                   responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})})
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        if not data.is_valid():
            # A name longer than any account's still counts as a failed login, as on the login page.
            too_long_username(request._request, request.data.get("username") if isinstance(request.data, dict)
                              else None)
            raise serializers.ValidationError(data.errors)
        credentials = {"username": data.validated_data["username"]}
        if AxesProxyHandler.is_locked(request._request, credentials):
            user = User.objects.filter(username=credentials["username"]).first()
            audit.record(actor=user, username=credentials["username"], action=AuditAction.LOGIN_FAILED,
                         changes={"via": "api_token", "locked": True})
            return Response({"detail": LOCKED_MESSAGE}, status=status.HTTP_403_FORBIDDEN)
        user = authenticate(request._request, username=credentials["username"],
                            password=data.validated_data["password"])
        if user is None:
            if AxesProxyHandler.is_locked(request._request, credentials):
                return Response({"detail": LOCKED_MESSAGE}, status=status.HTTP_403_FORBIDDEN)
            return Response({"detail": "用户名或密码错误。"}, status=status.HTTP_400_BAD_REQUEST)
        token, _ = Token.objects.get_or_create(user=user)
        if token_expired(token):
            token.delete()
            token = Token.objects.create(user=user)
        audit.record(actor=user, action=AuditAction.LOGIN, changes={"via": "api_token"})
        return Response({"token": token.key})


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_username")

    class Meta:
        model = AuditEntry
        fields = ["id", "actor", "action", "target_type", "target_id", "at", "ip", "changes"]


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit log of the auditor's own sub-district, newest first. Read-only for everyone."""

    lookup_value_regex = ID_IN_URL
    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilterSet
    denied_message = "只有审计员可以查看审计日志。"

    def allowed(self, user):
        return is_auditor(user)

    def get_queryset(self):
        return AuditEntry.objects.visible_to(self.request.user)


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "resident", "method", "due_date", "message", "link", "created_at", "read", "read_at"]
        read_only_fields = fields

    def get_read(self, obj) -> bool:
        return obj.read_at is not None


class NotificationViewSet(ScopedReadOnlyViewSet):
    """The caller's own inbox, newest first; `?unread=1` for the unread ones."""

    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        return qs.unread() if self.request.query_params.get("unread") in ("1", "true") else qs

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = notifications.notification_read(actor=request.user, notification=self.get_object())
        return Response(NotificationSerializer(notification).data)


class ExportJobSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = ["id", "name", "state", "total", "done", "error", "created_at", "finished_at", "download"]
        read_only_fields = fields

    def get_download(self, job) -> str | None:
        if job.state != ExportJob.State.DONE:
            return None
        return self.context["request"].build_absolute_uri(reverse("export-job-download", args=[job.pk]))


class ExportJobViewSet(ScopedReadOnlyViewSet):
    """The caller's own export jobs (a long `?format=xlsx` answers 202 with one); GET {id}/download/ once
    it is done. Anybody else's id answers 404."""

    queryset = ExportJob.objects.all()
    serializer_class = ExportJobSerializer

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=True, url_path="download", url_name="download")
    def download(self, request, pk=None):
        return export_job_file(self.get_object())


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI (/api/v1/docs/) under the same CSP as every page: its start-up script is fetched from this
    view (`?script`) rather than written inline, and its page has no inline style (templates/api/docs.html)."""

    template_name = "api/docs.html"

