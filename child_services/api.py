from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from jiedao.api import ScopedReadOnlyViewSet, ScopedViewSetMixin, XLSXExportMixin
from jiedao.scope import manages_programmes, plans_nutrition, reads_service_records, takes_child_attendance

from . import services
from .exports import ENROLMENTS, NUTRITION_DELIVERIES, NUTRITION_PLANS, PROGRAMMES
from .models import Attendance, Enrolment, NutritionDelivery, NutritionPlan, Programme, Session
from .querysets import with_counts
from .serializers import (
    ChildAttendanceAnswerSerializer,
    ChildAttendanceRequestSerializer,
    ChildAttendanceSerializer,
    ConfirmRequestSerializer,
    EnrolmentAnswerSerializer,
    EnrolmentRequestSerializer,
    EnrolmentSerializer,
    MissRequestSerializer,
    NutritionDeliverySerializer,
    NutritionPlanSerializer,
    NutritionPlanUpdateSerializer,
    ProgrammeSerializer,
    SessionSerializer,
    WithdrawSerializer,
)


class ProgrammeViewSet(XLSXExportMixin, ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                       viewsets.ReadOnlyModelViewSet):
    """Children's programmes at the service points in the caller's scope, with how many are enrolled and
    waiting; staff create and change them, and their sessions (one by one at sessions/)."""

    queryset = Programme.objects.all()
    serializer_class = ProgrammeSerializer
    filterset_class = PROGRAMMES.filterset
    export_list = PROGRAMMES
    may_write = staticmethod(manages_programmes)

    def get_queryset(self):
        return with_counts(super().get_queryset())

    def perform_create(self, serializer):
        serializer.instance = services.programme_save(actor=self.request.user,
                                                      programme=Programme(**serializer.validated_data))

    def perform_update(self, serializer):
        programme = Programme.objects.get(pk=serializer.instance.pk)
        for field, value in serializer.validated_data.items():
            setattr(programme, field, value)
        services.programme_save(actor=self.request.user, programme=programme)
        serializer.instance = self.get_queryset().get(pk=programme.pk)

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        response.data = ProgrammeSerializer(self.get_queryset().get(pk=response.data["id"])).data
        return response

    @extend_schema(request=SessionSerializer, responses={200: SessionSerializer(many=True), 201: SessionSerializer})
    @action(detail=True, methods=["get", "post"], filterset_class=None)
    def sessions(self, request, pk=None):
        """A programme's sessions, earliest first; POST adds one (`starts_at`, `ends_at`, inside its dates)."""
        programme = self.get_object()
        if request.method == "POST":
            data = SessionSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            session = services.session_create(actor=request.user, programme=programme, **data.validated_data)
            return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(Session.objects.visible_to(request.user).filter(programme=programme))
        return self.get_paginated_response(SessionSerializer(page, many=True).data)


class EnrolmentViewSet(XLSXExportMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Enrolments in the programmes of the caller's scope. POST enrols a child (answers 201 with its status and
    its position on the waiting list, or 400 with the reason); withdraw/ gives the place to the first waiting."""

    queryset = Enrolment.objects.all()
    serializer_class = EnrolmentSerializer
    filterset_class = ENROLMENTS.filterset
    export_list = ENROLMENTS
    may_write = staticmethod(manages_programmes)

    def allowed(self, user) -> bool:
        # An operator reads its own point's enrolments (names) to take attendance; the export stays with the
        # registry's readers (ENROLMENTS.readers, asked by the export itself).
        return reads_service_records(user)

    def get_queryset(self):
        return super().get_queryset().select_related("child", "programme")

    @extend_schema(request=EnrolmentRequestSerializer, responses={201: EnrolmentAnswerSerializer})
    def create(self, request, *args, **kwargs):
        data = EnrolmentRequestSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        enrolment = services.enrolment_create(actor=request.user, **data.validated_data)
        return Response(EnrolmentAnswerSerializer(enrolment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WithdrawSerializer, responses=EnrolmentSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        enrolment = self.get_object()
        data = WithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.enrolment_withdraw(actor=request.user, enrolment=enrolment,
                                    reason=data.validated_data.get("reason", ""))
        return Response(EnrolmentSerializer(self.get_queryset().get(pk=enrolment.pk)).data)


class AttendanceViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Attendance rows of the sessions in the caller's scope (`?session=`); POST takes a session's register:
    the enrolments listed in `present` came, the programme's other enrolled children did not."""

    queryset = Attendance.objects.all()
    serializer_class = ChildAttendanceSerializer
    allowed = staticmethod(reads_service_records)
    may_write = staticmethod(takes_child_attendance)

    def get_queryset(self):
        queryset = super().get_queryset().select_related("enrolment__child")
        raw = self.request.query_params.get("session") if self.action == "list" else None
        if raw:
            if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
                raise ValidationError({"session": ["应为课次编号。"]})
            queryset = queryset.filter(session_id=int(raw))
        return queryset

    @extend_schema(request=ChildAttendanceRequestSerializer, responses={201: ChildAttendanceAnswerSerializer})
    def create(self, request, *args, **kwargs):
        data = ChildAttendanceRequestSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        session = data.validated_data["session"]
        counts = services.attendance_record(actor=request.user, session=session,
                                            present=data.validated_data["present"])
        return Response(ChildAttendanceAnswerSerializer({"session": session.pk, **counts}).data,
                        status=status.HTTP_201_CREATED)


READERS_ONLY = "您的角色无权访问儿童的营养包信息。"


class NutritionPlanViewSet(XLSXExportMixin, ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                           viewsets.ReadOnlyModelViewSet):
    """Pack plans of the children in the caller's scope. POST puts a child on one; PATCH changes or stops it."""

    queryset = NutritionPlan.objects.all()
    serializer_class = NutritionPlanSerializer
    filterset_class = NUTRITION_PLANS.filterset
    export_list = NUTRITION_PLANS
    denied_message = READERS_ONLY
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().select_related("child__community", "worker")

    def get_serializer_class(self):
        return NutritionPlanUpdateSerializer if self.action == "partial_update" else NutritionPlanSerializer

    def create(self, request, *args, **kwargs):
        if not plans_nutrition(request.user):  # the role is told before the body
            raise PermissionDenied("只有社区工作人员和街道管理员可以建立营养包计划。")
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.plan_create(actor=self.request.user, child=data.pop("child"),
                                                   worker=data.pop("worker"), **data)

    def perform_update(self, serializer):
        serializer.instance = services.plan_update(actor=self.request.user, plan=serializer.instance,
                                                   values=dict(serializer.validated_data))


class NutritionDeliveryViewSet(XLSXExportMixin, ScopedReadOnlyViewSet):
    """Each round of each plan in the caller's scope (created on its day by the daily job). confirm/ records a
    pack brought (when, who received it); miss/ one not brought (why)."""

    queryset = NutritionDelivery.objects.all()
    serializer_class = NutritionDeliverySerializer
    filterset_class = NUTRITION_DELIVERIES.filterset
    export_list = NUTRITION_DELIVERIES
    denied_message = READERS_ONLY

    def get_queryset(self):
        return super().get_queryset().select_related("plan__child", "delivered_by")

    def _answer(self, delivery):
        return Response(NutritionDeliverySerializer(self.get_queryset().get(pk=delivery.pk)).data)

    @extend_schema(request=ConfirmRequestSerializer, responses=NutritionDeliverySerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        delivery = self.get_object()
        data = ConfirmRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.delivery_confirm(actor=request.user, delivery=delivery, **data.validated_data))

    @extend_schema(request=MissRequestSerializer, responses=NutritionDeliverySerializer)
    @action(detail=True, methods=["post"])
    def miss(self, request, pk=None):
        delivery = self.get_object()
        data = MissRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.delivery_miss(actor=request.user, delivery=delivery,
                                                   reason=data.validated_data["reason"]))
