from django.utils import timezone

from child_services.tasks import create_nutrition_deliveries_task
from jiedao.commands import JobCommand


class Command(JobCommand):
    help = "运行一次营养包任务（与定时任务相同）：生成本月已到日子的各轮发放，并提醒未确认的；--now 指定时间。"

    def run(self, now):
        return create_nutrition_deliveries_task(timezone.localdate(now).isoformat() if now else None)

    def summary(self, result) -> str:
        return (f"生成营养包发放 {result['created']} 条（已有的不会重复生成），写入提醒 {result['written']} 条，"
                f"推送 {result['delivered']} 条。")
