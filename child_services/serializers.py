from decimal import Decimal

from rest_framework import serializers

from jiedao.models import User
from jiedao.scope import NUTRITION_DELIVERERS
from jiedao.serializers import SafeDateTimeField, ScopedPrimaryKeyRelatedField
from residents.models import Resident, ServicePoint

from .choices import EnrolmentStatus
from .models import (
    LAST_ROUND_DAY,
    PACK_VALUE_CAP,
    Attendance,
    Enrolment,
    NutritionDelivery,
    NutritionPlan,
    Programme,
    Session,
)


class ProgrammeSerializer(serializers.ModelSerializer):
    point = ScopedPrimaryKeyRelatedField(queryset=ServicePoint.objects.all())
    enrol_opens_at = SafeDateTimeField()
    enrol_closes_at = SafeDateTimeField()
    enrolled = serializers.IntegerField(read_only=True, help_text="已录取人数")
    waiting = serializers.IntegerField(read_only=True, help_text="候补人数")

    class Meta:
        model = Programme
        fields = ["id", "name", "kind", "point", "age_min_months", "age_max_months", "starts_on", "ends_on",
                  "capacity", "enrol_opens_at", "enrol_closes_at", "fee", "description", "enrolled", "waiting"]
        read_only_fields = ["id"]


class SessionSerializer(serializers.ModelSerializer):
    starts_at = SafeDateTimeField()
    ends_at = SafeDateTimeField()

    class Meta:
        model = Session
        fields = ["id", "programme", "starts_at", "ends_at"]
        read_only_fields = ["id", "programme"]


class EnrolmentRequestSerializer(serializers.Serializer):
    programme = ScopedPrimaryKeyRelatedField(queryset=Programme.objects.all())
    child = ScopedPrimaryKeyRelatedField(queryset=Resident.objects.all(), help_text="儿童（未满 18 周岁的居民）")
    guardian = ScopedPrimaryKeyRelatedField(queryset=Resident.objects.all(), required=False, allow_null=True,
                                            help_text="在册居民监护人；否则给 guardian_name 与 guardian_phone")
    guardian_name = serializers.CharField(max_length=30, required=False, allow_blank=True)
    guardian_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)


class EnrolmentAnswerSerializer(serializers.ModelSerializer):
    """What an enrolment answers: its status, and its position while it waits (null once enrolled)."""

    class Meta:
        model = Enrolment
        fields = ["id", "status", "position"]
        read_only_fields = fields


class EnrolmentSerializer(serializers.ModelSerializer):
    """An enrolment as every role in scope reads it: the child by name only (a 亲子小屋's operator reads these
    too; the ID number, phone and address stay on the registry's own pages)."""

    child_name = serializers.CharField(source="child.name", read_only=True)
    programme_name = serializers.CharField(source="programme.name", read_only=True)

    class Meta:
        model = Enrolment
        fields = ["id", "programme", "programme_name", "child", "child_name", "status", "position", "channel",
                  "created_at", "enrolled_at", "withdrawn_at"]
        read_only_fields = fields


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ChildAttendanceRequestSerializer(serializers.Serializer):
    session = ScopedPrimaryKeyRelatedField(queryset=Session.objects.all())
    present = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
                                    max_length=1000, help_text="出勤儿童的报名编号；其余已录取儿童记为缺勤")


class ChildAttendanceAnswerSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    present = serializers.IntegerField()
    absent = serializers.IntegerField()
    written = serializers.IntegerField(help_text="本次新写或改动的记录数")


class ChildAttendanceSerializer(serializers.ModelSerializer):
    child_name = serializers.CharField(source="enrolment.child.name", read_only=True)

    class Meta:
        model = Attendance
        fields = ["id", "session", "enrolment", "child_name", "present", "recorded_at"]
        read_only_fields = fields


ENROLLED, WAITLISTED = EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED


class WorkerField(ScopedPrimaryKeyRelatedField):
    """A responsible worker: an active account of the caller's sub-district that brings packs (the service
    checks that its scope holds the child)."""

    def get_queryset(self):
        user = self.context["request"].user
        return User.objects.filter(is_active=True, role__in=NUTRITION_DELIVERERS, subdistrict_id=user.subdistrict_id)


class NutritionPlanSerializer(serializers.ModelSerializer):
    """A child's pack plan. POST writes child, days (default [1, 15]), worker, and optionally contents, value,
    reason (required when the child holds none of 困境儿童, 孤儿, 留守儿童); PATCH changes days, worker,
    contents, value, reason, or stops the plan (active false)."""

    child = ScopedPrimaryKeyRelatedField(queryset=Resident.objects.all(), label="儿童")
    child_name = serializers.CharField(source="child.name", read_only=True)
    days = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=LAST_ROUND_DAY),
                                 min_length=1, max_length=4, required=False, label="每月发放日")
    worker = WorkerField(queryset=User.objects.all(), label="责任人")
    value = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=Decimal("0.01"),
                                     max_value=PACK_VALUE_CAP, required=False, label="每次价值（元）")

    class Meta:
        model = NutritionPlan
        fields = ["id", "child", "child_name", "days", "worker", "contents", "value", "reason", "starts_on", "active",
                  "created_at"]
        # One active plan per child is the service's rule, told at `child` (not DRF's own unique check).
        validators = []
        # A plan starts active; PATCH stops it (NutritionPlanUpdateSerializer).
        read_only_fields = ["starts_on", "active", "created_at"]
        extra_kwargs = {"contents": {"required": False}}


class NutritionPlanUpdateSerializer(NutritionPlanSerializer):
    """PATCH: the child stays; the rest may change, and `active: false` stops the plan."""

    child = serializers.IntegerField(source="child_id", read_only=True)
    worker = WorkerField(queryset=User.objects.all(), label="责任人", required=False)

    class Meta(NutritionPlanSerializer.Meta):
        read_only_fields = ["starts_on", "created_at"]
        extra_kwargs = {"contents": {"required": False}, "active": {"required": False}}


class NutritionDeliverySerializer(serializers.ModelSerializer):
    """One round: recorded through confirm/ or miss/."""

    child = serializers.IntegerField(source="plan.child_id", read_only=True)
    child_name = serializers.CharField(source="plan.child.name", read_only=True)
    worker = serializers.IntegerField(source="plan.worker_id", read_only=True)
    delivered_by = serializers.SerializerMethodField()

    class Meta:
        model = NutritionDelivery
        fields = ["id", "plan", "child", "child_name", "worker", "due_on", "status", "contents", "value",
                  "delivered_at", "delivered_by", "received_by", "missed_reason", "recorded_at"]
        read_only_fields = fields

    def get_delivered_by(self, delivery) -> str | None:
        return delivery.delivered_by.username if delivery.delivered_by_id else None


class ConfirmRequestSerializer(serializers.Serializer):
    delivered_at = serializers.DateTimeField(required=False, allow_null=True, label="送达时间")
    received_by = serializers.CharField(max_length=50, allow_blank=True, label="签收人")


class MissRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, allow_blank=True, label="未送达原因")
