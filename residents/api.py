from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.response import Response

from jiedao.api import ScopedReadOnlyViewSet, ScopedViewSetMixin, XLSXExportMixin
from jiedao.scope import REGISTRY_READERS, can_write_registry, sees_full_numbers

from . import services
from .exports import RESIDENT_COLUMNS
from .filters import CommunityFilterSet, GridFilterSet, HouseholdFilterSet, ResidentFilterSet
from .models import Community, Grid, Household, Resident
from .serializers import (
    CommunitySerializer,
    GridSerializer,
    HouseholdSerializer,
    ResidentSerializer,
)


class RegistryPermission(permissions.BasePermission):
    """Registry readers may read; writers may write. The object lookup (scope, 404) comes first."""

    message = "您的角色不能进行此操作。"

    def has_permission(self, request, view):
        if request.user.role not in REGISTRY_READERS:
            return False
        return request.method != "POST" or can_write_registry(request.user)

    def has_object_permission(self, request, view, obj):
        return request.method in permissions.SAFE_METHODS or can_write_registry(request.user)


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
    permission_classes = [permissions.IsAuthenticated, RegistryPermission]


class ResidentViewSet(XLSXExportMixin, ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                      viewsets.ReadOnlyModelViewSet):
    """Residents in the caller's scope. Lists and the answers to writes mask ID numbers and phones;
    only the detail (GET) shows them in full, to a role that may write there, and logs that it did."""

    serializer_class = ResidentSerializer
    filterset_class = ResidentFilterSet
    permission_classes = [permissions.IsAuthenticated, RegistryPermission]
    http_method_names = ["get", "post", "patch", "head", "options"]
    export_columns = RESIDENT_COLUMNS
    export_name = "居民名册"

    def get_queryset(self):
        return Resident.objects.visible_to(self.request.user).with_related()

    def retrieve(self, request, *args, **kwargs):
        resident = self.get_object()
        full = sees_full_numbers(request.user)
        if full:
            services.resident_view_full(actor=request.user, resident=resident)
        serializer = self.get_serializer(resident, context={**self.get_serializer_context(), "full_numbers": full})
        return Response(serializer.data)

    def perform_create(self, serializer):
        serializer.instance = services.resident_create(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.resident_update(
            actor=self.request.user, resident=serializer.instance, data=serializer.validated_data)

    @extend_schema(summary="居民列表（身份证号、电话脱敏）")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
