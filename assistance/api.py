from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from jiedao.api import ScopedReadOnlyViewSet, ScopedViewSetMixin, XLSXExportMixin

from . import services
from .exports import CASES, DISBURSEMENTS
from .models import Case, Disbursement
from .serializers import CaseSerializer, DisbursementListSerializer, DisbursementSerializer, TransitionRequestSerializer

READERS_ONLY = "您的角色无权访问救助案件。"

class CaseViewSet(XLSXExportMixin, ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Relief cases of residents in the caller's scope. Each step is a POST to transition/."""

    queryset = Case.objects.all()
    serializer_class = CaseSerializer
    filterset_class = CASES.filterset
    export_list = CASES
    denied_message = READERS_ONLY

    def get_queryset(self):
        return super().get_queryset().select_related("resident__community").prefetch_related("transitions__by")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.case_open(actor=self.request.user, resident=data.pop("resident"),
                                                 kind=data.pop("kind"), data=data)

    @extend_schema(request=TransitionRequestSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        case = self.get_object()
        data = TransitionRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_transition(actor=request.user, case=case, to=data.validated_data["to"],
                                        comment=data.validated_data.get("comment", ""))
        return Response(CaseSerializer(self.get_queryset().get(pk=case.pk), context={"request": request}).data)

    @extend_schema(request=DisbursementSerializer, responses=DisbursementSerializer(many=True))
    @action(detail=True, methods=["get", "post"], filterset_class=None)
    def disbursements(self, request, pk=None):
        case = self.get_object()
        if request.method == "POST":
            data = DisbursementSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            payment = services.disbursement_add(actor=request.user, case=case, **data.validated_data)
            return Response(DisbursementSerializer(payment).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(case.disbursements.select_related("by"))
        return self.get_paginated_response(DisbursementSerializer(page, many=True).data)


class DisbursementViewSet(XLSXExportMixin, ScopedReadOnlyViewSet):
    """Money paid out on the cases in the caller's scope (recorded through cases/{id}/disbursements/)."""

    queryset = Disbursement.objects.all()
    serializer_class = DisbursementListSerializer
    filterset_class = DISBURSEMENTS.filterset
    export_list = DISBURSEMENTS
    denied_message = READERS_ONLY

    def get_queryset(self):
        return super().get_queryset().select_related("case__resident__community", "by")
