from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone

from .crypto import EncryptedCharField
from .querysets import AuditEntryQuerySet, ExportJobQuerySet, ImportRunQuerySet, NotificationQuerySet
from .roles import Role
from .text import EncryptedPhoneField


class DisabledReason(models.TextChoices):
    IDLE = "idle", "长期未使用"


PASSWORD_CHANGE_FIRST = "您的密码由管理员设置，请先修改为只有您自己知道的新密码。"
PASSWORD_CHANGE_EXPIRED = "您的密码已超过 {days} 天未修改，请先设置新密码。"


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
    phone = EncryptedPhoneField("手机号", max_length=20, blank=True)  # encrypted at rest, as residents' phones
    service_point = models.ForeignKey(
        "residents.ServicePoint", verbose_name="所在服务点", null=True, blank=True, on_delete=models.PROTECT,
        related_name="operators", help_text="服务点工作人员必选。")

    # An administrator chose this password (a new account, a reset): its holder sets their own at first login.
    must_change_password = models.BooleanField("须修改密码", default=False)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    # Why the account was switched off by the system (told at the next sign-in), empty otherwise.
    disabled_reason = models.CharField("停用原因", max_length=10, choices=DisabledReason.choices, blank=True)
    # When an administrator switched it back on: the idle clock starts again from here.
    enabled_at = models.DateTimeField("重新启用时间", null=True, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        ordering = ["username"]

    def __str__(self):
        return f"{self.get_full_name() or self.username}（{self.get_role_display()}）"

    def save(self, *args, **kwargs):
        # Every password change (the person's own form, the security admin's reset, Django's admin,
        # `changepassword`) and every deactivation passes here, so this is the one place that dates the
        # password, keeps it in the history and ends the account's API tokens. set_password() leaves the new
        # password in _password until the save (Django's rehash on login resets it before its save, so a
        # rehash is no change). Who chose it is the caller's to say (must_change_password). Web sessions end by
        # themselves: Django checks the session's password hash, and refuses inactive accounts.
        changed = self._password is not None
        if changed:
            self.password_changed_at = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "password_changed_at"}
        ends_tokens = changed or (not self.is_active and not self._state.adding)
        super().save(*args, **kwargs)
        if changed and self.has_usable_password():
            PasswordHistory.remember(self)
        if ends_tokens:
            ApiToken.objects.filter(user=self).delete()

    @property
    def password_expired(self) -> bool:
        if self.password_changed_at is None:
            return False
        return self.password_changed_at < timezone.now() - timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)

    @property
    def password_change_reason(self) -> str:
        """Why this account must set a new password before anything else ("" when it need not)."""
        if self.must_change_password:
            return PASSWORD_CHANGE_FIRST
        if self.password_expired:
            return PASSWORD_CHANGE_EXPIRED.format(days=settings.PASSWORD_MAX_AGE_DAYS)
        return ""

    @property
    def audit_subdistrict_id(self):
        return self.subdistrict_id



class ApiToken(models.Model):
    """One API sign-in (POST /api/v1/auth/token/): a new token each time, never the key itself at rest.

    The database keeps the SHA-256 of the key (a leaked table opens nothing) and its first characters, so
    that a person and the security admin can tell their tokens apart. Deleted when revoked."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
                             related_name="api_tokens")
    key_hash = models.CharField("令牌摘要", max_length=64, unique=True)
    prefix = models.CharField("令牌前缀", max_length=8)
    created_at = models.DateTimeField("签发时间", auto_now_add=True)
    expires_at = models.DateTimeField("过期时间")

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.prefix}…"


class PasswordHistory(models.Model):
    """The hashes of an account's recent passwords (the current one included), so none of the last
    PASSWORD_HISTORY comes back (jiedao.passwords.PasswordHistoryValidator)."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField("密码哈希", max_length=128)
    created_at = models.DateTimeField("设置时间", auto_now_add=True)

    class Meta:
        verbose_name = "历史密码"
        verbose_name_plural = "历史密码"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"

    @classmethod
    def remember(cls, user) -> None:
        cls.objects.create(user=user, password=user.password)
        keep = cls.objects.filter(user=user).order_by("-created_at", "-id")[:settings.PASSWORD_HISTORY]
        cls.objects.filter(user=user).exclude(pk__in=list(keep.values_list("pk", flat=True))).delete()


class AuditAction(models.TextChoices):
    CREATE = "create", "新建"
    UPDATE = "update", "修改"
    ARCHIVE = "archive", "归档"
    VIEW_FULL = "view_full", "查看完整号码"
    EXPORT = "export", "导出"
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGOUT = "logout", "退出"
    DENIED = "denied", "被拒绝"
    DELETE = "delete", "删除"
    SEARCH = "search", "按完整号码查找"
    IMPORT = "import", "导入"
    UNDO = "undo", "撤销导入"


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
    # What the object was called when the entry was written (居民 张三, 案件 #121 临时救助): the log reads
    # without reaching into any app, and names what has since been renamed or archived as it was.
    target_label = models.CharField("对象", max_length=200, blank=True)
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
            # Failed logins from one address in the last hour (jiedao.authentication.address_wait).
            models.Index(fields=["ip", "action", "at"], name="audit_ip_action_at_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("审计日志不可修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("审计日志不可删除。")


class AuditLink(models.Model):
    """An entry's place in its sub-district's hash chain, written after the entry's transaction commits
    (jiedao.auditchain). Kept apart from the entry so that neither table is ever updated: the web and the
    workers may only INSERT and SELECT both (jiedao.dbroles)."""

    entry = models.OneToOneField(AuditEntry, verbose_name="审计日志", primary_key=True,
                                 on_delete=models.DO_NOTHING, related_name="link")
    # The entry's sub-district id, 0 for entries of none: one chain each.
    chain = models.PositiveIntegerField("链")
    seq = models.PositiveBigIntegerField("序号")
    prev = models.CharField("前一哈希", max_length=64, blank=True)
    hash = models.CharField("哈希", max_length=64)
    algorithm = models.CharField("算法", max_length=10)
    linked_at = models.DateTimeField("链接时间", auto_now_add=True)

    class Meta:
        verbose_name = "审计链"
        verbose_name_plural = "审计链"
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_link_chain_seq_uniq")]

    def __str__(self):
        return f"链 {self.chain} 第 {self.seq} 条"


class AuditArchive(models.Model):
    """One month of the log written to a file with its checksum (audit_archive); what may be pruned."""

    month = models.DateField("月份", unique=True)  # the 1st of the month, Asia/Shanghai
    path = models.CharField("文件", max_length=500)
    sha256 = models.CharField("校验值", max_length=64)
    entries = models.PositiveIntegerField("条数")
    created_at = models.DateTimeField("归档时间", auto_now_add=True)

    class Meta:
        verbose_name = "审计归档"
        verbose_name_plural = "审计归档"
        ordering = ["month"]

    def __str__(self):
        return f"{self.month:%Y-%m} 审计归档"


class AuditAnchor(models.Model):
    """Where a chain starts after pruning: the last pruned entry's seq and hash, as the archive holds them.
    audit_verify starts each chain from its latest anchor."""

    chain = models.PositiveIntegerField("链")
    seq = models.PositiveBigIntegerField("序号")
    hash = models.CharField("哈希", max_length=64)
    pruned = models.PositiveIntegerField("清理条数")
    at = models.DateTimeField("清理时间", auto_now_add=True)

    class Meta:
        verbose_name = "审计链起点"
        verbose_name_plural = "审计链起点"
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_anchor_chain_seq_uniq")]

    def __str__(self):
        return f"链 {self.chain} 自第 {self.seq + 1} 条起"


class ExportJob(models.Model):
    """A large export run by Celery: the page polls its progress and offers the file when it is done.

    It keeps what is needed to run the list again in the worker: the list (the dotted path of its
    jiedao.exports.ExportList, set by the server, never by the user) and the query string the user
    filtered with.
    """

    class State(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    user = models.ForeignKey("jiedao.User", verbose_name="导出人", on_delete=models.CASCADE, related_name="exports")
    name = models.CharField("列表", max_length=60)
    source = models.CharField("列表定义", max_length=120)
    query = models.CharField("筛选条件", max_length=2000, blank=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    total = models.PositiveIntegerField("总行数", default=0)
    done = models.PositiveIntegerField("已写行数", default=0)
    file = models.FileField("文件", upload_to="exports/%Y/%m/", blank=True)
    error = models.CharField("错误", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

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


class NotificationKind(models.TextChoices):
    DUE = "due", "今日应访"
    OVERDUE = "overdue", "逾期未访"
    CURTAIN_MISSED = "curtain_missed", "窗帘未开"
    ESCALATION = "escalation", "逾期上报"
    CASE_REVIEW = "case_review", "救助复核"
    ACCOUNT_SECURITY = "account_security", "账号安全"
    AUDIT_CHAIN = "audit_chain", "审计链断开"
    NUTRITION = "nutrition", "营养包待确认"
    ORDER_OVERDUE = "order_overdue", "服务单逾期"
    PAIRING_OVERDUE = "pairing_overdue", "结对走访逾期"
    ENROLMENT = "enrolment", "报名变动"


class Notification(models.Model):
    """A line in a user's inbox, written by any app's reminder job (jiedao.notifications). `key` says
    what it is about, so the same reminder is never written twice."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE,
                                  related_name="notifications")
    kind = models.CharField("类型", max_length=20, choices=NotificationKind.choices)
    resident = models.ForeignKey("residents.Resident", verbose_name="居民", null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="+")
    # The app's own code (a visit method), kept for filtering; the message says it in words.
    method = models.CharField("方式", max_length=16, blank=True)
    due_date = models.DateField("应访日期", null=True, blank=True)
    message = models.CharField("内容", max_length=300)
    # Where the recipient acts on it (the visit form, the case): written by the app that raised it, so
    # the inbox needs to know no app's pages.
    link = models.CharField("处理链接", max_length=200, blank=True)
    key = models.CharField(max_length=120, unique=True, editable=False)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    delivered_at = models.DateTimeField("推送时间", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("推送次数", default=0)
    last_error = models.CharField("推送错误", max_length=200, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        db_table = "visits_notification"  # born in the visits app; the inbox now belongs to every app
        verbose_name = "提醒"
        verbose_name_plural = "提醒"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx"),
            models.Index(fields=["id"], name="notification_undelivered_idx",
                         condition=models.Q(delivered_at__isnull=True)),
        ]

    def __str__(self):
        return self.message


class ImportRun(models.Model):
    """One upload of a ledger (台账) into a list: read and classified row by row (preview), then committed
    all or nothing, then possibly undone. Run by jiedao.imports; the list is an ImportList declared in its
    app, named here by its dotted path (set by the server, never by the user), as ExportJob.source."""

    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "读取中"
        PREVIEW = "preview", "待确认"
        COMMITTING = "committing", "导入中"
        COMMITTED = "committed", "已导入"
        UNDONE = "undone", "已撤销"
        FAILED = "failed", "失败"

    user = models.ForeignKey("jiedao.User", verbose_name="导入人", on_delete=models.PROTECT, related_name="imports")
    subdistrict = models.ForeignKey("residents.Subdistrict", verbose_name="街道", on_delete=models.PROTECT,
                                    related_name="+")
    name = models.CharField("列表", max_length=60)
    source = models.CharField("列表定义", max_length=120)
    # What the list needs besides the file, checked by the list when the run was asked for: {"community": id}.
    params = models.JSONField("参数", default=dict)
    file = models.FileField("文件", upload_to="imports/%Y/%m/", blank=True)  # sealed by the default storage
    file_name = models.CharField("文件名", max_length=200, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    # Per sheet name, the hand correction of the column mapping ({sheet: {field key: column index}}).
    mapping = models.JSONField("列对应", default=dict, blank=True)
    # The sheets as read (name, skipped, why, header rows, columns, mapping) for the mapping page.
    sheets = models.JSONField("工作表", default=list, blank=True)
    count_new = models.PositiveIntegerField("新增", default=0)
    count_update = models.PositiveIntegerField("更新", default=0)
    count_warning = models.PositiveIntegerField("提示", default=0)
    count_rejected = models.PositiveIntegerField("未导入", default=0)
    created = models.PositiveIntegerField("已新建", default=0)
    updated = models.PositiveIntegerField("已更新", default=0)
    done = models.PositiveIntegerField("已处理行数", default=0)
    total = models.PositiveIntegerField("总行数", default=0)
    error = models.CharField("错误", max_length=500, blank=True)
    # Said to the user after a commit that changed nothing (the same file was imported already).
    note = models.CharField("说明", max_length=300, blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    previewed_at = models.DateTimeField("读取完成时间", null=True, blank=True)
    committed_at = models.DateTimeField("导入时间", null=True, blank=True)
    committed_by = models.ForeignKey("jiedao.User", verbose_name="确认人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    undone_at = models.DateTimeField("撤销时间", null=True, blank=True)
    undone_by = models.ForeignKey("jiedao.User", verbose_name="撤销人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        verbose_name = "导入"
        verbose_name_plural = "导入"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} {self.file_name}"

    @property
    def audit_subdistrict_id(self):
        return self.subdistrict_id

    @property
    def stalled(self) -> bool:
        """Waiting, being read or being committed, with no word from its worker for IMPORT_STALE_MINUTES
        (each step and every 1,000 rows read touch updated_at): the worker is gone (restarted, killed). A
        commit is one transaction, so an interrupted one wrote nothing; jiedao.imports.import_restart
        starts the step again. The pages say 已中断 rather than 读取中 for ever."""
        from datetime import timedelta

        from django.conf import settings
        from django.utils import timezone

        return (self.status in (self.Status.PENDING, self.Status.RUNNING, self.Status.COMMITTING)
                and self.updated_at < timezone.now() - timedelta(minutes=settings.IMPORT_STALE_MINUTES))

    @property
    def counts(self) -> dict[str, int]:
        return {"new": self.count_new, "update": self.count_update, "warning": self.count_warning,
                "rejected": self.count_rejected}


class ImportRow(models.Model):
    """One data row of an import's workbook and what it is (new, update, warning, rejected). What the
    commit writes (the full ID number among it) and what the undo restores are kept sealed."""

    class Outcome(models.TextChoices):
        NEW = "new", "新增"
        UPDATE = "update", "更新"
        WARNING = "warning", "提示"
        REJECTED = "rejected", "未导入"

    run = models.ForeignKey(ImportRun, verbose_name="导入", on_delete=models.CASCADE, related_name="rows")
    sheet = models.CharField("工作表", max_length=100)
    row = models.PositiveIntegerField("行号")  # Excel's own row number
    outcome = models.CharField("结果", max_length=10, choices=Outcome.choices, db_index=True)
    reasons = models.JSONField("原因", default=list, blank=True)
    name = models.CharField("姓名", max_length=100, blank=True)
    id_masked = models.CharField("身份证号（脱敏）", max_length=18, blank=True)
    # JSON: the row's data, the changes an update makes, the row as typed (for the rejected workbook).
    payload = EncryptedCharField("内容", max_length=100_000, blank=True)
    target_id = models.PositiveBigIntegerField("对象编号", null=True, blank=True)
    # JSON: an updated object's fields before the commit; its version after (nothing changed since).
    before = EncryptedCharField("导入前", max_length=100_000, blank=True)
    after_version = models.PositiveIntegerField("导入后版本", null=True, blank=True)

    class Meta:
        verbose_name = "导入行"
        verbose_name_plural = "导入行"
        ordering = ["run_id", "id"]
        indexes = [models.Index(fields=["run", "outcome", "id"], name="importrow_run_outcome_idx")]

    def __str__(self):
        return f"{self.sheet} 第 {self.row} 行"


class ImportTemplate(models.Model):
    """A column mapping saved by hand for a list and its params (a community): next month's ledger, with the
    same titles, maps itself."""

    source = models.CharField("列表定义", max_length=120)
    key = models.CharField("适用范围", max_length=120)  # the params, written the same way each time
    subdistrict = models.ForeignKey("residents.Subdistrict", verbose_name="街道", on_delete=models.PROTECT,
                                    related_name="+")
    mapping = models.JSONField("列对应", default=dict)  # {sheet name: {field key: column title}}
    updated_by = models.ForeignKey("jiedao.User", verbose_name="保存人", null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField("保存时间", auto_now=True)

    class Meta:
        verbose_name = "导入模板"
        verbose_name_plural = "导入模板"
        constraints = [models.UniqueConstraint(fields=["source", "key"], name="import_template_unique")]

    def __str__(self):
        return f"{self.source} {self.key}"
