from django.db import models

from jiedao.crypto import EncryptedBinaryField
from jiedao.scope import places_filter, reads_reports


class MonthlyReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not reads_reports(user):
            return self.none()
        return self.filter(places_filter(user, subdistrict="subdistrict_id", community=None, grid=None))

    def with_current(self):
        """`is_current`: the highest version of its month is the one in force; older ones stay as history."""
        newer = MonthlyReport.objects.filter(subdistrict=models.OuterRef("subdistrict"), month=models.OuterRef("month"),
                                             version__gt=models.OuterRef("version"))
        return self.annotate(is_current=~models.Exists(newer))


class MonthlyReport(models.Model):
    """One version of a sub-district's monthly report pack (月报). A rebuild adds a version; the old
    ones stay. The workbook is kept in the row itself, so a report and its checksum are written in
    one transaction: a failed build leaves nothing half-written and the last good version in place."""

    subdistrict = models.ForeignKey("residents.Subdistrict", verbose_name="街道", on_delete=models.PROTECT,
                                    related_name="monthly_reports")
    month = models.DateField("月份", help_text="该月 1 日")
    version = models.PositiveSmallIntegerField("版本")
    made_at = models.DateTimeField("生成时间", auto_now_add=True)
    class Via(models.TextChoices):
        SCHEDULE = "schedule", "定时任务"
        COMMAND = "command", "命令行"
        PAGE = "page", "页面"

    made_by = models.ForeignKey("jiedao.User", verbose_name="生成人", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+", help_text="空：定时任务或命令行生成")
    made_via = models.CharField("生成方式", max_length=10, choices=Via.choices, default=Via.SCHEDULE)
    checksum = models.CharField("SHA-256", max_length=64)
    size = models.PositiveIntegerField("大小（字节）")
    figures = models.JSONField("数据", default=dict)
    content = EncryptedBinaryField("文件")  # sealed at rest (jiedao.crypto); the checksum is of the workbook

    objects = MonthlyReportQuerySet.as_manager()

    class Meta:
        db_table = "jiedao_monthlyreport"  # born in the base app; the pack reads across features, so it lives here
        verbose_name = "月报"
        verbose_name_plural = "月报"
        ordering = ["-month", "subdistrict", "-version"]
        constraints = [models.UniqueConstraint(fields=["subdistrict", "month", "version"],
                                               name="monthly_report_version_unique")]

    def __str__(self):
        return f"{self.subdistrict} {self.month:%Y-%m} 第{self.version}版"

    @property
    def audit_subdistrict_id(self):
        return self.subdistrict_id

