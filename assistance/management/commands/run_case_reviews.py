import logging

from django.core.management.base import BaseCommand, CommandError

from assistance.tasks import run_case_reviews_task
from jiedao.dates import parse_now


class Command(BaseCommand):
    help = "运行一次救助复核提醒任务（与定时任务相同）；--now 指定时间，如 2026-11-23T08:05。"

    def add_arguments(self, parser):
        parser.add_argument("--now", help="按此时间运行（本地时间，ISO 格式）")

    def handle(self, *args, now=None, **options):
        if options["verbosity"] < 2:
            logging.getLogger("jiedao.notifications").setLevel(logging.WARNING)
        try:
            day = parse_now(now).date().isoformat() if now else None
        except ValueError as e:
            raise CommandError(str(e)) from None
        result = run_case_reviews_task(day)  # in this process, like the beat's worker would
        self.stdout.write(f"写入复核提醒 {result['written']} 条（重复的不会再写），推送 {result['delivered']} 条。")
