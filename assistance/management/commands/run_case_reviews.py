from django.utils import timezone

from assistance.tasks import run_case_reviews_task
from jiedao.commands import JobCommand


class Command(JobCommand):
    help = "运行一次救助复核提醒任务（与定时任务相同）；--now 指定时间，如 2026-11-23T08:05。"

    def run(self, now):
        return run_case_reviews_task(timezone.localdate(now).isoformat() if now else None)  # as beat's worker

    def summary(self, result) -> str:
        return f"写入复核提醒 {result['written']} 条（重复的不会再写），推送 {result['delivered']} 条。"
