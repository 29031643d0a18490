from rest_framework import serializers

from jiedao.serializers import ScopedPrimaryKeyRelatedField
from residents.models import Resident

from .models import Case, CaseState, CaseTransition, Disbursement


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
        fields = ["id", "resident", "resident_name", "kind", "state", "reason", "requested_amount",
                  "requested_service", "household_size", "monthly_income", "publicized_on", "review_due",
                  "opened_at", "history"]
        read_only_fields = ["state", "publicized_on", "review_due", "opened_at"]


class TransitionRequestSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=CaseState.choices)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True)


class DisbursementSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", read_only=True)

    class Meta:
        model = Disbursement
        fields = ["id", "amount", "paid_on", "method", "period_from", "period_to", "by", "created_at"]
        read_only_fields = ["by", "created_at"]


class DisbursementListSerializer(DisbursementSerializer):
    case = serializers.IntegerField(source="case_id", read_only=True)
    kind = serializers.CharField(source="case.kind", read_only=True)
    community = serializers.IntegerField(source="case.resident.community_id", read_only=True)

    class Meta(DisbursementSerializer.Meta):
        fields = [*DisbursementSerializer.Meta.fields, "case", "kind", "community"]
        read_only_fields = fields
