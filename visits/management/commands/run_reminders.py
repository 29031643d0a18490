import logging

from django.core.management.base import BaseCommand, CommandError

from jiedao.dates import parse_now
from visits.tasks import run_reminders_task


class Command(BaseCommand):
    help = "运行一次探访提醒任务（与定时任务相同）；--now 指定时间，如 2026-11-23T08:05。"

    def add_arguments(self, parser):
        parser.add_argument("--now", help="按此时间运行（本地时间，ISO 格式）")

    def handle(self, *args, now=None, **options):
        if options["verbosity"] < 2:
            # The log backend writes a line per reminder; by hand, the summary below is enough (-v 2 for all).
            logging.getLogger("jiedao.notifications").setLevel(logging.WARNING)
        try:
            moment = parse_now(now).isoformat() if now else None
        except ValueError as e:
            raise CommandError(str(e)) from None
        result = run_reminders_task(moment)  # in this process, like the beat's worker would
        self.stdout.write(f"应访/逾期 {result['due_items']} 项，写入提醒 {result['written']} 条（重复的不会再写），"
                          f"推送 {result['delivered']} 条。")
