"""The base of the commands that run a scheduled job by hand (`--now` for another moment): one way to read
`--now`, one quiet log, one summary line. Each command says what its job is and how to tell its result."""

import logging
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from .dates import parse_now


class JobCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--now", help="按此时间运行（本地时间，ISO 格式，如 2026-11-23T08:05；默认现在）")

    def run(self, now: datetime | None):
        raise NotImplementedError

    def summary(self, result) -> str:
        raise NotImplementedError

    def handle(self, *args, now=None, **options):
        try:
            moment = parse_now(now) if now else None
        except ValueError as e:
            raise CommandError(str(e)) from None
        log = logging.getLogger("jiedao.notifications")
        level = log.level
        if options["verbosity"] < 2:
            # The log backend writes a line per reminder; by hand, the summary is enough (-v 2 for all).
            log.setLevel(logging.WARNING)
        try:
            result = self.run(moment)
        finally:
            log.setLevel(level)  # for this command only (a test, a shell, the next command)
        self.stdout.write(self.summary(result))
