from rest_framework import serializers

from . import id_numbers
from .models import Community, Grid, Household, Resident, Tag


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """Accepts only ids the caller may see: another community's grid is 'not found', like a 404."""

    default_error_messages = {
        "does_not_exist": "编号为 {pk_value} 的对象不存在或不在您的管辖范围内。",
        "incorrect_type": "应为整数编号，收到的是 {data_type}。",
        "required": "此项为必填项。",
        "null": "此项不能为空。",
    }

    def get_queryset(self):
        return self.queryset.model.objects.visible_to(self.context["request"].user)

    def to_internal_value(self, data):
        # Only whole numbers a database id can be: 1.5, 1e400, true and "abc" are refused here, not
        # passed to the database (where an overflow would be a 500).
        if isinstance(data, bool) or not (isinstance(data, int) or (isinstance(data, str) and data.isdigit())):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if int(data) >= 2**63:
            self.fail("does_not_exist", pk_value=str(data)[:30])
        return super().to_internal_value(int(data))


class SafeDateTimeField(serializers.DateTimeField):
    """A date-time that cannot overflow when put in Asia/Shanghai (year 1 or 9999 answer 400)."""

    def to_internal_value(self, value):
        try:
            return super().to_internal_value(value)
        except (OverflowError, ValueError):
            self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss][+HH:MM]")

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except (OverflowError, ValueError):
            self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss][+HH:MM]")


class CommunitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Community
        fields = ["id", "name", "code", "subdistrict", "address", "phone"]


class GridSerializer(serializers.ModelSerializer):
    class Meta:
        model = Grid
        fields = ["id", "name", "code", "community", "description"]


class HouseholdSerializer(serializers.ModelSerializer):
    address = serializers.CharField(read_only=True)

    class Meta:
        model = Household
        fields = ["id", "number", "grid", "head", "estate", "building", "unit", "room", "address"]
        read_only_fields = fields


class ResidentSerializer(serializers.ModelSerializer):
    """A resident as the API shows it. ID number and phone are masked unless the view says
    `full_numbers` (the detail, for a role that may write in that scope)."""

    id_number = serializers.CharField(max_length=30)
    grid = ScopedPrimaryKeyRelatedField(queryset=Grid.objects.all())
    household = ScopedPrimaryKeyRelatedField(queryset=Household.objects.all(), required=False, allow_null=True)
    tags = serializers.ListField(
        child=serializers.ChoiceField(choices=Tag.choices), required=False, max_length=len(Tag.choices),
        source="tag_codes")
    age = serializers.IntegerField(read_only=True)
    address = serializers.CharField(read_only=True)

    class Meta:
        model = Resident
        fields = [
            "id", "name", "id_number", "gender", "birth_date", "age", "phone", "community", "grid",
            "household", "relation_to_head", "address", "estate", "building", "unit", "room",
            "residence_type", "tags", "care_tier", "care_dependency", "disability_type", "disability_grade",
            "status", "status_date", "status_reason", "notes", "created_at", "updated_at",
        ]
        read_only_fields = ["gender", "birth_date", "community", "status", "status_date", "status_reason",
                            "created_at", "updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("full_numbers"):
            data["id_number"] = id_numbers.mask(instance.id_number)
            data["phone"] = id_numbers.mask_phone(instance.phone)
        return data

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        if "tag_codes" in values:
            values["tags"] = values.pop("tag_codes")
        return values

