from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jiedao.models import Role, User
from jiedao.scope import is_team_leader
from jiedao.serializers import SafeDateTimeField, ScopedPrimaryKeyRelatedField
from residents import id_numbers
from residents.models import PHONE, Community, Resident
from residents.serializers import MaskablePhoneField

from . import workflow
from .choices import HoursSource, OrderState
from .models import Activity, OrderTransition, Pairing, ServiceKind, ServiceOrder, Team, Volunteer


@extend_schema_field({"type": "string", "maxLength": 30, "description": "写入：18 位身份证号；读出：除可查看完整号码的"
                      "详情外为掩码，如 110101********1234"})
class MaskableIdNumberField(serializers.CharField):
    pass


class VolunteerSerializer(serializers.ModelSerializer):
    """A volunteer as the API shows them: ID number and phone masked, as the registry's lists are, unless the
    view says `full_numbers` (the detail, for a role that keeps volunteers)."""

    id_number = MaskableIdNumberField(max_length=30)
    phone = MaskablePhoneField(max_length=20, required=False, allow_blank=True, label="联系电话")
    community = ScopedPrimaryKeyRelatedField(queryset=Community.objects.all(), required=False, allow_null=True)
    teams = serializers.SerializerMethodField()

    class Meta:
        model = Volunteer
        fields = ["id", "name", "id_number", "phone", "community", "skills", "availability", "party_member",
                  "work_unit", "status", "resident", "teams", "created_at"]
        read_only_fields = ["resident", "created_at"]

    def get_teams(self, volunteer) -> list[int]:
        return sorted(m.team_id for m in volunteer.memberships.all() if m.left_on is None)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("full_numbers"):
            data["id_number"] = id_numbers.mask(instance.id_number)
            data["phone"] = id_numbers.mask_phone(instance.phone)
        return data

    def validate_phone(self, value):
        if value:
            PHONE(value)
        return value


class TeamSerializer(serializers.ModelSerializer):
    leader = ScopedPrimaryKeyRelatedField(queryset=Volunteer.objects.all(), required=False, allow_null=True)
    community = ScopedPrimaryKeyRelatedField(queryset=Community.objects.all(), required=False, allow_null=True,
                                             help_text="服务全街道的队伍为 null。")
    members = serializers.SerializerMethodField(help_text="现有队员（志愿者编号）。")
    leader_name = serializers.CharField(source="leader.name", read_only=True, default="")

    class Meta:
        model = Team
        fields = ["id", "name", "leader", "leader_name", "community", "description", "active", "members", "created_at"]
        read_only_fields = ["created_at"]

    def get_members(self, team) -> list[int]:
        return sorted(m.volunteer_id for m in team.memberships.all() if m.left_on is None)


class MembershipRequestSerializer(serializers.Serializer):
    volunteer = ScopedPrimaryKeyRelatedField(queryset=Volunteer.objects.all(), label="志愿者")
    on = serializers.DateField(required=False, label="加入或退出日期（默认今天）")


class MembershipSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    volunteer = serializers.IntegerField(source="volunteer_id")
    volunteer_name = serializers.CharField(source="volunteer.name")
    joined_on = serializers.DateField()
    left_on = serializers.DateField(allow_null=True)


class ServiceKindSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceKind
        fields = ["id", "name", "active"]


class OrderTransitionSerializer(serializers.ModelSerializer):
    by = serializers.SerializerMethodField()

    class Meta:
        model = OrderTransition
        fields = ["from_state", "to_state", "by", "at", "comment"]

    def get_by(self, step) -> str:
        return step.by.username if step.by_id else "居民（评价链接）"


class ServiceOrderSerializer(serializers.ModelSerializer):
    """An order. A team leader reads the resident's name and address only while the order is with their team
    (dispatched or accepted): what serving it needs, no more of the registry."""

    resident = ScopedPrimaryKeyRelatedField(queryset=Resident.objects.all())
    service = ScopedPrimaryKeyRelatedField(queryset=ServiceKind.objects.all())
    wanted_at = SafeDateTimeField()
    resident_name = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()
    history = OrderTransitionSerializer(source="transitions", many=True, read_only=True)
    waiting_for = serializers.SerializerMethodField()

    class Meta:
        model = ServiceOrder
        fields = ["id", "resident", "resident_name", "address", "service", "wanted_at", "notes", "state",
                  "waiting_for", "team", "deadline", "dispatched_at", "accepted_at", "done_at", "done_note", "rating",
                  "rating_comment", "rated_at", "created_at", "history"]
        read_only_fields = ["state", "team", "deadline", "dispatched_at", "accepted_at", "done_at", "done_note",
                            "rating", "rating_comment", "rated_at", "created_at"]

    def _shows_resident(self, order) -> bool:
        user = self.context["request"].user
        return not is_team_leader(user) or order.state in workflow.WITH_TEAM

    def get_resident_name(self, order) -> str | None:
        return order.resident.name if self._shows_resident(order) else None

    def get_address(self, order) -> str | None:
        return order.resident.address if self._shows_resident(order) else None

    def get_waiting_for(self, order) -> str:
        return workflow.waiting_for(order.state)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self._shows_resident(instance):
            data["resident"] = None
        return data


class HoursLineSerializer(serializers.Serializer):
    volunteer = ScopedPrimaryKeyRelatedField(queryset=Volunteer.objects.all(), label="志愿者")
    hours = serializers.DecimalField(max_digits=5, decimal_places=2, label="服务时长（小时，以 0.25 为单位）")


class OrderTransitionRequestSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=OrderState.choices)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True,
                                    help_text="拒单时为原因；评价时为居民的评价。")
    team = ScopedPrimaryKeyRelatedField(queryset=Team.objects.all(), required=False, allow_null=True,
                                        help_text="派单时必填。")
    deadline = SafeDateTimeField(required=False, allow_null=True, help_text="派单时必填：完成期限。")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, help_text="完成时必填：服务记录。")
    hours = HoursLineSerializer(many=True, required=False, max_length=50, help_text="完成时必填：谁参加了、多长时间。")
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True,
                                      help_text="评价时必填：1–5 分。")


class RatingLinkSerializer(serializers.Serializer):
    url = serializers.CharField(required=False, help_text="居民评价的短链接（只显示这一次；发短信时不返回）。")
    expires_at = serializers.DateTimeField(required=False)
    texted_to = serializers.CharField(required=False, help_text="评价短信发往的手机号（遮蔽），仅 send=text 时返回。")


class RatingLinkRequestSerializer(serializers.Serializer):
    send = serializers.ChoiceField(choices=[("text", "发送评价短信")], required=False,
                                   help_text="text：把新链接用短信发到居民登记的手机；不填：返回链接，供打印回执。")


class ActivitySerializer(serializers.ModelSerializer):
    team = ScopedPrimaryKeyRelatedField(queryset=Team.objects.all())
    starts_at = SafeDateTimeField()
    ends_at = SafeDateTimeField()
    signed_up = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = ["id", "name", "team", "place", "starts_at", "ends_at", "capacity", "description", "signed_up"]

    def get_signed_up(self, activity) -> list[int]:
        return sorted(s.volunteer_id for s in activity.signups.all())


class SignUpRequestSerializer(serializers.Serializer):
    volunteer = ScopedPrimaryKeyRelatedField(queryset=Volunteer.objects.all(), label="志愿者")


class SignUpSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    activity = serializers.IntegerField(source="activity_id")
    volunteer = serializers.IntegerField(source="volunteer_id")
    created_at = serializers.DateTimeField()


class AttendanceRequestSerializer(serializers.Serializer):
    volunteer = ScopedPrimaryKeyRelatedField(queryset=Volunteer.objects.all(), label="志愿者")
    checked_in_at = SafeDateTimeField(label="签到时间")
    checked_out_at = SafeDateTimeField(label="签退时间")


class HoursEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    hours = serializers.DecimalField(max_digits=5, decimal_places=2)
    source = serializers.ChoiceField(choices=HoursSource.choices)
    project = serializers.CharField()
    order = serializers.IntegerField(source="order_id", allow_null=True)
    activity = serializers.IntegerField(source="activity_id", allow_null=True)
    adjusts = serializers.IntegerField(source="adjusts_id", allow_null=True)
    reason = serializers.CharField()
    counted = serializers.BooleanField(help_text="计入合计：未被调整的原始记录，或其最新的调整。")


class AttendanceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    volunteer = serializers.IntegerField(source="volunteer_id")
    checked_in_at = serializers.DateTimeField()
    checked_out_at = serializers.DateTimeField()
    hours = serializers.DecimalField(max_digits=5, decimal_places=2)


class LedgerSerializer(serializers.Serializer):
    total = serializers.DecimalField(max_digits=8, decimal_places=2)
    entries = HoursEntrySerializer(many=True)


class AdjustmentRequestSerializer(serializers.Serializer):
    adjusts = serializers.IntegerField(min_value=1, max_value=2**31 - 1, label="调整的原记录编号")
    hours = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, label="调整后的时长（小时）")
    reason = serializers.CharField(max_length=200, label="调整原因")


class GridWorkerField(ScopedPrimaryKeyRelatedField):
    """A grid worker of the caller's own sub-district: another sub-district's accounts are 'not found' like ids
    that do not exist (a different message had let their ids be counted)."""

    def get_queryset(self):
        user = self.context["request"].user
        return User.objects.filter(role=Role.GRID_WORKER, subdistrict_id=user.subdistrict_id or 0)


class PairingSerializer(serializers.ModelSerializer):
    resident = ScopedPrimaryKeyRelatedField(queryset=Resident.objects.all())
    volunteer = ScopedPrimaryKeyRelatedField(queryset=Volunteer.objects.all(), required=False, allow_null=True)
    worker = GridWorkerField(queryset=User.objects.filter(role=Role.GRID_WORKER), required=False, allow_null=True,
                             help_text="结对的网格员（与 volunteer 二选一）。")
    resident_name = serializers.CharField(source="resident.name", read_only=True)
    partner = serializers.CharField(source="partner_name", read_only=True)

    class Meta:
        model = Pairing
        fields = ["id", "resident", "resident_name", "volunteer", "worker", "partner", "rhythm", "started_on",
                  "ended_on"]
        read_only_fields = ["ended_on"]
        extra_kwargs = {"started_on": {"required": False, "help_text": "默认今天。"}}


class PairingVisitRequestSerializer(serializers.Serializer):
    visited_at = SafeDateTimeField(required=False, label="走访时间（默认现在）")
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True, label="情况")


class PairingVisitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    visited_at = serializers.DateTimeField()
    visit = serializers.IntegerField(source="visit_id", allow_null=True, help_text="走访记录（/api/v1/visits/）编号。")
    notes = serializers.CharField()
