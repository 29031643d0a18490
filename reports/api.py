"""The API of what reads across the features: the dashboard's figures and the monthly report packs."""

import django_filters
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from jiedao.api import ID_IN_URL
from jiedao.dates import MONTH_ERROR, parse_month
from jiedao.exports import XLSX
from jiedao.routers import reading_replica
from jiedao.scope import reads_reports

from .models import MonthlyReport
from .selectors import monthly_figures, one_subdistrict, schedule_figures
from .services import reader_of
from .views import pick_subdistrict, report_response

READERS_ONLY = "您的角色无权查看数据看板和月报。"


class DashboardView(APIView):
    """The dashboard's figures for a month (default: this month, today's state; a past month as it
    stood at its end). Each count comes with the link of the list it was counted from."""

    denied_message = READERS_ONLY

    def allowed(self, user):
        return reads_reports(user)

    @extend_schema(parameters=[OpenApiParameter("month", str, description="YYYY-MM，默认本月"),
                               OpenApiParameter("subdistrict", int, description="区民政局：只看这个街道（街道 id）")],
                   responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        month = month_param(request.query_params)
        _, chosen, error = pick_subdistrict(request)
        if error:
            raise ValidationError({"subdistrict": [error]})
        with reading_replica():
            figures = monthly_figures(request.user, month)
            if chosen:  # the page's picker: the same cut of the same figures
                figures = {**one_subdistrict(figures, chosen.pk), **schedule_figures(reader_of(chosen), month)}
        return Response(figures)


def month_param(params):
    """`month=YYYY-MM` from a query string: this month when absent; a 400 naming the field when wrong."""
    raw = params.get("month")
    if not raw:
        return timezone.localdate().replace(day=1)
    month = parse_month(raw)
    if month is None:
        raise ValidationError({"month": [MONTH_ERROR]})
    return month


class MonthlyReportSerializer(serializers.ModelSerializer):
    subdistrict_name = serializers.CharField(source="subdistrict.name", read_only=True)
    month = serializers.SerializerMethodField(help_text="YYYY-MM")
    made_by = serializers.CharField(source="made_by.username", default="", read_only=True)
    is_current = serializers.BooleanField(read_only=True)
    download = serializers.SerializerMethodField()

    class Meta:
        model = MonthlyReport
        fields = ["id", "subdistrict", "subdistrict_name", "month", "version", "is_current", "made_at", "made_by",
                  "checksum", "size", "download"]

    def get_month(self, report) -> str:
        return f"{report.month:%Y-%m}"

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
        month = parse_month(value)
        if month is None:
            raise ValidationError({"month": [MONTH_ERROR]})
        return queryset.filter(month=month)


class MonthlyReportViewSet(viewsets.ReadOnlyModelViewSet):
    """Monthly report packs of the caller's sub-districts, every version (is_current: the one in force);
    GET {id}/download/ gives the workbook."""

    lookup_value_regex = ID_IN_URL

    serializer_class = MonthlyReportSerializer
    filterset_class = MonthlyReportFilterSet
    denied_message = READERS_ONLY

    def allowed(self, user):
        return reads_reports(user)

    def get_queryset(self):
        return (MonthlyReport.objects.visible_to(self.request.user).with_current().defer("content", "figures")
                .select_related("subdistrict", "made_by"))

    @extend_schema(responses={(200, XLSX):
                              OpenApiTypes.BINARY})
    @action(detail=True, url_path="download", url_name="download")
    def download(self, request, pk=None):
        # DRF's get_object_or_404: a pk that is no number ("abc") is no report (404), as in get_object().
        report = get_object_or_404(MonthlyReport.objects.visible_to(request.user).select_related("subdistrict"),
                                   pk=pk)
        return report_response(request, report)
