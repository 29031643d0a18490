"""python manage.py audit_verify: link pending entries, verify every hash chain, name the first entry where
one breaks and exit non-zero (the nightly job runs the same and alerts the auditors)."""

from django.core.management.base import BaseCommand, CommandError

from jiedao.auditchain import chain_verify_and_alert


class Command(BaseCommand):
    help = "校验审计日志的哈希链：从每条链的起点（清理后为归档的最后哈希）逐条核对，指出第一处断开并以非零状态退出。"

    def handle(self, *args, **options):
        verdict = chain_verify_and_alert()
        if not verdict.ok:
            for problem in verdict.breaks:
                self.stderr.write(f"审计链断开：{problem}")
            raise CommandError(f"审计日志校验未通过（{len(verdict.breaks)} 条链断开），已通知审计员。")
        self.stdout.write(f"审计链完整：{verdict.chains} 条链，共 {verdict.checked} 条日志。")
        if verdict.unlinked:  # written by transactions that committed while this ran: the next run links them
            self.stdout.write(f"另有 {verdict.unlinked} 条日志尚未入链（校验时刚提交），下一次链接时补入。")
        for chain, (seq, value) in verdict.heads.items():
            self.stdout.write(f"链 {chain}：至第 {seq} 条，哈希 {value}")
