"""python manage.py disable_idle_accounts [--now 2026-11-30T01:30]: the nightly job, by hand."""

from jiedao.commands import JobCommand
from jiedao.services import accounts_disable_idle


class Command(JobCommand):
    help = "停用连续 ACCOUNT_IDLE_DAYS 天未登录的账号（可重复运行，已停用的不再处理）。"

    def run(self, now):
        return accounts_disable_idle(now=now)

    def summary(self, result) -> str:
        return f"已停用 {result} 个长期未使用的账号。"
