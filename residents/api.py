from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from jiedao.api import ScopedReadOnlyViewSet, ScopedViewSetMixin, StaleVersion, VersionedMixin, XLSXExportMixin
from jiedao.import_api import ImportCountsSerializer, run_answer
from jiedao.imports import import_run_create
from jiedao.params import positive_int
from jiedao.parsers import MultiPartParser
from jiedao.scope import can_write_registry, reads_registry, sees_full_numbers

from . import services
from .exports import RESIDENTS
from .filters import CommunityFilterSet, GridFilterSet, HouseholdFilterSet, ServicePointFilterSet
from .imports import RESIDENTS as RESIDENTS_IMPORT
from .models import Community, Grid, Household, Resident, ServicePoint
from .serializers import (
    CommunitySerializer,
    GridSerializer,
    HouseholdSerializer,
    ResidentSerializer,
    ServicePointSerializer,
)


class CommunityViewSet(ScopedReadOnlyViewSet):
    queryset = Community.objects.all()
    serializer_class = CommunitySerializer
    filterset_class = CommunityFilterSet


class GridViewSet(ScopedReadOnlyViewSet):
    queryset = Grid.objects.all()
    serializer_class = GridSerializer
    filterset_class = GridFilterSet


class HouseholdViewSet(ScopedReadOnlyViewSet):
    queryset = Household.objects.all()
    serializer_class = HouseholdSerializer
    filterset_class = HouseholdFilterSet
    allowed = staticmethod(reads_registry)
    may_write = staticmethod(can_write_registry)


class ResidentViewSet(VersionedMixin, XLSXExportMixin, ScopedViewSetMixin, mixins.CreateModelMixin,
                      mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Residents in the caller's scope. Lists and the answers to writes mask ID numbers and phones;
    only the detail (GET) shows them in full, to a role that may write there, and logs that it did."""

    serializer_class = ResidentSerializer
    filterset_class = RESIDENTS.filterset
    export_list = RESIDENTS
    may_write = staticmethod(can_write_registry)
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        residents = Resident.objects.visible_to(self.request.user)
        # A list row names its places by id and reads its tags in its own query (ResidentListSerializer); one
        # resident, to show or to change, is read whole.
        return residents.with_tag_codes() if self.action == "list" else residents.with_related()

    def retrieve(self, request, *args, **kwargs):
        resident = self._versioned = self.get_object()
        full = sees_full_numbers(request.user)
        if full:
            services.resident_view_full(actor=request.user, resident=resident)
        serializer = self.get_serializer(resident, context={**self.get_serializer_context(), "full_numbers": full})
        return Response(serializer.data)

    def perform_create(self, serializer):
        serializer.instance = services.resident_create(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        try:
            serializer.instance = self._versioned = services.resident_update(
                actor=self.request.user, resident=serializer.instance, data=serializer.validated_data,
                expected_version=self.expected_version(serializer.instance))
        except services.StaleEdit:
            raise StaleVersion() from None

    @extend_schema(summary="居民列表（身份证号、电话脱敏）")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class MeView(APIView):
    """Who the caller is and the places they see (ids of the communities and grids in their scope)."""

    for_account_keepers = True  # the security admin too: its role, and no places

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


class ServicePointViewSet(ScopedReadOnlyViewSet):
    queryset = ServicePoint.objects.all()
    serializer_class = ServicePointSerializer
    filterset_class = ServicePointFilterSet


class ResidentImportView(APIView):
    """POST a ledger (multipart `file`, `community`, `grid` when the community has several): 201 with the
    preview's counts, or 202 while a worker reads it (GET /imports/{id}/). A file refused before it is
    opened (too large, not an xlsx, a zip bomb) answers 400 at once."""

    parser_classes = [MultiPartParser]
    allowed = staticmethod(can_write_registry)
    may_write = staticmethod(can_write_registry)
    denied_message = "您的角色不能导入居民台账。"

    @extend_schema(
        summary="上传居民台账（预览）",
        request={"multipart/form-data": inline_serializer("ResidentImportUpload", {
            "file": serializers.FileField(), "community": serializers.IntegerField(),
            "grid": serializers.IntegerField(required=False)})},
        responses={201: inline_serializer("ImportPreview", {
            "id": serializers.IntegerField(), "status": serializers.CharField(), "counts": ImportCountsSerializer()}),
            202: inline_serializer("ImportPending", {
                "id": serializers.IntegerField(), "status": serializers.CharField(),
                "counts": ImportCountsSerializer()})})
    def post(self, request):
        upload = request.FILES.get("file")
        params = {"community": _id(request.data.get("community"), "community", "社区")}
        if request.data.get("grid") not in (None, ""):
            params["grid"] = _id(request.data.get("grid"), "grid", "网格")
        run = import_run_create(user=request.user, import_list=RESIDENTS_IMPORT, upload=upload, params=params)
        return run_answer(run)


def _id(raw, field: str, label: str) -> int:
    value = positive_int(raw if isinstance(raw, str) else "")
    if value is None:
        raise serializers.ValidationError({field: [f"请选择{label}。" if raw in (None, "") else f"{label}编号无效。"]})
    return value
