from jiedao.commands import JobCommand
from volunteers.tasks import run_order_reminders_task


class Command(JobCommand):
    help = "运行一次服务单逾期提醒任务（与定时任务相同）；--now 指定时间，如 2026-11-23T08:05。"

    def run(self, now):
        return run_order_reminders_task(now.isoformat() if now else None)  # as beat's worker

    def summary(self, result) -> str:
        return f"写入服务单提醒 {result['written']} 条（重复的不会再写），推送 {result['delivered']} 条。"
