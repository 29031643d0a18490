from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from jiedao.money import yuan
from jiedao.querysets import SubdistrictSettingQuerySet

from .choices import CaseKind, CaseState, DisbursementMethod, DocumentType, WishState  # noqa: F401  (named from models too)
from .querysets import CaseDocumentQuerySet, CaseQuerySet, DisbursementQuerySet, WishQuerySet

# Paid every month until the case is closed (the others are paid once).
ONGOING_KINDS = {CaseKind.DIBAO, CaseKind.TEKUN}
# The most any one case may ask for, be approved or be paid at once (a sum above it is a typing error).
AMOUNT_CAP = Decimal("1000000.00")


class Case(models.Model):
    """An application for assistance, walked through its fixed path (assistance.workflow)."""

    resident = models.ForeignKey("residents.Resident", verbose_name="申请人", on_delete=models.PROTECT,
                                 related_name="cases")
    kind = models.CharField("救助类别", max_length=30, choices=CaseKind.choices, db_index=True)
    state = models.CharField("状态", max_length=24, choices=CaseState.choices, default=CaseState.APPLIED,
                             db_index=True)
    reason = models.TextField("申请理由", max_length=2000)
    requested_amount = models.DecimalField("申请金额（元）", max_digits=10, decimal_places=2, null=True, blank=True,
                                           validators=[MinValueValidator(0), MaxValueValidator(AMOUNT_CAP)])
    # Set by the approval step: the requested amount unless the approver gave another. A payment never
    # exceeds it (a monthly case's: each month's payment). None when nothing was asked in money.
    approved_amount = models.DecimalField("批准金额（元）", max_digits=10, decimal_places=2, null=True, blank=True,
                                          validators=[MinValueValidator(Decimal("0.01")),
                                                      MaxValueValidator(AMOUNT_CAP)])
    requested_service = models.CharField("申请服务", max_length=200, blank=True)
    household_size = models.PositiveSmallIntegerField("家庭人口", null=True, blank=True,
                                                      validators=[MinValueValidator(1), MaxValueValidator(30)])
    monthly_income = models.DecimalField("家庭月收入（元）", max_digits=10, decimal_places=2, null=True, blank=True,
                                         validators=[MinValueValidator(0)])
    publicity_days = models.PositiveSmallIntegerField("公示天数", default=7,
                                                      validators=[MinValueValidator(1), MaxValueValidator(30)])
    publicized_on = models.DateField("公示开始日期", null=True, blank=True)
    review_due = models.DateField("下次复核日期", null=True, blank=True, db_index=True)
    opened_at = models.DateTimeField("申请时间", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="受理人", on_delete=models.PROTECT,
                                   related_name="+")

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = "救助案件"
        verbose_name_plural = "救助案件"
        ordering = ["-opened_at", "-id"]

    def __str__(self):
        return f"{self.resident} · {self.get_kind_display()}（{self.get_state_display()}）"

    @property
    def audit_subdistrict_id(self):
        return self.resident.community.subdistrict_id

    @property
    def ongoing(self) -> bool:
        return self.kind in ONGOING_KINDS


class CaseTransition(models.Model):
    """One step of a case: who moved it, when, from where to where, and why."""

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="transitions")
    from_state = models.CharField("原状态", max_length=24, choices=CaseState.choices, blank=True)
    to_state = models.CharField("新状态", max_length=24, choices=CaseState.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间", auto_now_add=True)
    comment = models.CharField("意见", max_length=500, blank=True)

    class Meta:
        verbose_name = "案件流转"
        verbose_name_plural = "案件流转"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_from_state_display()} → {self.get_to_state_display()}"


class Disbursement(models.Model):
    """A payment on a case. Never deleted: a wrong one is voided (作废) with a reason and stays on the
    lists, marked, counting in no total (`live()` is what was paid).

    A one-off case has at most one live payment; a monthly case (低保, 特困) at most one per month, the
    month its period starts in (`period_month`, kept by save()). Two partial unique
    indexes say so in the database too, so two clerks at once cannot both pay."""

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="disbursements")
    amount = models.DecimalField("金额（元）", max_digits=10, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(AMOUNT_CAP)])
    paid_on = models.DateField("发放日期", db_index=True)
    method = models.CharField("方式", max_length=10, choices=DisbursementMethod.choices)
    period_from = models.DateField("所属期起", null=True, blank=True)
    period_to = models.DateField("所属期止", null=True, blank=True)
    # The month a monthly case's payment is for (first day); None for a one-off case's payment.
    period_month = models.DateField("所属月份", null=True, blank=True, editable=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    # None only for the payments the upgrade voided as duplicates (assistance 0003): no person did.
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="作废人", on_delete=models.PROTECT,
                                  related_name="+", null=True, blank=True)
    void_reason = models.CharField("作废原因", max_length=200, blank=True)
    replaces = models.ForeignKey("self", verbose_name="更正的原记录", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="corrections")

    objects = DisbursementQuerySet.as_manager()

    class Meta:
        verbose_name = "发放记录"
        verbose_name_plural = "发放记录"
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_from__isnull=True) | models.Q(period_to__isnull=True)
                | models.Q(period_to__gte=models.F("period_from")),
                name="disbursement_period_order", violation_error_message="所属期止不能早于所属期起。"),
            models.CheckConstraint(
                condition=models.Q(voided_at__isnull=True, voided_by__isnull=True, void_reason="")
                | (models.Q(voided_at__isnull=False) & ~models.Q(void_reason="")),
                name="disbursement_void_has_reason", violation_error_message="作废须有时间和原因。"),
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(voided_at__isnull=True, period_month__isnull=True),
                name="disbursement_one_live_per_one_off_case",
                violation_error_message="一次性救助只能有一笔有效发放。"),
            models.UniqueConstraint(
                fields=["case", "period_month"], condition=models.Q(voided_at__isnull=True, period_month__isnull=False),
                name="disbursement_one_live_per_month", violation_error_message="同一所属月份只能有一笔有效发放。"),
        ]

    def __str__(self):
        return f"{self.paid_on} {yuan(self.amount)} 元{'（已作废）' if self.voided else ''}"

    def save(self, *args, **kwargs):
        self.period_month = self.keyed_month()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "period_month"}
        super().save(*args, **kwargs)

    def keyed_month(self):
        """The month a monthly case's payment counts for: its period's start (required since the rule), or for
        one recorded before without a period, the month it was paid in (as assistance 0003 keyed it). None
        for a one-off case's payment, whatever its period."""
        if not self.case.ongoing:
            return None
        return (self.period_from or self.paid_on).replace(day=1)

    @property
    def voided(self) -> bool:
        return self.voided_at is not None

    @property
    def above_approval(self) -> bool:
        """A live payment above its case's approved amount: only one recorded before the rule was (the pages
        flag it, to be corrected)."""
        approved = self.case.approved_amount
        return not self.voided and approved is not None and self.amount > approved

    @property
    def audit_subdistrict_id(self):
        return self.case.resident.community.subdistrict_id


class CaseDocument(models.Model):
    """A scanned certificate. Stored under MEDIA_ROOT, which no URL serves: only the case's own view
    (assistance.views.document) hands it out, to users who may see the case, and logs it."""

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.PROTECT, related_name="documents")
    doc_type = models.CharField("材料类型", max_length=12, choices=DocumentType.choices)
    file = models.FileField("文件", upload_to="cases/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    objects = CaseDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        ordering = ["uploaded_at"]

    def __str__(self):
        return f"{self.get_doc_type_display()}：{self.original_name}"

    @property
    def audit_subdistrict_id(self):
        return self.case.resident.community.subdistrict_id


class ReliefSettings(models.Model):
    """A sub-district's local standards, set by its admin."""

    subdistrict = models.OneToOneField("residents.Subdistrict", verbose_name="街道", on_delete=models.CASCADE,
                                       related_name="relief_settings")
    dibao_threshold = models.DecimalField("低保标准（元/人/月）", max_digits=8, decimal_places=2, default=1395,
                                          validators=[MinValueValidator(0), MaxValueValidator(100_000)])
    publicity_days = models.PositiveSmallIntegerField("公示天数", default=7,
                                                      validators=[MinValueValidator(1), MaxValueValidator(30)])
    review_months = models.PositiveSmallIntegerField("复核周期（月）", default=6,
                                                     validators=[MinValueValidator(1), MaxValueValidator(24)])
    # The kinds this office handles (the glossary's list, switched on or off); empty means all of them.
    kinds = models.JSONField("受理的救助类别", default=list, blank=True)

    objects = SubdistrictSettingQuerySet.as_manager()

    class Meta:
        verbose_name = "救助标准"
        verbose_name_plural = "救助标准"

    def __str__(self):
        return f"{self.subdistrict} 救助标准"


# Kinds decided on the household's means: size and income are required, per-capita income is checked.
MEANS_TESTED = {CaseKind.DIBAO, CaseKind.TEKUN}


# A wish is a small thing a donor gives (a set of watercolours, a school bag): above this it is a case.
WISH_VALUE_CAP = Decimal("10000.00")


class Wish(models.Model):
    """A 微心愿: what a resident (mostly a child in difficulty) wishes for, walked 征集 → 审核 → 发布 → 认领 →
    实现 (or 撤回) on assistance.workflow.WISH_PATH. The donor is text (a person, a unit, a volunteer
    team): donors have no account, and see the wish only as the public list words it (no identity)."""

    resident = models.ForeignKey("residents.Resident", verbose_name="心愿人", on_delete=models.PROTECT,
                                 related_name="wishes")
    wish = models.CharField("心愿", max_length=200)
    # Required of every wish collected here; None only for a wish moved from a case that asked for a service
    # and named no sum (assistance 0006).
    value = models.DecimalField("价值（元）", max_digits=8, decimal_places=2, null=True,
                                validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(WISH_VALUE_CAP)])
    story = models.CharField("心愿故事", max_length=500, blank=True,
                             help_text="简短、尊重当事人；不写姓名、学校、住址等可识别身份的信息。")
    state = models.CharField("状态", max_length=12, choices=WishState.choices, default=WishState.COLLECTED,
                             db_index=True)
    donor = models.CharField("认领人/单位", max_length=100, blank=True)
    donor_contact = models.CharField("认领人联系方式", max_length=100, blank=True)
    fulfilled_on = models.DateField("实现日期", null=True, blank=True, db_index=True)
    note = models.CharField("实现情况", max_length=500, blank=True)
    # Sealed at rest by the default storage (jiedao.crypto), as case scans; handed out by the wish's own view.
    photo = models.FileField("照片", upload_to="wishes/%Y/%m/", blank=True)
    withdrawn_reason = models.CharField("撤回原因", max_length=500, blank=True)
    # Fixed when the wish is collected (the dashboard counts children's wishes): a wish collected for a
    # 17-year-old stays a child's wish after a birthday, so last year's figures do not change as people age.
    for_child = models.BooleanField("儿童心愿", default=False, editable=False, db_index=True)
    # The relief case a wish was moved from (assistance 0005), kept readable as it was.
    source_case = models.OneToOneField(Case, verbose_name="原救助案件", null=True, blank=True, editable=False,
                                       on_delete=models.PROTECT, related_name="moved_wish")
    created_at = models.DateTimeField("征集时间", db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="征集人", on_delete=models.PROTECT,
                                   related_name="+")

    objects = WishQuerySet.as_manager()

    class Meta:
        verbose_name = "微心愿"
        verbose_name_plural = "微心愿"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state__in=["claimed", "fulfilled"]) | ~models.Q(donor=""),
                name="wish_claimed_has_donor", violation_error_message="认领后须有认领人。"),
            models.CheckConstraint(
                condition=~models.Q(state="fulfilled") | models.Q(fulfilled_on__isnull=False),
                name="wish_fulfilled_has_date", violation_error_message="实现须有日期。"),
            models.CheckConstraint(
                condition=~models.Q(state="withdrawn") | ~models.Q(withdrawn_reason=""),
                name="wish_withdrawn_has_reason", violation_error_message="撤回须有原因。"),
        ]

    def __str__(self):
        return f"{self.wish}（{self.get_state_display()}）"

    @property
    def audit_subdistrict_id(self):
        return self.resident.community.subdistrict_id


class WishTransition(models.Model):
    """One step of a wish: who moved it, when, from where to where, and the comment (a withdrawal's reason)."""

    wish = models.ForeignKey(Wish, verbose_name="微心愿", on_delete=models.PROTECT, related_name="transitions")
    from_state = models.CharField("原状态", max_length=12, choices=WishState.choices, blank=True)
    to_state = models.CharField("新状态", max_length=12, choices=WishState.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间", default=timezone.now)
    comment = models.CharField("意见", max_length=500, blank=True)

    class Meta:
        verbose_name = "微心愿流转"
        verbose_name_plural = "微心愿流转"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_from_state_display()} → {self.get_to_state_display()}"
