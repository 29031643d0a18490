"""Endpoints of the project itself: token, who am I, the audit log."""

import django_filters
from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from residents.models import Community, Grid

from . import audit
from .authentication import token_expired
from .exports import XLSX
from .filters import MONTH_ERROR, AuditEntryFilterSet
from .models import AuditAction, AuditEntry, MonthlyReport, User
from .scope import is_auditor, reads_reports
from .views import LOCKED_MESSAGE


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
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
        data.is_valid(raise_exception=True)
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


class MeView(APIView):
    @extend_schema(responses={200: inline_serializer("Me", {
        "username": serializers.CharField(), "role": serializers.CharField(),
        "communities": serializers.ListField(child=serializers.IntegerField()),
        "grids": serializers.ListField(child=serializers.IntegerField()),
    })})
    def get(self, request):
        user = request.user
        return Response({
            "username": user.username,
            "role": user.role,
            "communities": list(Community.objects.visible_to(user).order_by("id").values_list("id", flat=True)),
            "grids": list(Grid.objects.visible_to(user).order_by("id").values_list("id", flat=True)),
        })


class IsAuditor(permissions.BasePermission):
    message = "只有审计员可以查看审计日志。"

    def has_permission(self, request, view):
        return is_auditor(request.user)


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_username")

    class Meta:
        model = AuditEntry
        fields = ["id", "actor", "action", "target_type", "target_id", "at", "ip", "changes"]


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit log of the auditor's own sub-district, newest first. Read-only for everyone."""

    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilterSet
    permission_classes = [permissions.IsAuthenticated, IsAuditor]

    def get_queryset(self):
        return AuditEntry.objects.visible_to(self.request.user)


class ReportReaderPermission(permissions.BasePermission):
    message = "您的角色无权查看数据看板和月报。"

    def has_permission(self, request, view):
        return reads_reports(request.user)


class DashboardView(APIView):
    """The dashboard's figures for a month (default: this month, today's state; a past month as it
    stood at its end). Each count comes with the link of the list it was counted from."""

    permission_classes = [permissions.IsAuthenticated, ReportReaderPermission]

    @extend_schema(parameters=[OpenApiParameter("month", str, description="YYYY-MM，默认本月")],
                   responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        from .selectors import monthly_figures

        return Response(monthly_figures(request.user, month_param(request.query_params)))


def month_param(params):
    """`month=YYYY-MM` from a query string: this month when absent; a 400 naming the field when wrong."""
    from django.utils import timezone
    from rest_framework.exceptions import ValidationError

    from .filters import parse_month

    raw = params.get("month")
    if not raw:
        return timezone.localdate().replace(day=1)
    month = parse_month(raw)
    if month is None:
        raise ValidationError({"month": [MONTH_ERROR]})
    return month


class MonthlyReportSerializer(serializers.ModelSerializer):
    subdistrict_name = serializers.CharField(source="subdistrict.name", read_only=True)
    month = serializers.DateField(format="%Y-%m", read_only=True)
    made_by = serializers.CharField(source="made_by.username", default="", read_only=True)
    is_current = serializers.BooleanField(read_only=True)
    download = serializers.SerializerMethodField()

    class Meta:
        model = MonthlyReport
        fields = ["id", "subdistrict", "subdistrict_name", "month", "version", "is_current", "made_at", "made_by",
                  "checksum", "size", "download"]

    def get_download(self, report) -> str:
        return self.context["request"].build_absolute_uri(reverse("report-download", args=[report.pk]))


class MonthlyReportFilterSet(django_filters.FilterSet):
    month = django_filters.CharFilter(label="月份（YYYY-MM）", method="filter_month")
    subdistrict = django_filters.NumberFilter(label="街道编号", min_value=1, max_value=2**31 - 1)
    current = django_filters.BooleanFilter(label="仅当前版本", field_name="is_current")

    class Meta:
        model = MonthlyReport
        fields = []

    def filter_month(self, queryset, name, value):
        from .filters import parse_month

        month = parse_month(value)
        if month is None:
            raise ValidationError({"month": [MONTH_ERROR]})
        return queryset.filter(month=month)


class MonthlyReportViewSet(viewsets.ReadOnlyModelViewSet):
    """Monthly report packs of the caller's sub-districts, every version (is_current: the one in force);
    GET {id}/download/ gives the workbook."""

    serializer_class = MonthlyReportSerializer
    filterset_class = MonthlyReportFilterSet
    permission_classes = [permissions.IsAuthenticated, ReportReaderPermission]

    def get_queryset(self):
        return (MonthlyReport.objects.visible_to(self.request.user).with_current().defer("content", "figures")
                .select_related("subdistrict", "made_by"))

    @extend_schema(responses={(200, XLSX):
                              OpenApiTypes.BINARY})
    @action(detail=True, url_path="download", url_name="download")
    def download(self, request, pk=None):
        from .views import report_response

        report = get_object_or_404(MonthlyReport.objects.visible_to(request.user).select_related("subdistrict"),
                                   pk=pk)
        return report_response(request, report)
