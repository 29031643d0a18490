from django.core.management.base import BaseCommand

from visits.services import due_dates_refill


class Command(BaseCommand):
    help = "按探访规则和走访记录重新计算每位居民的应访日期（升级后运行一次；之后随走访、居民和规则的保存自动更新）。"

    def handle(self, *args, **options):
        self.stdout.write(f"已写入应访日期 {due_dates_refill()} 条。")
