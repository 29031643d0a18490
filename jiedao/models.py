from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import PermissionDenied
from django.db import models


class Role(models.TextChoices):
    DISTRICT_OFFICER = "district_officer", "区民政局"
    SUBDISTRICT_ADMIN = "subdistrict_admin", "街道管理员"
    SUBDISTRICT_LEADER = "subdistrict_leader", "街道领导"
    COMMUNITY_STAFF = "community_staff", "社区工作人员"
    GRID_WORKER = "grid_worker", "网格员"
    POINT_OPERATOR = "point_operator", "服务点工作人员"
    AUDITOR = "auditor", "审计员"


class User(AbstractUser):
    """A portal account: its role says what it may do, the places below say where (jiedao.scope)."""

    role = models.CharField("角色", max_length=32, choices=Role.choices, default=Role.COMMUNITY_STAFF)
    subdistrict = models.ForeignKey(
        "residents.Subdistrict", verbose_name="街道", null=True, blank=True,
        on_delete=models.PROTECT, related_name="users",
        help_text="区民政局账号可留空（可查看所有街道）。",
    )
    communities = models.ManyToManyField(
        "residents.Community", verbose_name="负责社区", blank=True, related_name="staff")
    grids = models.ManyToManyField("residents.Grid", verbose_name="负责网格", blank=True, related_name="workers")
    phone = models.CharField("手机号", max_length=20, blank=True)
    service_point = models.ForeignKey(
        "elderly_care.ServicePoint", verbose_name="所在服务点", null=True, blank=True, on_delete=models.PROTECT,
        related_name="operators", help_text="服务点工作人员必选。")

    objects = UserManager()

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        ordering = ["username"]

    def __str__(self):
        return f"{self.get_full_name() or self.username}（{self.get_role_display()}）"

    @property
    def audit_subdistrict_id(self):
        return self.subdistrict_id


class AuditAction(models.TextChoices):
    CREATE = "create", "新建"
    UPDATE = "update", "修改"
    ARCHIVE = "archive", "归档"
    VIEW_FULL = "view_full", "查看完整号码"
    EXPORT = "export", "导出"
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGOUT = "logout", "退出"


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("审计日志不可修改。")

    def delete(self):
        raise PermissionDenied("审计日志不可删除。")

    def visible_to(self, user):
        """Auditors read their own sub-district's log, and the entries that belong to no sub-district
        (failed logins under unknown names, district officers' logins): nobody else reads it."""
        from .scope import is_auditor

        if not is_auditor(user):
            return self.none()
        return self.filter(models.Q(subdistrict_id=user.subdistrict_id) | models.Q(subdistrict__isnull=True))


class AuditEntry(models.Model):
    """One line of the append-only audit log. Written only by jiedao.audit.record()."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Kept as text too, so the entry still names who acted when the account is gone or unknown.
    actor_username = models.CharField("用户名", max_length=150, db_index=True)
    action = models.CharField("操作", max_length=20, choices=AuditAction.choices, db_index=True)
    target_type = models.CharField("对象类型", max_length=50, blank=True)
    target_id = models.CharField("对象编号", max_length=50, blank=True)
    subdistrict = models.ForeignKey(
        "residents.Subdistrict", verbose_name="街道", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+")
    ip = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
            models.Index(fields=["subdistrict", "-at"], name="audit_subdistrict_at_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("审计日志不可修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("审计日志不可删除。")


class ExportJob(models.Model):
    """A large export run by Celery: the page polls its progress and offers the file when it is done.

    It keeps what is needed to run the list again in the worker: the list view (a dotted path set by
    the server, never by the user) and the query string the user filtered with.
    """

    class State(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    user = models.ForeignKey("jiedao.User", verbose_name="导出人", on_delete=models.CASCADE, related_name="exports")
    name = models.CharField("列表", max_length=60)
    view = models.CharField("列表视图", max_length=120)
    query = models.CharField("筛选条件", max_length=2000, blank=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    total = models.PositiveIntegerField("总行数", default=0)
    done = models.PositiveIntegerField("已写行数", default=0)
    file = models.FileField("文件", upload_to="exports/%Y/%m/", blank=True)
    error = models.CharField("错误", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "导出任务"
        verbose_name_plural = "导出任务"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def stalled(self) -> bool:
        """Still queued or running long after any export would have finished (EXPORT_STALE_MINUTES):
        its worker is gone (restarted, killed). The pages say so rather than 生成中 for ever."""
        from datetime import timedelta

        from django.conf import settings
        from django.utils import timezone

        return (self.state in (self.State.PENDING, self.State.RUNNING)
                and self.created_at < timezone.now() - timedelta(minutes=settings.EXPORT_STALE_MINUTES))


class MonthlyReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        from .scope import places_filter, reads_reports

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
    content = models.BinaryField("文件")

    objects = MonthlyReportQuerySet.as_manager()

    class Meta:
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
