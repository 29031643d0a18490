"""python manage.py audit_archive --month 2026-11: the month's audit entries to a file with its checksum."""

from django.core.management.base import BaseCommand, CommandError

from jiedao.auditarchive import ArchiveError, audit_archive, parse_month
from jiedao.dates import parse_now


class Command(BaseCommand):
    help = "把一个已结束月份的审计日志归档为 JSON Lines 文件及其 SHA-256 校验文件（AUDIT_ARCHIVE_DIR）。"

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="月份，如 2026-11")
        parser.add_argument("--now", help="按此时间运行（本地时间，ISO 格式；默认现在）")

    def handle(self, *args, month, now=None, **options):
        try:
            done = audit_archive(month=parse_month(month), now=parse_now(now) if now else None)
        except (ArchiveError, ValueError) as error:
            raise CommandError(str(error)) from None
        archive = done.archive
        state = "已写入" if done.changed else "已归档且未变"
        self.stdout.write(f"{archive.month:%Y-%m}：{state} {archive.path}"
                          f"（{archive.entries} 条，SHA-256 {archive.sha256}）")
