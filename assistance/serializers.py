from decimal import Decimal

from rest_framework import serializers

from jiedao.serializers import ScopedPrimaryKeyRelatedField
from residents.models import Resident

from . import services, workflow
from .models import (
    WISH_VALUE_CAP,
    Case,
    CaseState,
    CaseTransition,
    Disbursement,
    DisbursementMethod,
    Wish,
    WishState,
    WishTransition,
)


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


class WishTransitionSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username")

    class Meta:
        model = WishTransition
        fields = ["from_state", "to_state", "by", "at", "comment"]


class WishSerializer(serializers.ModelSerializer):
    """A wish as staff see it: the person included (in their scope only). POST writes resident, wish, value,
    story; every step after is POST {id}/transition/."""

    resident = ScopedPrimaryKeyRelatedField(queryset=Resident.objects.all())
    resident_name = serializers.CharField(source="resident.name", read_only=True)
    # Null only on a wish moved from a case that named no sum; a new wish is refused without one (the service).
    value = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=Decimal("0.01"),
                                     max_value=WISH_VALUE_CAP, allow_null=True, label="价值（元）")
    waiting_for = serializers.SerializerMethodField()
    has_photo = serializers.SerializerMethodField()
    history = WishTransitionSerializer(source="transitions", many=True, read_only=True)

    class Meta:
        model = Wish
        fields = ["id", "resident", "resident_name", "for_child", "wish", "value", "story", "state", "waiting_for",
                  "donor", "donor_contact", "fulfilled_on", "note", "has_photo", "withdrawn_reason", "created_at",
                  "history"]
        read_only_fields = ["for_child", "state", "donor", "donor_contact", "fulfilled_on", "note",
                            "withdrawn_reason", "created_at"]

    def get_waiting_for(self, wish) -> str:
        return workflow.WISH_PATH.waiting_for(wish.state)

    def get_has_photo(self, wish) -> bool:
        return bool(wish.photo)


class WishTransitionRequestSerializer(serializers.Serializer):
    """One step: `to` the next state (or withdrawn, the comment its reason); a claim with `donor` and
    `donor_contact`, a fulfilment with `fulfilled_on` and `note`."""

    to = serializers.ChoiceField(choices=[c for c in WishState.choices if c[0] != WishState.COLLECTED])
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, label="意见")
    donor = serializers.CharField(max_length=100, required=False, allow_blank=True, label="认领人/单位")
    donor_contact = serializers.CharField(max_length=100, required=False, allow_blank=True, label="认领人联系方式")
    fulfilled_on = serializers.DateField(required=False, allow_null=True, label="实现日期")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, label="实现情况")


class PublicWishSerializer(serializers.ModelSerializer):
    """A published wish as a donor sees it: one line ("8 岁男孩，想要一套水彩笔，价值 60 元"), the value, the
    office to call. No name, ID number, address, school or resident id; not the story either (written for
    the office, it may tell too much)."""

    text = serializers.SerializerMethodField()
    office = serializers.CharField(source="resident.community.subdistrict.name", read_only=True)

    class Meta:
        model = Wish
        fields = ["id", "text", "value", "office"]
        read_only_fields = fields

    def get_text(self, wish) -> str:
        return services.wish_public_text(age=wish.resident.age, gender=wish.resident.gender, wish=wish.wish,
                                         value=wish.value)
