from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from jiedao.crypto import EncryptedCharField
from jiedao.money import yuan
from jiedao.querysets import SubdistrictSettingQuerySet
from residents.id_numbers import age_band
from residents.models import ServicePoint, Tag

from .choices import DeliveryStatus, EnrolmentKind, MealType  # noqa: F401  (named from models too)
from .querysets import CareEnrolmentQuerySet, MealDeliveryQuerySet, MealQuerySet, ServiceLogQuerySet


class MealPrice(models.Model):
    """What a meal costs at a sub-district's canteens: a guest pays this, a subsidy covers the rest."""

    subdistrict = models.ForeignKey("residents.Subdistrict", verbose_name="街道", on_delete=models.CASCADE,
                                    related_name="meal_prices")
    meal = models.CharField("餐次", max_length=10, choices=MealType.choices)
    full_price = models.DecimalField("标准价（元）", max_digits=6, decimal_places=2,
                                     validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("200"))])

    objects = SubdistrictSettingQuerySet.as_manager()

    class Meta:
        verbose_name = "餐价"
        verbose_name_plural = "餐价"
        constraints = [models.UniqueConstraint(fields=["subdistrict", "meal"], name="meal_price_unique",
                                               violation_error_message="该餐次已有标准价。")]

    def __str__(self):
        return f"{self.get_meal_display()} {yuan(self.full_price)} 元"


class PriceRule(models.Model):
    """A discount: residents of at least `min_age`, or carrying `tag`, pay `pays_percent` of the price.

    Of all the rules a diner matches, the lowest share applies; so an 85-year-old, matching the 60+,
    70+ and 80+ bands, pays the 80+ share, and the older never pay more than the younger.
    """

    subdistrict = models.ForeignKey("residents.Subdistrict", verbose_name="街道", on_delete=models.CASCADE,
                                    related_name="price_rules")
    label = models.CharField("名称", max_length=40, help_text="如：80 岁以上、低保")
    min_age = models.PositiveSmallIntegerField("最低年龄", null=True, blank=True,
                                               validators=[MinValueValidator(50), MaxValueValidator(120)])
    tag = models.CharField("特殊群体", max_length=32, choices=Tag.choices, blank=True)
    pays_percent = models.PositiveSmallIntegerField(
        "个人支付比例（%）", validators=[MaxValueValidator(100, "支付比例不能超过 %(limit_value)s%%。")],
        help_text="0 表示免费，100 表示全价。")

    objects = SubdistrictSettingQuerySet.as_manager()

    class Meta:
        verbose_name = "助餐优惠规则"
        verbose_name_plural = "助餐优惠规则"
        ordering = ["subdistrict_id", "min_age", "tag"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(min_age__isnull=False, tag="")
                           | models.Q(min_age__isnull=True) & ~models.Q(tag="")),
                name="price_rule_age_or_tag", violation_error_message="每条规则须且只能按年龄或按特殊群体之一。"),
        ]

    def __str__(self):
        return f"{self.label}：个人付 {self.pays_percent}%"


class Meal(models.Model):
    """One meal taken (check-in). The price and the rule applied are stored, so later rule changes
    never rewrite what was charged."""

    # Neither key has an index of its own: meal_point_day_idx and meal_once_per_resident lead with them (an index
    # more that every check-in kept and a district's seed built, for nothing the others do not find).
    point = models.ForeignKey(ServicePoint, verbose_name="服务点", on_delete=models.PROTECT, related_name="meals",
                              db_index=False)
    resident = models.ForeignKey("residents.Resident", verbose_name="居民", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="meals", db_index=False)
    # A guest from outside the registry: the number (to refuse a second meal) and what it tells. Encrypted at
    # rest as residents' numbers are; the keyed index finds the guest's other meals and counts the guests.
    guest_id_number = EncryptedCharField("来宾身份证号", max_length=18, blank=True, blind_index="guest_id_index")
    guest_id_index = models.CharField("来宾身份证号索引", max_length=64, blank=True, editable=False)
    name = models.CharField("姓名", max_length=50, blank=True)
    age = models.PositiveSmallIntegerField("年龄")
    meal = models.CharField("餐次", max_length=10, choices=MealType.choices)
    date = models.DateField("日期")
    full_price = models.DecimalField("标准价", max_digits=6, decimal_places=2)
    price = models.DecimalField("个人支付", max_digits=6, decimal_places=2)
    subsidy = models.DecimalField("补贴", max_digits=6, decimal_places=2)
    rule = models.CharField("适用规则", max_length=60)
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                 related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = MealQuerySet.as_manager()

    class Meta:
        verbose_name = "用餐记录"
        verbose_name_plural = "用餐记录"
        ordering = ["-date", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["resident", "date", "meal"], condition=models.Q(resident__isnull=False),
                                    name="meal_once_per_resident"),
            models.UniqueConstraint(fields=["guest_id_index", "date", "meal"],
                                    condition=models.Q(resident__isnull=True), name="meal_once_per_guest"),
        ]
        indexes = [models.Index(fields=["date", "point"], name="meal_day_point_idx"),
                   models.Index(fields=["point", "-date"], name="meal_point_day_idx")]

    def __str__(self):
        return f"{self.name} {self.date} {self.get_meal_display()}"

    @property
    def age_band(self) -> str:
        return age_band(self.age)

    @property
    def audit_subdistrict_id(self):
        return self.point.subdistrict_id


class CareEnrolment(models.Model):
    """A resident enrolled in a care service: meal delivery from a canteen, a home-care bed run by a
    provider, day care at a centre. Ended, never deleted."""

    resident = models.ForeignKey("residents.Resident", verbose_name="居民", on_delete=models.PROTECT,
                                 related_name="care_enrolments")
    kind = models.CharField("服务", max_length=20, choices=EnrolmentKind.choices)
    point = models.ForeignKey(ServicePoint, verbose_name="服务点", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="enrolments", help_text="送餐：负责送餐的食堂或助餐点。")
    provider = models.CharField("服务机构", max_length=100, blank=True, help_text="如：XX 养老服务有限公司")
    since = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    notes = models.CharField("备注", max_length=200, blank=True)

    objects = CareEnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = "服务登记"
        verbose_name_plural = "服务登记"
        ordering = ["kind", "-since"]
        indexes = [models.Index(fields=["point", "kind"], name="enrolment_point_idx")]
        constraints = [
            models.UniqueConstraint(fields=["resident", "kind"], condition=models.Q(ended_on__isnull=True),
                                    name="enrolment_one_open_per_kind",
                                    violation_error_message="该居民已登记此项服务（尚未结束）。"),
            models.CheckConstraint(condition=~models.Q(kind="meal_delivery") | models.Q(point__isnull=False),
                                   name="enrolment_delivery_has_point", violation_error_message="送餐须选择服务点。"),
        ]

    def __str__(self):
        return f"{self.resident} · {self.get_kind_display()}"

    @property
    def audit_subdistrict_id(self):
        return self.resident.community.subdistrict_id


class ServiceLog(models.Model):
    """What was done under an enrolment: a home-care bed visit, a day at the centre."""

    enrolment = models.ForeignKey(CareEnrolment, verbose_name="服务登记", on_delete=models.PROTECT,
                                  related_name="logs")
    at = models.DateTimeField("服务时间")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+")
    notes = models.CharField("服务内容", max_length=300)

    objects = ServiceLogQuerySet.as_manager()

    class Meta:
        verbose_name = "服务记录"
        verbose_name_plural = "服务记录"
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d} {self.notes}"


class MealDelivery(models.Model):
    """One day's delivery to an enrolled resident: delivered, or not and why."""

    enrolment = models.ForeignKey(CareEnrolment, verbose_name="送餐登记", on_delete=models.PROTECT,
                                  related_name="deliveries")
    point = models.ForeignKey(ServicePoint, verbose_name="服务点", on_delete=models.PROTECT, related_name="deliveries")
    date = models.DateField("日期")
    meal = models.CharField("餐次", max_length=10, choices=MealType.choices, default=MealType.LUNCH)
    status = models.CharField("结果", max_length=10, choices=DeliveryStatus.choices)
    reason = models.CharField("未送达原因", max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("记录时间", auto_now=True)

    objects = MealDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = "送餐记录"
        verbose_name_plural = "送餐记录"
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "date", "meal"], name="delivery_once_per_meal"),
            models.CheckConstraint(condition=~models.Q(status="missed") | ~models.Q(reason=""),
                                   name="delivery_missed_has_reason", violation_error_message="未送达须写明原因。"),
        ]
        indexes = [models.Index(fields=["point", "date"], name="delivery_point_day_idx")]

    def __str__(self):
        return f"{self.enrolment.resident} {self.date} {self.get_status_display()}"
