from rest_framework import serializers

from jiedao.serializers import ScopedPrimaryKeyRelatedField
from residents.models import Resident

from .models import Case, CaseState, CaseTransition, Disbursement, DisbursementMethod


class CaseTransitionSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username")

    class Meta:
        model = CaseTransition
        fields = ["from_state", "to_state", "by", "at", "comment"]


class CaseSerializer(serializers.ModelSerializer):
    resident = ScopedPrimaryKeyRelatedField(queryset=Resident.objects.all())
    history = CaseTransitionSerializer(source="transitions", many=True, read_only=True)
    resident_name = serializers.CharField(source="resident.name", read_only=True)

    class Meta:
        model = Case
        fields = ["id", "resident", "resident_name", "kind", "state", "reason", "requested_amount", "approved_amount",
                  "requested_service", "household_size", "monthly_income", "publicized_on", "review_due",
                  "opened_at", "history"]
        read_only_fields = ["state", "approved_amount", "publicized_on", "review_due", "opened_at"]


class TransitionRequestSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=CaseState.choices)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True)
    # Only with "to": "approved"; without it the requested amount is approved.
    approved_amount = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, allow_null=True,
                                               label="批准金额（元）")


class DisbursementSerializer(serializers.ModelSerializer):
    """A payment as recorded (POST cases/{id}/disbursements/ writes amount, paid_on, method, period_from,
    period_to); a voided one says when, by whom and why."""

    by = serializers.CharField(source="by.username", read_only=True)
    voided = serializers.BooleanField(read_only=True)
    voided_by = serializers.SerializerMethodField()

    class Meta:
        model = Disbursement
        fields = ["id", "amount", "paid_on", "method", "period_from", "period_to", "by", "created_at", "voided",
                  "voided_at", "voided_by", "void_reason", "replaces"]
        read_only_fields = ["by", "created_at", "voided_at", "void_reason", "replaces"]

    def get_voided_by(self, payment) -> str | None:
        return payment.voided_by.username if payment.voided_by_id else None


class DisbursementListSerializer(DisbursementSerializer):
    case = serializers.IntegerField(source="case_id", read_only=True)
    kind = serializers.CharField(source="case.kind", read_only=True)
    community = serializers.IntegerField(source="case.resident.community_id", read_only=True)

    class Meta(DisbursementSerializer.Meta):
        fields = [*DisbursementSerializer.Meta.fields, "case", "kind", "community"]
        read_only_fields = fields


class VoidRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, label="作废原因")


class CorrectionRequestSerializer(serializers.Serializer):
    """The right payment in place of a wrong one: what is left out is taken from the wrong one."""

    amount = serializers.DecimalField(max_digits=10, decimal_places=2, label="金额（元）")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, label="作废原因")
    paid_on = serializers.DateField(required=False, label="发放日期")
    method = serializers.ChoiceField(choices=DisbursementMethod.choices, required=False, label="方式")
    period_from = serializers.DateField(required=False, allow_null=True, label="所属期起")
    period_to = serializers.DateField(required=False, allow_null=True, label="所属期止")
