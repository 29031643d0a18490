from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from jiedao.dates import check_day
from jiedao.text import EncryptedPhoneField, PersonNameField
from residents.models import ServicePoint

from .choices import CHILD_AGE_LIMIT_MONTHS, DeliveryStatus, EnrolmentChannel, EnrolmentStatus, ProgrammeKind
from .querysets import (
    AttendanceQuerySet,
    EnrolmentQuerySet,
    NutritionDeliveryQuerySet,
    NutritionPlanQuerySet,
    ProgrammeQuerySet,
    SessionQuerySet,
)

MAX_DAYS = 3 * 366


def sensible_time(value) -> None:
    """A date or time a person may name (jiedao.dates.check_day): 0001-01-01 or 9999-12-31 is an error at
    its field, before the database is asked to store it in UTC (where year 1 in Asia/Shanghai overflows)."""
    from django.core.exceptions import ValidationError

    try:
        check_day(value.date() if hasattr(value, "date") else value)
    except ValueError as e:
        raise ValidationError(str(e)) from None


TIMES = [sensible_time]
MONTHS = [MaxValueValidator(CHILD_AGE_LIMIT_MONTHS, "月龄不能超过 216（18 周岁）。")]


class Programme(models.Model):
    """A class or activity for children at a service point (a 亲子小屋 class, a summer class): who may come
    (an age range in months), when (dates and sessions), how many (capacity) and when parents may sign up."""

    point = models.ForeignKey(ServicePoint, verbose_name="服务点", on_delete=models.PROTECT, related_name="programmes")
    name = models.CharField("名称", max_length=60)
    kind = models.CharField("类型", max_length=20, choices=ProgrammeKind.choices, default=ProgrammeKind.EARLY_EDUCATION)
    age_min_months = models.PositiveSmallIntegerField("最小月龄", default=0, validators=MONTHS,
                                                      help_text="如 0；6 岁为 72 个月。")
    age_max_months = models.PositiveSmallIntegerField("最大月龄", default=36, validators=MONTHS,
                                                      help_text="含该月龄，如 36（3 岁）；12 岁为 144 个月。")
    starts_on = models.DateField("开始日期", validators=TIMES)
    ends_on = models.DateField("结束日期", validators=TIMES)
    capacity = models.PositiveSmallIntegerField(
        "名额", validators=[MinValueValidator(1, "名额至少为 1。"), MaxValueValidator(1000, "名额最多 1000。")])
    enrol_opens_at = models.DateTimeField("报名开始时间", help_text="精确到分钟，先到先得。", validators=TIMES)
    enrol_closes_at = models.DateTimeField("报名截止时间", validators=TIMES)
    fee = models.DecimalField("费用（元）", max_digits=8, decimal_places=2, default=Decimal("0"),
                              validators=[MinValueValidator(Decimal("0"), "费用不能为负数。"),
                                          MaxValueValidator(Decimal("100000"), "费用过大。")])
    description = models.CharField("简介", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = "儿童活动/课程"
        verbose_name_plural = "儿童活动/课程"
        ordering = ["-starts_on", "name", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(age_min_months__lte=models.F("age_max_months")),
                                   name="programme_age_range", violation_error_message="最小月龄不能大于最大月龄。"),
            models.CheckConstraint(condition=models.Q(starts_on__lte=models.F("ends_on")),
                                   name="programme_dates", violation_error_message="结束日期不能早于开始日期。"),
            models.CheckConstraint(condition=models.Q(enrol_opens_at__lt=models.F("enrol_closes_at")),
                                   name="programme_window", violation_error_message="报名截止时间须晚于开始时间。"),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="programme_capacity",
                                   violation_error_message="名额至少为 1。"),
        ]
        indexes = [models.Index(fields=["point", "-starts_on"], name="programme_point_idx"),
                   models.Index(fields=["kind", "-starts_on"], name="programme_kind_idx")]

    def __str__(self):
        return self.name

    @property
    def audit_subdistrict_id(self):
        return self.point.subdistrict_id

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.age_min_months is not None and self.age_max_months is not None \
                and self.age_min_months > self.age_max_months:
            errors["age_max_months"] = "最大月龄不能小于最小月龄。"
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "结束日期不能早于开始日期。"
        elif self.starts_on and self.ends_on and (self.ends_on - self.starts_on).days > MAX_DAYS:
            # A programme is a term or a year of classes; ten years is a typing mistake (and sessions are
            # generated over its dates).
            errors["ends_on"] = "课程跨度最多三年。"
        if self.enrol_opens_at and self.enrol_closes_at and self.enrol_closes_at <= self.enrol_opens_at:
            errors["enrol_closes_at"] = "报名截止时间须晚于开始时间。"
        if errors:
            raise ValidationError(errors)


class Session(models.Model):
    """One meeting of a programme (a Tuesday morning at the hut): what attendance is taken for."""

    programme = models.ForeignKey(Programme, verbose_name="活动/课程", on_delete=models.CASCADE,
                                  related_name="sessions")
    starts_at = models.DateTimeField("开始时间", validators=TIMES)
    ends_at = models.DateTimeField("结束时间", validators=TIMES)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = "课次"
        verbose_name_plural = "课次"
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(starts_at__lt=models.F("ends_at")), name="session_times",
                                   violation_error_message="结束时间须晚于开始时间。"),
            models.UniqueConstraint(fields=["programme", "starts_at"], name="session_once_per_start",
                                    violation_error_message="该课程在这一时间已有一次课。"),
        ]
        # The clash check looks for another programme's session overlapping this one's times.
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="session_times_idx")]

    def __str__(self):
        from django.utils import timezone

        return f"{self.programme} · {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def audit_subdistrict_id(self):
        return self.programme.point.subdistrict_id


class Enrolment(models.Model):
    """A child's place in a programme, or their position on its waiting list, in the order enrolments
    committed (child_services.services.enrolment_create). Withdrawn, never deleted."""

    programme = models.ForeignKey(Programme, verbose_name="活动/课程", on_delete=models.PROTECT,
                                  related_name="enrolments")
    child = models.ForeignKey("residents.Resident", verbose_name="儿童", on_delete=models.PROTECT,
                              related_name="child_enrolments")
    guardian = models.ForeignKey("residents.Resident", verbose_name="监护人", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="guarded_enrolments",
                                 help_text="监护人是登记在册的居民时选择；否则填写姓名和电话。")
    guardian_name = PersonNameField("监护人姓名", max_length=30, blank=True)
    # Encrypted at rest as the registry's phones are; never searched, so no keyed index.
    guardian_phone = EncryptedPhoneField("监护人电话", max_length=20, blank=True)
    status = models.CharField("状态", max_length=12, choices=EnrolmentStatus.choices)
    position = models.PositiveIntegerField("候补顺位", null=True, blank=True)
    channel = models.CharField("报名方式", max_length=10, choices=EnrolmentChannel.choices,
                               default=EnrolmentChannel.STAFF)
    created_at = models.DateTimeField("报名时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    enrolled_at = models.DateTimeField("录取时间", null=True, blank=True)
    withdrawn_at = models.DateTimeField("退出时间", null=True, blank=True)
    withdraw_reason = models.CharField("退出原因", max_length=200, blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = "报名"
        verbose_name_plural = "报名"
        ordering = ["programme_id", "status", "position", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "child"], condition=~models.Q(status="withdrawn"),
                                    name="enrolment_once_per_child",
                                    violation_error_message="该儿童已报名或在候补中。"),
            # Deferred: a withdrawal moves every later position up by one in one UPDATE (PostgreSQL checks
            # at commit; SQLite has no deferred constraints, and the programme's row lock orders writers).
            models.UniqueConstraint(fields=["programme", "position"], name="enrolment_position_unique",
                                    deferrable=models.Deferrable.DEFERRED),
            models.CheckConstraint(
                condition=(models.Q(status="waitlisted", position__gte=1)
                           | ~models.Q(status="waitlisted") & models.Q(position__isnull=True)),
                name="enrolment_position_iff_waiting", violation_error_message="只有候补才有顺位。"),
            models.CheckConstraint(condition=models.Q(guardian__isnull=False) | ~models.Q(guardian_name=""),
                                   name="enrolment_has_guardian", violation_error_message="请填写监护人。"),
        ]
        indexes = [models.Index(fields=["programme", "status"], name="enrolment_programme_idx"),
                   models.Index(fields=["child", "status"], name="enrolment_child_idx")]

    def __str__(self):
        return f"{self.child.name} · {self.programme}"

    @property
    def audit_subdistrict_id(self):
        return self.programme.point.subdistrict_id


class PublicRequest(models.Model):
    """That a child (with a guardian's phone) was handled on a programme's public page on a day: one a day, the
    first one's text sent. In the database, not the cache: a cache that evicts under memory pressure (or a
    Redis restarted) forgot, and the same form sent again sent the phone a second text. `key` is a keyed hash
    of the pair (jiedao.crypto.blind_index): no number is stored here."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["programme", "key", "day"], name="public_request_once_a_day")]

    def __str__(self):
        return f"{self.programme_id} · {self.day}"


class Attendance(models.Model):
    """Whether an enrolled child came to a session: one row per child per session, taken with one tap."""

    session = models.ForeignKey(Session, verbose_name="课次", on_delete=models.CASCADE, related_name="attendance")
    enrolment = models.ForeignKey(Enrolment, verbose_name="报名", on_delete=models.PROTECT, related_name="attendance")
    present = models.BooleanField("出勤", default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("记录时间", auto_now=True)

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = "出勤"
        verbose_name_plural = "出勤"
        ordering = ["session_id", "enrolment_id"]
        constraints = [models.UniqueConstraint(fields=["session", "enrolment"], name="child_attendance_once",
                                               violation_error_message="该儿童这次课已记录出勤。")]
        indexes = [models.Index(fields=["enrolment", "session"], name="attendance_enrolment_idx")]

    def __str__(self):
        return f"{self.enrolment.child.name} · {self.session} · {'出勤' if self.present else '缺勤'}"

    @property
    def audit_subdistrict_id(self):
        return self.session.programme.point.subdistrict_id


# The rounds of a plan by default: at the start and the middle of the month (the offices' practice).
DEFAULT_DAYS = [1, 15]
# A round falls on a day every month has, so no month skips one.
LAST_ROUND_DAY = 28
PACK_VALUE_CAP = Decimal("2000.00")


def default_days() -> list[int]:
    return list(DEFAULT_DAYS)


class NutritionPlan(models.Model):
    """A child in difficulty's nutrition packs (营养包): the days of each month a pack is due, who brings it,
    what it holds and is worth. Each round becomes a NutritionDelivery on its day
    (child_services.services.nutrition_run)."""

    child = models.ForeignKey("residents.Resident", verbose_name="儿童", on_delete=models.PROTECT,
                              related_name="nutrition_plans")
    days = models.JSONField("每月发放日", default=default_days)
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="责任人", on_delete=models.PROTECT,
                               related_name="nutrition_plans")
    contents = models.CharField("营养包内容", max_length=200, default="肉、奶、蛋、蔬菜、水果")
    value = models.DecimalField("每次价值（元）", max_digits=8, decimal_places=2, default=Decimal("200.00"),
                                validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(PACK_VALUE_CAP)])
    # Why this child: a tag of the registry (困境儿童, 孤儿, 留守儿童), else the staff's own reason.
    reason = models.CharField("纳入理由", max_length=200, blank=True)
    starts_on = models.DateField("开始日期")
    active = models.BooleanField("在发放", default=True, db_index=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT,
                                   related_name="+")

    objects = NutritionPlanQuerySet.as_manager()

    class Meta:
        verbose_name = "营养包计划"
        verbose_name_plural = "营养包计划"
        ordering = ["-active", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["child"], condition=models.Q(active=True),
                                    name="nutrition_one_active_plan_per_child",
                                    violation_error_message="该儿童已有在发放的营养包计划。"),
        ]

    def __str__(self):
        return f"{self.child} 营养包（每月 {'、'.join(str(d) for d in self.days)} 日）"

    @property
    def audit_subdistrict_id(self):
        return self.child.community.subdistrict_id


class NutritionDelivery(models.Model):
    """One round of a plan: due on its day, then delivered (when, by whom, who received it) or missed (why).
    One per plan and day (a unique constraint): the job that creates rounds can run twice, or late."""

    plan = models.ForeignKey(NutritionPlan, verbose_name="计划", on_delete=models.PROTECT, related_name="deliveries")
    due_on = models.DateField("应送日期", db_index=True)
    status = models.CharField("状态", max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.DUE,
                              db_index=True)
    # The round's own contents and value, copied from the plan when it falls due (a later change of the plan
    # does not rewrite what was brought).
    contents = models.CharField("营养包内容", max_length=200)
    value = models.DecimalField("价值（元）", max_digits=8, decimal_places=2,
                                validators=[MinValueValidator(Decimal("0")), MaxValueValidator(PACK_VALUE_CAP)])
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    delivered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="送达人", on_delete=models.PROTECT,
                                     related_name="+", null=True, blank=True)
    received_by = models.CharField("签收人", max_length=50, blank=True)
    missed_reason = models.CharField("未送达原因", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+", null=True, blank=True)
    recorded_at = models.DateTimeField("登记时间", null=True, blank=True)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    objects = NutritionDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = "营养包发放"
        verbose_name_plural = "营养包发放"
        ordering = ["-due_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "due_on"], name="nutrition_one_delivery_per_plan_and_day",
                                    violation_error_message="该计划这一天的营养包已经生成。"),
            models.CheckConstraint(
                condition=~models.Q(status="delivered")
                | models.Q(delivered_at__isnull=False, delivered_by__isnull=False) & ~models.Q(received_by=""),
                name="nutrition_delivered_has_who_and_when", violation_error_message="送达须有时间、送达人和签收人。"),
            models.CheckConstraint(
                condition=~models.Q(status="missed") | ~models.Q(missed_reason=""),
                name="nutrition_missed_has_reason", violation_error_message="未送达须写明原因。"),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="nutrition_status_due_idx")]

    def __str__(self):
        return f"{self.due_on:%Y-%m-%d} 营养包（{self.get_status_display()}）"

    @property
    def audit_subdistrict_id(self):
        return self.plan.child.community.subdistrict_id
