"""python manage.py audit_prune: delete archived months of the audit log older than AUDIT_KEEP_DAYS.

Run by hand (or the operator's own schedule) as the tables' owner (DATABASE_OWNER_URL); it is no Celery
task, so neither the web nor a worker, which connect as the runtime role, ever runs it."""

from django.core.management.base import BaseCommand, CommandError

from jiedao.auditarchive import ArchiveError, audit_prune, keep_days
from jiedao.dates import parse_now


class Command(BaseCommand):
    help = "清理已归档且超过保留天数（AUDIT_KEEP_DAYS，不少于 180 天）的审计日志；须以属主角色运行。"

    def add_arguments(self, parser):
        parser.add_argument("--now", help="按此时间运行（本地时间，ISO 格式；默认现在）")

    def handle(self, *args, now=None, **options):
        try:
            pruned = audit_prune(now=parse_now(now) if now else None)
        except (ArchiveError, ValueError) as error:
            raise CommandError(str(error)) from None
        if pruned.entries:
            self.stdout.write(f"已清理 {pruned.before:%Y-%m-%d} 之前的 {pruned.entries} 条审计日志"
                              f"（保留 {keep_days()} 天；各链自归档的最后哈希起继续校验）。")
        else:
            self.stdout.write(f"没有可清理的审计日志（只清理已归档、超过 {keep_days()} 天的月份）。")
