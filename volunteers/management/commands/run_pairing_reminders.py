from django.utils import timezone

from jiedao.commands import JobCommand
from volunteers.tasks import run_pairing_reminders_task


class Command(JobCommand):
    help = "运行一次结对走访逾期提醒任务（与定时任务相同）；--now 指定时间，如 2026-11-23T08:05。"

    def run(self, now):
        return run_pairing_reminders_task(timezone.localdate(now).isoformat() if now else None)  # as beat's worker

    def summary(self, result) -> str:
        return f"写入结对提醒 {result['written']} 条（重复的不会再写），推送 {result['delivered']} 条。"
