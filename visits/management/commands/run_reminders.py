from jiedao.commands import JobCommand
from visits.tasks import run_reminders_task


class Command(JobCommand):
    help = "运行一次探访提醒任务（与定时任务相同）；--now 指定时间，如 2026-11-23T08:05。"

    def run(self, now):
        return run_reminders_task(now.isoformat() if now else None)  # in this process, as beat's worker would

    def summary(self, result) -> str:
        return (f"应访/逾期 {result['due_items']} 项，写入提醒 {result['written']} 条（重复的不会再写），"
                f"推送 {result['delivered']} 条。")
