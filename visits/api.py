from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from jiedao.api import ScopedViewSetMixin, XLSXExportMixin
from jiedao.scope import can_record_visits, reads_registry
from residents.models import Resident

from . import schedule, services
from .exports import VISITS
from .filters import HazardFilterSet
from .models import Hazard, Visit
from .serializers import (
    DueSerializer,
    HazardSerializer,
    HazardTransitionSerializer,
    VisitSerializer,
)


class VisitViewSet(XLSXExportMixin, ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Visits to residents in the caller's scope; grid workers record them for their own grids."""

    queryset = Visit.objects.all()
    serializer_class = VisitSerializer
    filterset_class = VISITS.filterset
    export_list = VISITS
    may_write = staticmethod(can_record_visits)

    def get_queryset(self):
        return super().get_queryset().select_related("visitor", "resident__grid").prefetch_related("hazards")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
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
    allowed = staticmethod(reads_registry)
    may_write = staticmethod(can_record_visits)

    @extend_schema(request=HazardTransitionSerializer, responses=HazardSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        hazard = self.get_object()
        data = HazardTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hazard = services.hazard_transition(actor=request.user, hazard=hazard, status=data.validated_data["status"],
                                            note=data.validated_data.get("note", ""))
        return Response(HazardSerializer(hazard).data)
