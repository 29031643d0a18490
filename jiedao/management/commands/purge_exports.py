"""python manage.py purge_exports [--now 2026-11-30T03:30]: the nightly deletion of old export files, by hand."""

from jiedao.commands import JobCommand
from jiedao.exports import export_jobs_purge


class Command(JobCommand):
    help = "删除超过保留天数（EXPORT_KEEP_DAYS）的导出任务及其文件。"

    def run(self, now):
        return export_jobs_purge(now=now)

    def summary(self, result) -> str:
        return f"已删除 {result} 个导出任务及其文件。"
