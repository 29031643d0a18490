from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from jiedao.api import ScopedViewSetMixin, XLSXExportMixin
from jiedao.scope import REGISTRY_READERS
from residents.models import Resident

from . import schedule, services
from .exports import VISIT_COLUMNS
from .filters import HazardFilterSet, VisitFilterSet
from .models import Hazard, Notification, Visit
from .serializers import (
    DueSerializer,
    HazardSerializer,
    HazardTransitionSerializer,
    NotificationSerializer,
    VisitSerializer,
)


class VisitPermission(permissions.BasePermission):
    message = "您的角色不能进行此操作。"

    def has_permission(self, request, view):
        if request.user.role not in REGISTRY_READERS:
            return False
        return request.method in permissions.SAFE_METHODS or services.can_record_visits(request.user)


class VisitViewSet(XLSXExportMixin, ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Visits to residents in the caller's scope; grid workers record them for their own grids."""

    queryset = Visit.objects.all()
    serializer_class = VisitSerializer
    filterset_class = VisitFilterSet
    permission_classes = [permissions.IsAuthenticated, VisitPermission]
    export_columns = VISIT_COLUMNS
    export_name = "走访记录"

    def get_queryset(self):
        return super().get_queryset().select_related("visitor", "resident__grid").prefetch_related("hazards")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.update(data.pop("findings", {}))  # the findings object and the flat fields are one thing
        serializer.instance = services.visit_record(actor=self.request.user, hazards=data.pop("hazards", []),
                                                    **data)

    @extend_schema(responses=DueSerializer(many=True), summary="本人范围内今日应访与逾期事项")
    @action(detail=False, filterset_class=None)
    def due(self, request):
        items = schedule.due_items(Resident.objects.visible_to(request.user))
        page = self.paginate_queryset(items)  # most urgent first, paged like every list
        return self.get_paginated_response(DueSerializer(page, many=True).data)


class HazardViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Hazard.objects.all()
    serializer_class = HazardSerializer
    filterset_class = HazardFilterSet
    permission_classes = [permissions.IsAuthenticated, VisitPermission]

    @extend_schema(request=HazardTransitionSerializer, responses=HazardSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        hazard = self.get_object()
        if not services.can_record_visits(request.user):
            raise PermissionDenied("您的角色不能处理隐患。")
        data = HazardTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hazard = services.hazard_transition(actor=request.user, hazard=hazard, status=data.validated_data["status"])
        return Response(HazardSerializer(hazard).data)


class NotificationViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The caller's own inbox, newest first; `?unread=1` for the unread ones."""

    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        return qs.unread() if self.request.query_params.get("unread") in ("1", "true") else qs

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = services.notification_read(actor=request.user, notification=self.get_object())
        return Response(NotificationSerializer(notification).data)
