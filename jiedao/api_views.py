"""Endpoints of the base itself: token, the audit log, the inbox, export jobs."""

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from . import audit, notifications, otp, services
from .api import ID_IN_URL, ScopedReadOnlyViewSet
from .authentication import (
    USERNAME_MAX,
    USERNAME_TOO_LONG,
    HashedTokenAuthentication,
    disabled_message,
    token_refusal,
    too_long_username,
)
from .export_views import export_job_file
from .exports import XLSX
from .filters import AuditEntryFilterSet
from .models import ApiToken, AuditAction, AuditEntry, ExportJob, Notification, User
from .params import positive_int
from .schema import ErrorSerializer
from .scope import accounts_filter, is_auditor, manages_accounts
from .views import LOCKED_MESSAGE


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=USERNAME_MAX, error_messages={"max_length": USERNAME_TOO_LONG})
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.CharField(
        max_length=32, help_text="身份验证器 App 上的 6 位动态验证码（每个验证码只能用一次），或一个恢复码。",
        error_messages={"required": otp.CODE_MISSING, "blank": otp.CODE_MISSING, "null": otp.CODE_MISSING})


class TokenView(APIView):
    """POST {username, password, otp} → a new token for this sign-in; DELETE (with the token) ends it.

    The same password and lockout step as the login page: failed attempts, a wrong code as much as a wrong
    password, count towards the lock of the pair (account, address) (django-axes); an address guessing across
    accounts waits (429, jiedao.authentication.AddressSlowdownMiddleware); an account that must change its
    password or was disabled for idleness is told so and gets no token; all is audited."""

    throttle_classes = []

    def get_permissions(self):
        return [permissions.AllowAny() if getattr(self.request, "method", None) == "POST"
                else permissions.IsAuthenticated()]

    def get_authenticators(self):
        # Signing in takes no credentials but the body's; signing out, the token itself (never a session).
        # (No request while drf-spectacular builds the schema: then the DELETE's, and the POST says auth=[].)
        return [] if getattr(self.request, "method", None) == "POST" else [HashedTokenAuthentication()]

    @extend_schema(
        request=TokenRequestSerializer, auth=[],
        responses={200: inline_serializer("TokenResponse", {
            "token": serializers.CharField(help_text="本次登录的令牌：请求头 Authorization: Token <token>。"),
            "expires_at": serializers.DateTimeField(help_text="令牌过期时间（签发后 12 小时）。")}),
            403: OpenApiResponse(ErrorSerializer,
                                 description="此账号在此地址已锁定、须先修改密码，或已因长期未使用被停用"),
            429: OpenApiResponse(ErrorSerializer, description="此地址登录失败的账号过多：Retry-After 秒后再试")},
        description="用户名、密码和动态验证码换取本次登录的新令牌（每次登录一个新令牌，12 小时后过期；"
                    "退出、修改密码或停用账号时作废）。缺少或错误的动态验证码：400。")
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
            if disabled := disabled_message(credentials["username"], data.validated_data["password"]):
                return Response({"detail": disabled}, status=status.HTTP_403_FORBIDDEN)
            return Response({"detail": "用户名或密码错误。"}, status=status.HTTP_400_BAD_REQUEST)
        if token_refusal(user):
            audit.record(actor=user, action=AuditAction.DENIED,
                         changes={"path": request.path, "method": "POST", "reason": "须先修改密码"})
            return Response({"detail": token_refusal(user)}, status=status.HTTP_403_FORBIDDEN)
        device, refusal = otp.verify_code(user, data.validated_data["otp"])
        if device is None:
            if refusal != otp.NO_DEVICE:
                # A wrong code is a failed sign-in like a wrong password (django-axes counts it, the log keeps it).
                user_login_failed.send(sender=__name__, credentials=credentials, request=request._request)
                if AxesProxyHandler.is_locked(request._request, credentials):
                    return Response({"detail": LOCKED_MESSAGE}, status=status.HTTP_403_FORBIDDEN)
            return Response({"otp": [refusal]}, status=status.HTTP_400_BAD_REQUEST)
        update_last_login(None, user)  # an API-only account is in use too (the nightly idle job reads it)
        key, token = services.api_token_issue(user=user)
        return Response({"token": key, "expires_at": token.expires_at})

    @extend_schema(request=None, responses={
        204: None, 401: OpenApiResponse(ErrorSerializer, description="未提供令牌，或令牌无效、已过期")},
        description="退出：作废本次请求所用的令牌（请求头 Authorization: Token <token>）。")
    def delete(self, request):
        services.api_token_revoke(user=request.user, token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "prefix", "created_at", "expires_at"]


class ManagedAccountMixin:
    """The security admin's API on one account of their sub-district (another's, or an operator's: 404)."""

    denied_message = "只有安全管理员可以管理双因素和令牌。"
    # 三员: these are the security admin's, so its keeping to the accounts lets it through (jiedao.permissions).
    for_account_keepers = True

    def allowed(self, user):
        return manages_accounts(user)

    def account(self, pk) -> User:
        return get_object_or_404(User.objects.filter(accounts_filter(self.request.user)), pk=pk)


class UserTokensView(ManagedAccountMixin, APIView):
    """GET: an account's API tokens still open (prefix, issued, expires; never a key). DELETE: end them all,
    or one with ?token=<id>."""

    @extend_schema(responses=ApiTokenSerializer(many=True))
    def get(self, request, pk):
        tokens = self.account(pk).api_tokens.filter(expires_at__gt=timezone.now())
        return Response(ApiTokenSerializer(tokens, many=True).data)

    @extend_schema(request=None, responses={200: inline_serializer("TokensRevoked", {
        "revoked": serializers.IntegerField()})}, parameters=[
        OpenApiParameter("token", int, description="只吊销这一个令牌（其 id）；省略则全部吊销。")])
    def delete(self, request, pk):
        user = self.account(pk)
        token = None
        if "token" in request.query_params:
            token = get_object_or_404(user.api_tokens, pk=positive_int(request.query_params["token"]) or 0)
        return Response({"revoked": services.user_tokens_revoke(actor=request.user, user=user, token=token)})


class UserDeviceResetView(ManagedAccountMixin, APIView):
    """POST: clear the account's authenticator and recovery codes (a lost phone); it enrols again at its next
    sign-in, and its tokens end."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request, pk):
        services.device_reset(actor=request.user, user=self.account(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


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

    for_account_keepers = True  # one's own, no business data: the security admin's too (jiedao.permissions)
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

    for_account_keepers = True  # one's own, as the inbox
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

