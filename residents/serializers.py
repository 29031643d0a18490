from django.db import models
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jiedao.serializers import ScopedPrimaryKeyRelatedField
from jiedao.text import phone_number

from . import id_numbers
from .models import PHONE, Community, Grid, Household, Resident, ServicePoint, Tag


# Written as digits (models.PHONE), read back masked (139****5678) unless the view shows full numbers:
# one schema for both, so a masked answer is no violation of the documented pattern.
@extend_schema_field({"type": "string", "maxLength": 20, "description": "写入：数字、空格、+ 和 -，3 到 20 位；"
                      "读出：除可查看完整号码的详情外为掩码，如 139****5678"})
class MaskablePhoneField(serializers.CharField):
    pass


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


# The forms of ResidentSerializer's dates and times (the API's format and time zone), without building its 29
# fields for each page (a ModelSerializer introspects its model for them every time: a millisecond a request).
_DATE, _MOMENT = serializers.DateField(read_only=True), serializers.DateTimeField(read_only=True)


class ResidentListSerializer(serializers.ListSerializer):
    """A page of residents, each written as ResidentSerializer.to_representation writes it, in one pass: the
    generic loop asked each of 29 fields of each of 50 rows for its attribute and its form (and every row for
    today's date, for an age it then hid), a third of the list's time. Dates and times keep their fields' own
    forms (the time zone, the format); every other value is what its field would give (a choice's own value, a
    key's id). A test holds the two to the same answers. Numbers in full (`full_numbers`, the detail) take the
    generic way."""

    def to_representation(self, data):
        rows = data.all() if isinstance(data, models.manager.BaseManager) else data
        if self.child.context.get("full_numbers"):
            return super().to_representation(rows)
        date, moment = _DATE.to_representation, _MOMENT.to_representation
        today = timezone.localdate()
        return [{
            "id": r.pk, "name": r.name, "id_number": id_numbers.mask(r.id_number), "gender": r.gender,
            "birth_date": None, "age": None,
            "age_band": id_numbers.age_band(id_numbers.age_between(r.birth_date, today)),
            "phone": id_numbers.mask_phone(r.phone), "community": r.community_id, "grid": r.grid_id,
            "household": r.household_id, "relation_to_head": r.relation_to_head, "address": r.address,
            "estate": r.estate, "building": r.building, "unit": r.unit, "room": r.room,
            "residence_type": r.residence_type, "tags": r.tag_codes, "care_tier": r.care_tier,
            "care_dependency": r.care_dependency, "disability_type": r.disability_type,
            "disability_grade": r.disability_grade, "status": r.status, "status_date": date(r.status_date),
            "status_reason": r.status_reason, "notes": r.notes, "created_at": moment(r.created_at),
            "updated_at": moment(r.updated_at)} for r in rows]


class ResidentSerializer(serializers.ModelSerializer):
    """A resident as the API shows it. ID number and phone are masked unless the view says
    `full_numbers` (the detail, for a role that may write in that scope). A list is written by
    ResidentListSerializer."""

    id_number = serializers.CharField(max_length=30)
    grid = ScopedPrimaryKeyRelatedField(queryset=Grid.objects.all())
    household = ScopedPrimaryKeyRelatedField(queryset=Household.objects.all(), required=False, allow_null=True)
    tags = serializers.ListField(
        child=serializers.ChoiceField(choices=Tag.choices), required=False, max_length=len(Tag.choices),
        source="tag_codes")
    age = serializers.IntegerField(read_only=True, allow_null=True,
                                   help_text="仅在详情中、对可查看完整号码的角色显示；其余为 null，见 age_band。")
    age_band = serializers.CharField(read_only=True, help_text="五岁一段，如“80–84岁”。")
    birth_date = serializers.DateField(read_only=True, allow_null=True,
                                       help_text="仅在详情中、对可查看完整号码的角色显示；其余为 null。")
    address = serializers.CharField(read_only=True)
    phone = MaskablePhoneField(max_length=20, required=False, allow_blank=True, label="联系电话")

    class Meta:
        model = Resident
        fields = [
            "id", "name", "id_number", "gender", "birth_date", "age", "age_band", "phone", "community", "grid",
            "household", "relation_to_head", "address", "estate", "building", "unit", "room",
            "residence_type", "tags", "care_tier", "care_dependency", "disability_type", "disability_grade",
            "status", "status_date", "status_reason", "notes", "created_at", "updated_at",
        ]
        read_only_fields = ["gender", "birth_date", "community", "status", "status_date", "status_reason",
                            "created_at", "updated_at"]
        list_serializer_class = ResidentListSerializer

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("full_numbers"):
            # Masked, and nothing beside the mask that gives the hidden digits back (the birth date, the
            # exact age): lists, exports and the detail for roles that do not see full numbers.
            data["id_number"] = id_numbers.mask(instance.id_number)
            data["phone"] = id_numbers.mask_phone(instance.phone)
            data["birth_date"] = data["age"] = None
        return data

    def validate_phone(self, value):
        # The model's rule, checked here rather than as the field's validator: drf-spectacular would write
        # its pattern into the schema of the (masked) answers too.
        PHONE(value)
        return phone_number(value) if value else value

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        if "tag_codes" in values:
            values["tags"] = values.pop("tag_codes")
        return values


class ServicePointSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServicePoint
        fields = ["id", "kind", "name", "subdistrict", "community", "address", "opening_hours", "capacity",
                  "contact_name", "contact_phone", "rooms", "active"]
