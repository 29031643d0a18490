from datetime import time

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from jiedao.querysets import SubdistrictSettingQuerySet
from residents.models import CareTier

from .choices import Frequency, HazardKind, HazardStatus, Method  # noqa: F401  (named from models too)
from .querysets import CarePlanQuerySet, HazardQuerySet, VisitQuerySet

# Residents of the tier 无 have no visit plan (children, most working-age people): rules are for the others.
PLANNED_TIERS = [(value, label) for value, label in CareTier.choices if value != CareTier.NONE]
NO_PLAN_MESSAGE = "关爱等级为“无”的居民没有探访计划：规则只能设给重点、常规或一般关爱。"


class VisitRule(models.Model):
    """One line of a care tier's visit plan: this method, this often, escalated after so many days."""

    subdistrict = models.ForeignKey("residents.Subdistrict", verbose_name="街道", on_delete=models.CASCADE,
                                    related_name="visit_rules")
    care_tier = models.CharField("关爱等级", max_length=12, choices=PLANNED_TIERS)
    method = models.CharField("方式", max_length=16, choices=Method.choices)
    frequency = models.CharField("频次", max_length=16, choices=Frequency.choices)
    every_n_days = models.PositiveSmallIntegerField(
        "间隔天数", null=True, blank=True, help_text="频次为“每 N 天”时填写（1–365）。",
        validators=[MinValueValidator(1, "间隔天数至少为 1 天。"), MaxValueValidator(365, "间隔天数最多 365 天。")])
    escalate_after_days = models.PositiveSmallIntegerField(
        "逾期几天后上报社区", default=3, help_text="逾期超过这些天数，提醒转给社区工作人员（0–90）。",
        validators=[MaxValueValidator(90, "最多 90 天。")])
    # The day the rule (or its method, tier or frequency) was set: nothing is overdue by it before then, so a
    # new monthly rule does not make residents last seen in the summer 60 days late at once. Empty on the
    # rules made before this was kept: they count from each resident's last visit, as they always did.
    counts_from = models.DateField("起算日期", null=True, blank=True, editable=False)

    objects = SubdistrictSettingQuerySet.as_manager()

    class Meta:
        verbose_name = "探访规则"
        verbose_name_plural = "探访规则"
        ordering = ["subdistrict_id", "care_tier", "method"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(care_tier=CareTier.NONE), name="visit_rule_planned_tier",
                                   violation_error_message=NO_PLAN_MESSAGE),
            models.UniqueConstraint(fields=["subdistrict", "care_tier", "method"], name="visit_rule_unique",
                                    violation_error_message="该关爱等级已有这种方式的规则。"),
            models.CheckConstraint(
                condition=(~models.Q(frequency="every_n_days")
                           | models.Q(every_n_days__isnull=False, every_n_days__gte=1)),
                name="visit_rule_every_n_days_given", violation_error_message="“每 N 天”须填写间隔天数（至少 1 天）。"),
        ]

    def __str__(self):
        return f"{self.get_care_tier_display()} · {self.get_method_display()} · {self.frequency_label}"

    @property
    def frequency_label(self) -> str:
        if self.frequency == Frequency.EVERY_N_DAYS:
            return f"每 {self.every_n_days} 天"
        return self.get_frequency_display()


class CarePlan(models.Model):
    """What a resident's plan adds to their tier: a responsible worker by name, the curtain pact."""

    resident = models.OneToOneField("residents.Resident", verbose_name="居民", on_delete=models.CASCADE,
                                    related_name="care_plan")
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="责任人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="care_plans",
                                    help_text="留空则由所在网格的网格员负责。")
    curtain_pact = models.BooleanField("窗帘之约", default=False)
    curtain_deadline = models.TimeField("每日开窗帘截止时间", default=time(8, 0))

    objects = CarePlanQuerySet.as_manager()

    class Meta:
        verbose_name = "关爱计划"
        verbose_name_plural = "关爱计划"
        indexes = [models.Index(fields=["curtain_pact"], name="careplan_curtain_idx",
                                condition=models.Q(curtain_pact=True))]

    def __str__(self):
        return f"{self.resident} 的关爱计划"


class DueDate(models.Model):
    """When a resident's next visit by one rule of their plan falls due, kept as visits, residents and rules
    are saved (visits.signals), so that the grid worker's day, the dashboard and the reminders read what is
    due with one indexed query instead of replaying every resident's history. Filled by
    visits.schedule.planned_dates, the one definition of "due"; `manage.py refill_due_dates` rebuilds it."""

    # No index of its own: due_date_one_per_rule (resident, rule) leads with it.
    resident = models.ForeignKey("residents.Resident", verbose_name="居民", on_delete=models.CASCADE,
                                 related_name="due_dates", db_index=False)
    rule = models.ForeignKey(VisitRule, verbose_name="探访规则", on_delete=models.CASCADE, related_name="due_dates")
    # The resident's community, kept with the dates (a move stores them afresh): a sub-district's or the
    # district's overdue list reads its communities' dates without a join to a million residents.
    community = models.ForeignKey("residents.Community", verbose_name="社区", on_delete=models.CASCADE,
                                  related_name="+")
    method = models.CharField("方式", max_length=16, choices=Method.choices)
    last_visit = models.DateField("上次走访", null=True, blank=True)
    # Empty when never visited: then it is due from the day the tier began (`since`, the resident's
    # care_tier_since, kept with it), or today when that is not known; the read works it out.
    due_date = models.DateField("应访日期", null=True, blank=True)
    since = models.DateField("关爱等级起始", null=True, blank=True)

    class Meta:
        verbose_name = "应访日期"
        verbose_name_plural = "应访日期"
        constraints = [models.UniqueConstraint(fields=["resident", "rule"], name="due_date_one_per_rule")]
        indexes = [models.Index(fields=["due_date"], name="due_date_day_idx")]

    def __str__(self):
        return f"{self.resident_id} · {self.get_method_display()} · {self.due_date or '未走访'}"


class Visit(models.Model):
    # The keys have no index of their own: visit_last_idx and visit_visitor_idx lead with them.
    resident = models.ForeignKey("residents.Resident", verbose_name="居民", on_delete=models.PROTECT,
                                 related_name="visits", db_index=False)
    method = models.CharField("方式", max_length=16, choices=Method.choices)
    visited_at = models.DateTimeField("走访时间", db_index=True)
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="走访人", on_delete=models.PROTECT,
                                related_name="visits", db_index=False)
    ok = models.BooleanField("情况正常", default=True,
                             help_text="老人情况正常（窗帘之约：窗帘已打开）；有异常请取消勾选并在下面写明。")
    health = models.CharField("健康状况", max_length=200, blank=True)
    living = models.CharField("居住环境", max_length=200, blank=True)
    needs = models.CharField("需求", max_length=200, blank=True)
    notes = models.TextField("情况记录", blank=True, max_length=2000)
    next_action = models.CharField("下一步", max_length=200, blank=True)
    # How late this visit was against the plan when it was recorded: compliance counts these.
    overdue_days = models.PositiveSmallIntegerField("逾期天数", default=0, editable=False)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = "走访记录"
        verbose_name_plural = "走访记录"
        ordering = ["-visited_at", "-id"]
        indexes = [
            models.Index(fields=["resident", "method", "-visited_at"], name="visit_last_idx"),
            # A few communities' visits of the month, resident by resident and from the index alone (the dashboard
            # after a move, a tag or a registration): without it the month's visits of every community were read
            # and hashed (90–210 ms at a million; 21 ms with it). Without the columns counted the planner's two
            # plans cost the same, and an ANALYZE flipped it back to the hash.
            models.Index(fields=["resident", "visited_at"], include=["method", "overdue_days", "id"],
                         name="visit_resident_day_idx"),
            models.Index(fields=["visitor", "-visited_at"], name="visit_visitor_idx"),
        ]

    def __str__(self):
        return f"{self.resident} · {self.get_method_display()} · {self.visited_at:%Y-%m-%d %H:%M}"

    @property
    def audit_subdistrict_id(self):
        return self.resident.community.subdistrict_id


# What a visit found, as the form, the API and the export all name it (one list).
FINDINGS = ["ok", "health", "living", "needs", "notes", "next_action"]


class Hazard(models.Model):
    """A danger found on a visit, followed up until someone closes it."""

    visit = models.ForeignKey(Visit, verbose_name="发现于", on_delete=models.PROTECT, related_name="hazards")
    resident = models.ForeignKey("residents.Resident", verbose_name="居民", on_delete=models.PROTECT,
                                 related_name="hazards")
    kind = models.CharField("类别", max_length=16, choices=HazardKind.choices)
    description = models.CharField("描述", max_length=300)
    status = models.CharField("状态", max_length=10, choices=HazardStatus.choices, default=HazardStatus.OPEN)
    created_at = models.DateTimeField("发现时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="解决人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField("解决时间", null=True, blank=True)
    resolution = models.CharField("处理情况", max_length=300, blank=True,
                                  help_text="解决时写明做了什么（如：已更换燃气软管）。")

    objects = HazardQuerySet.as_manager()

    class Meta:
        verbose_name = "隐患"
        verbose_name_plural = "隐患"
        ordering = ["status", "-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"], name="hazard_list_idx")]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.description}"

    @property
    def audit_subdistrict_id(self):
        return self.resident.community.subdistrict_id
