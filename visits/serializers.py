from rest_framework import serializers

from jiedao.serializers import SafeDateTimeField, ScopedPrimaryKeyRelatedField
from residents.models import Resident

from .models import FINDINGS, Hazard, HazardKind, HazardStatus, Method, Visit


class HazardInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=HazardKind.choices)
    description = serializers.CharField(max_length=300)


class HazardSerializer(serializers.ModelSerializer):
    class Meta:
        model = Hazard
        fields = ["id", "visit", "resident", "kind", "description", "status", "created_at", "closed_by",
                  "closed_at"]
        read_only_fields = fields


class VisitSerializer(serializers.ModelSerializer):
    resident = ScopedPrimaryKeyRelatedField(queryset=Resident.objects.all())
    visited_at = SafeDateTimeField(required=False)
    visitor = serializers.CharField(source="visitor.username", read_only=True)
    hazards = HazardInputSerializer(many=True, required=False, write_only=True, max_length=20)
    hazards_found = HazardSerializer(source="hazards", many=True, read_only=True)

    class Meta:
        model = Visit
        # The findings are the visit's own fields, read and written alike (one interface).
        fields = ["id", "resident", "method", "visited_at", "visitor", *FINDINGS, "overdue_days", "hazards",
                  "hazards_found", "created_at"]
        read_only_fields = ["overdue_days", "created_at"]

    def to_internal_value(self, data):
        # A field this endpoint does not take is refused by name, not dropped in silence (a client still
        # sending the old `findings` object would otherwise lose what the visitor wrote).
        if type(data) is dict:  # a JSON body (a form post carries its CSRF token too)
            # Read-only fields (a visit sent back as it was read) are ignored, as DRF does; only names this
            # endpoint has never had are refused.
            unknown = sorted(str(k)[:30] for k in data if k not in self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {name: [f"未知的字段。走访情况请直接填写：{'、'.join(FINDINGS)}。"] for name in unknown[:10]})
        return super().to_internal_value(data)


class DueSerializer(serializers.Serializer):
    resident = serializers.IntegerField(source="resident_id")
    method = serializers.ChoiceField(choices=Method.choices)
    due_date = serializers.DateField()
    overdue_days = serializers.IntegerField()
    last_visit = serializers.DateField(allow_null=True)


class HazardTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[HazardStatus.IN_HAND, HazardStatus.CLOSED])
    note = serializers.CharField(label="处理情况", max_length=300, required=False, allow_blank=True,
                                 help_text="解决（closed）时必填：做了什么。")
