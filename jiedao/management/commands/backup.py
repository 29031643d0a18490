"""python manage.py backup [--output DIR]: one encrypted file with the database, the stored files and the
audit archives (jiedao.backup), written as the tables' owner. docker-compose.yml's backup service runs it
every night; `make backup` by hand."""

from django.core.management.base import BaseCommand, CommandError

from jiedao.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "备份数据库、上传文件和审计归档为一个加密文件（AES-256-GCM，密钥由 BACKUP_KEY 经 HKDF 派生）。"

    def add_arguments(self, parser):
        parser.add_argument("--output", help="备份目录（默认写入备份存储：BACKUP_DIR 或对象存储）")

    def handle(self, *args, output=None, **options):
        try:
            where = backup_create(output_dir=output)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"已备份到 {where}。")
