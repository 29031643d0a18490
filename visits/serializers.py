from rest_framework import serializers

from residents.models import Resident
from residents.serializers import SafeDateTimeField, ScopedPrimaryKeyRelatedField

from .models import Hazard, HazardKind, HazardStatus, Method, Notification, Visit


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
    findings = serializers.DictField(child=serializers.CharField(allow_blank=True, max_length=2000),
                                     required=False, write_only=True,
                                     help_text="health, living, needs, notes, next_action")
    hazards = HazardInputSerializer(many=True, required=False, write_only=True, max_length=20)
    hazards_found = HazardSerializer(source="hazards", many=True, read_only=True)

    class Meta:
        model = Visit
        fields = ["id", "resident", "method", "visited_at", "visitor", "ok", "health", "living", "needs", "notes",
                  "next_action", "overdue_days", "findings", "hazards", "hazards_found", "created_at"]
        read_only_fields = ["overdue_days", "created_at"]

    def validate_findings(self, value):
        unknown = set(value) - {"health", "living", "needs", "notes", "next_action"}
        if unknown:
            raise serializers.ValidationError(f"未知的字段：{'、'.join(sorted(unknown))[:100]}")
        return value


class DueSerializer(serializers.Serializer):
    resident = serializers.IntegerField(source="resident_id")
    method = serializers.ChoiceField(choices=Method.choices)
    due_date = serializers.DateField()
    overdue_days = serializers.IntegerField()
    last_visit = serializers.DateField(allow_null=True)


class HazardTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[HazardStatus.IN_HAND, HazardStatus.CLOSED])


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "resident", "method", "due_date", "message", "created_at", "read", "read_at"]
        read_only_fields = fields

    def get_read(self, obj) -> bool:
        return obj.read_at is not None
