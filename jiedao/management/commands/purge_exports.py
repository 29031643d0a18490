"""python manage.py purge_exports [--now 2026-11-30T03:30]: the nightly deletion of old export files, by hand."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from jiedao.exports import export_jobs_purge


class Command(BaseCommand):
    help = "删除超过保留天数（EXPORT_KEEP_DAYS）的导出任务及其文件。"

    def add_arguments(self, parser):
        parser.add_argument("--now", help="按此时间计算（ISO 格式，默认现在）")

    def handle(self, *args, now=None, **options):
        moment = parse_datetime(now) if now else timezone.now()
        if moment is None:
            raise CommandError("时间格式应为 ISO 格式，例如 2026-11-30T03:30。")
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        self.stdout.write(f"已删除 {export_jobs_purge(now=moment)} 个导出任务及其文件。")
