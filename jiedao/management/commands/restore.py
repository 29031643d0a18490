"""python manage.py restore FILE: a backup (a file here, or its name in the backups' storage) into an empty
database, its files into the stored files' and the audit archives' storages; then the row counts are
compared with the backup's and the audit chains verified."""

from django.core.management.base import BaseCommand, CommandError

from jiedao.auditchain import chain_verify
from jiedao.backup import BackupError, backup_restore
from jiedao.dbroles import owner_alias


class Command(BaseCommand):
    help = "把加密备份恢复到一个空数据库（以属主角色），核对各表行数并校验审计链。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份文件（本机路径，或备份存储中的文件名）")

    def handle(self, *args, file, **options):
        try:
            manifest = backup_restore(path=file)
        except BackupError as error:
            raise CommandError(str(error)) from None
        verdict = chain_verify(using=owner_alias())
        if not verdict.ok:
            raise CommandError("已恢复，但审计链校验未通过：" + "；".join(map(str, verdict.breaks)))
        rows = sum(manifest["counts"].values())
        pending = f"另有 {verdict.unlinked} 条日志尚未入链，下一次链接时补入。" if verdict.unlinked else ""
        self.stdout.write(f"已恢复 {manifest['created_at']} 的备份：{rows} 行，各表行数一致；"
                          f"审计链完整（{verdict.checked} 条）。{pending}")
