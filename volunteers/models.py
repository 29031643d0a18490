from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from jiedao.crypto import EncryptedCharField
from jiedao.text import EncryptedPhoneField, PersonNameField, PlaceNameField
from residents import id_numbers

from .choices import HoursSource, OrderState, Rhythm, VolunteerStatus
from .querysets import (
    ActivityQuerySet,
    HoursQuerySet,
    MembershipQuerySet,
    PairingQuerySet,
    ServiceKindQuerySet,
    ServiceOrderQuerySet,
    TeamQuerySet,
    VolunteerQuerySet,
)


class Volunteer(models.Model):
    """A real-name volunteer (the national system keeps them by ID number). The ID number is checked as a
    resident's is (residents.id_numbers) and stored as the registry stores it: encrypted, found by keyed
    indexes (one volunteer per number); when the person lives here they are linked to their resident record."""

    subdistrict = models.ForeignKey("residents.Subdistrict", verbose_name="街道", on_delete=models.PROTECT,
                                    related_name="volunteers")
    community = models.ForeignKey("residents.Community", verbose_name="所在社区", on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="volunteers",
                                  help_text="在职党员进社区：报到的社区。街道直属的可留空。")
    name = PersonNameField("姓名", max_length=50, db_index=True)
    id_number = EncryptedCharField("身份证号", max_length=18, blind_index="id_number_index",
                                   last4_index="id_last4_index")
    id_number_index = models.CharField("身份证号索引", max_length=64, unique=True, editable=False)
    id_last4_index = models.CharField("身份证后四位索引", max_length=64, db_index=True, editable=False)
    phone = EncryptedPhoneField("联系电话", max_length=20, blank=True, blind_index="phone_index",
                                last4_index="phone_last4_index")
    phone_index = models.CharField("电话索引", max_length=64, blank=True, db_index=True, editable=False)
    phone_last4_index = models.CharField("电话后四位索引", max_length=64, blank=True, db_index=True, editable=False)
    resident = models.OneToOneField("residents.Resident", verbose_name="对应居民", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="volunteer", editable=False)
    skills = models.CharField("特长", max_length=200, blank=True, help_text="用顿号分隔，如：理发、维修、陪诊")
    availability = models.CharField("可服务时间", max_length=100, blank=True, help_text="如：周末上午")
    party_member = models.BooleanField("在职党员", default=False, db_index=True)
    work_unit = models.CharField("工作单位", max_length=100, blank=True)
    status = models.CharField("状态", max_length=10, choices=VolunteerStatus.choices, default=VolunteerStatus.ACTIVE,
                              db_index=True)
    # A team leader's account (role 服务队队长): the teams this volunteer leads are that account's scope.
    account = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="队长账号", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="volunteer")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        verbose_name = "志愿者"
        verbose_name_plural = "志愿者"
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["subdistrict", "community", "status"], name="volunteer_place_idx")]

    def __str__(self):
        return self.name

    @property
    def audit_subdistrict_id(self):
        return self.subdistrict_id

    @property
    def id_number_masked(self) -> str:
        return id_numbers.mask(self.id_number)

    @property
    def phone_masked(self) -> str:
        return id_numbers.mask_phone(self.phone)


class Team(models.Model):
    """A named team (服务队: 幸福来敲门, 筷乐送餐, 小红星…) serving one community, or the whole sub-district."""

    subdistrict = models.ForeignKey("residents.Subdistrict", verbose_name="街道", on_delete=models.PROTECT,
                                    related_name="volunteer_teams")
    community = models.ForeignKey("residents.Community", verbose_name="服务社区", on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="volunteer_teams",
                                  help_text="服务全街道的队伍留空。")
    name = PlaceNameField("队名", max_length=60)
    leader = models.ForeignKey(Volunteer, verbose_name="队长", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="led_teams")
    description = models.CharField("简介", max_length=300, blank=True)
    active = models.BooleanField("在服务", default=True, db_index=True)
    created_at = models.DateTimeField("成立时间", auto_now_add=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        verbose_name = "服务队"
        verbose_name_plural = "服务队"
        ordering = ["subdistrict_id", "name"]
        constraints = [models.UniqueConstraint(fields=["subdistrict", "name"], name="team_name_unique_in_subdistrict",
                                               violation_error_message="本街道已有同名服务队。")]

    def __str__(self):
        return self.name

    @property
    def audit_subdistrict_id(self):
        return self.subdistrict_id

    @property
    def serves(self) -> str:
        return self.community.name if self.community_id else "全街道"


class TeamMembership(models.Model):
    """A volunteer in a team from `joined_on` until `left_on`: leaving ends the row, it is never deleted,
    so a team's history (who served in it when) stays."""

    team = models.ForeignKey(Team, verbose_name="服务队", on_delete=models.PROTECT, related_name="memberships")
    volunteer = models.ForeignKey(Volunteer, verbose_name="志愿者", on_delete=models.PROTECT,
                                  related_name="memberships")
    joined_on = models.DateField("加入日期")
    left_on = models.DateField("退出日期", null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "队员"
        verbose_name_plural = "队员"
        ordering = ["team_id", "-joined_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "volunteer"], condition=models.Q(left_on__isnull=True),
                                    name="membership_one_current_per_team",
                                    violation_error_message="该志愿者已在队中。"),
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True) | models.Q(left_on__gte=models.F("joined_on")),
                name="membership_left_after_joined", violation_error_message="退出日期不能早于加入日期。"),
        ]

    def __str__(self):
        return f"{self.volunteer} · {self.team}"

    @property
    def audit_subdistrict_id(self):
        return self.team.subdistrict_id

    @property
    def current(self) -> bool:
        return self.left_on is None


HOURS_CAP = 24  # hours one entry may credit (a day's service); more is a typing error
HOURS_VALIDATORS = [MinValueValidator(0), MaxValueValidator(HOURS_CAP)]


class ServiceKind(models.Model):
    """A service residents may ask for (上门保洁, 维修, 理发, 代购, 陪诊 …): the sub-district admin's list."""

    subdistrict = models.ForeignKey("residents.Subdistrict", verbose_name="街道", on_delete=models.PROTECT,
                                    related_name="service_kinds")
    name = PlaceNameField("服务项目", max_length=40)
    active = models.BooleanField("可点单", default=True)

    objects = ServiceKindQuerySet.as_manager()

    class Meta:
        verbose_name = "服务项目"
        verbose_name_plural = "服务项目"
        ordering = ["subdistrict_id", "name"]
        constraints = [models.UniqueConstraint(fields=["subdistrict", "name"], name="service_kind_unique",
                                               violation_error_message="本街道已有同名服务项目。")]

    def __str__(self):
        return self.name

    @property
    def audit_subdistrict_id(self):
        return self.subdistrict_id


class ServiceOrder(models.Model):
    """A resident's order (群众点单), taken by staff or a grid worker on their behalf, on its path
    (volunteers.workflow): dispatched to a team with a deadline, accepted or declined (back to 点单), done with
    who served and how long, then rated."""

    resident = models.ForeignKey("residents.Resident", verbose_name="居民", on_delete=models.PROTECT,
                                 related_name="service_orders")
    service = models.ForeignKey(ServiceKind, verbose_name="服务项目", on_delete=models.PROTECT, related_name="orders")
    wanted_at = models.DateTimeField("希望服务时间")
    notes = models.CharField("需求说明", max_length=500, blank=True)
    state = models.CharField("状态", max_length=12, choices=OrderState.choices, default=OrderState.REQUESTED,
                             db_index=True)
    team = models.ForeignKey(Team, verbose_name="服务队", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="orders")
    deadline = models.DateTimeField("完成期限", null=True, blank=True, db_index=True)
    dispatched_at = models.DateTimeField("派单时间", null=True, blank=True)
    accepted_at = models.DateTimeField("接单时间", null=True, blank=True)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    done_note = models.CharField("服务记录", max_length=500, blank=True)
    rating = models.PositiveSmallIntegerField("评分", null=True, blank=True,
                                              validators=[MinValueValidator(1), MaxValueValidator(5)])
    rating_comment = models.CharField("评价", max_length=300, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="受理人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("点单时间", auto_now_add=True, db_index=True)

    objects = ServiceOrderQuerySet.as_manager()

    class Meta:
        verbose_name = "服务单"
        verbose_name_plural = "服务单"
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(rating__isnull=True) | models.Q(rating__range=(1, 5)),
                                              name="order_rating_1_to_5", violation_error_message="评分应为 1–5。")]

    def __str__(self):
        return f"服务单 {self.pk}：{self.service}（{self.get_state_display()}）"

    @property
    def audit_subdistrict_id(self):
        return self.service.subdistrict_id

    @property
    def on_time(self) -> bool | None:
        """Done by its deadline (None until done)."""
        if self.done_at is None or self.deadline is None:
            return None
        return self.done_at <= self.deadline


class OrderTransition(models.Model):
    """One step of an order: who (none: the resident, through their rating link), when, from where to where,
    and the comment (a decline's reason, the resident's words)."""

    order = models.ForeignKey(ServiceOrder, verbose_name="服务单", on_delete=models.PROTECT, related_name="transitions")
    from_state = models.CharField("原状态", max_length=12, choices=OrderState.choices, blank=True)
    to_state = models.CharField("新状态", max_length=12, choices=OrderState.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+",
                           null=True, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)
    comment = models.CharField("意见", max_length=500, blank=True)

    class Meta:
        verbose_name = "服务单流转"
        verbose_name_plural = "服务单流转"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_from_state_display()} → {self.get_to_state_display()}"


class RatingLink(models.Model):
    """The single-use link a resident rates their order with, without signing in (a short URL on a slip).
    Only the SHA-256 of its token is kept: a leaked table opens no rating page."""

    order = models.ForeignKey(ServiceOrder, verbose_name="服务单", on_delete=models.PROTECT,
                              related_name="rating_links")
    token_hash = models.CharField("令牌摘要", max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    expires_at = models.DateTimeField("失效时间")
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    class Meta:
        verbose_name = "评价链接"
        verbose_name_plural = "评价链接"

    def __str__(self):
        return f"服务单 {self.order_id} 的评价链接"


class Activity(models.Model):
    """A team's activity (志愿活动: a summer study room, a meal round, a clean-up): sign-up up to its capacity,
    check-in and check-out by the team leader or staff, hours credited from the attendance."""

    team = models.ForeignKey(Team, verbose_name="服务队", on_delete=models.PROTECT, related_name="activities")
    name = models.CharField("活动名称", max_length=100)
    place = models.CharField("地点", max_length=100)
    starts_at = models.DateTimeField("开始时间", db_index=True)
    ends_at = models.DateTimeField("结束时间")
    capacity = models.PositiveIntegerField("招募人数", validators=[MinValueValidator(1), MaxValueValidator(10_000)])
    description = models.CharField("活动内容", max_length=500, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = "志愿活动"
        verbose_name_plural = "志愿活动"
        ordering = ["-starts_at", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                              name="activity_ends_after_start",
                                              violation_error_message="结束时间须晚于开始时间。")]

    def __str__(self):
        return self.name

    @property
    def audit_subdistrict_id(self):
        return self.team.subdistrict_id


class SignUp(models.Model):
    activity = models.ForeignKey(Activity, verbose_name="活动", on_delete=models.PROTECT, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, verbose_name="志愿者", on_delete=models.PROTECT, related_name="signups")
    created_at = models.DateTimeField("报名时间", auto_now_add=True)

    class Meta:
        verbose_name = "活动报名"
        verbose_name_plural = "活动报名"
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["activity", "volunteer"], name="signup_once",
                                               violation_error_message="该志愿者已报名。")]

    def __str__(self):
        return f"{self.volunteer} · {self.activity}"


class Attendance(models.Model):
    """A volunteer's check-in and check-out at an activity: the hours it credits are its HoursEntry."""

    activity = models.ForeignKey(Activity, verbose_name="活动", on_delete=models.PROTECT, related_name="attendance")
    volunteer = models.ForeignKey(Volunteer, verbose_name="志愿者", on_delete=models.PROTECT, related_name="attendance")
    checked_in_at = models.DateTimeField("签到时间")
    checked_out_at = models.DateTimeField("签退时间")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "签到签退"
        verbose_name_plural = "签到签退"
        ordering = ["checked_in_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "volunteer"], name="attendance_once",
                                    violation_error_message="该志愿者的签到签退已记录。"),
            models.CheckConstraint(condition=models.Q(checked_out_at__gt=models.F("checked_in_at")),
                                   name="attendance_out_after_in", violation_error_message="签退须晚于签到。"),
        ]

    def __str__(self):
        return f"{self.volunteer} · {self.activity}"


class HoursEntry(models.Model):
    """A line of a volunteer's hours ledger, with where it came from: an order done, an activity attended, or a
    team leader's adjustment (with its reason, kept beside the line it adjusts: the original is never changed)."""

    volunteer = models.ForeignKey(Volunteer, verbose_name="志愿者", on_delete=models.PROTECT, related_name="hours")
    date = models.DateField("服务日期", db_index=True)
    hours = models.DecimalField("服务时长（小时）", max_digits=5, decimal_places=2)
    source = models.CharField("来源", max_length=12, choices=HoursSource.choices)
    project = models.CharField("项目名称", max_length=100)
    order = models.ForeignKey(ServiceOrder, verbose_name="服务单", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="hours")
    activity = models.ForeignKey(Activity, verbose_name="志愿活动", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="hours")
    adjusts = models.ForeignKey("self", verbose_name="调整的原记录", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="adjustments")
    reason = models.CharField("调整原因", max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = HoursQuerySet.as_manager()

    class Meta:
        verbose_name = "服务时长"
        verbose_name_plural = "服务时长"
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["volunteer", "date"], name="hours_volunteer_date_idx")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(source="adjustment") | ~models.Q(reason=""),
                                   name="hours_adjustment_has_reason", violation_error_message="调整须写明原因。"),
        ]

    def __str__(self):
        return f"{self.volunteer} {self.date} {self.hours} 小时"

    @property
    def audit_subdistrict_id(self):
        return self.volunteer.subdistrict_id


class Pairing(models.Model):
    """结对: a volunteer, or a grid worker, paired with a key resident, visiting at a rhythm. Its visits are the
    resident's visits (recorded by the visits app through residents.signals.pairing_visit_made)."""

    resident = models.ForeignKey("residents.Resident", verbose_name="结对居民", on_delete=models.PROTECT,
                                 related_name="pairings")
    volunteer = models.ForeignKey(Volunteer, verbose_name="志愿者", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="pairings")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="网格员", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="pairings")
    rhythm = models.CharField("走访频次", max_length=10, choices=Rhythm.choices, default=Rhythm.WEEKLY)
    started_on = models.DateField("结对日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = "结对"
        verbose_name_plural = "结对"
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(volunteer__isnull=True) ^ models.Q(worker__isnull=True),
                                   name="pairing_volunteer_or_worker",
                                   violation_error_message="结对须为一名志愿者或一名网格员。"),
        ]

    def __str__(self):
        return f"{self.partner_name} · {self.resident}"

    @property
    def partner_name(self) -> str:
        return self.volunteer.name if self.volunteer_id else (self.worker.get_full_name() or self.worker.username)

    @property
    def audit_subdistrict_id(self):
        return self.resident.community.subdistrict_id


class PairingVisit(models.Model):
    """A visit made under a pairing; `visit_id` names the visits app's record of it (no key across features)."""

    pairing = models.ForeignKey(Pairing, verbose_name="结对", on_delete=models.PROTECT, related_name="visits")
    visited_at = models.DateTimeField("走访时间", db_index=True)
    visit_id = models.PositiveBigIntegerField("走访记录编号", null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+")
    notes = models.CharField("情况", max_length=500, blank=True)

    class Meta:
        verbose_name = "结对走访"
        verbose_name_plural = "结对走访"
        ordering = ["-visited_at", "-id"]

    def __str__(self):
        return f"{self.pairing} {self.visited_at:%Y-%m-%d}"
