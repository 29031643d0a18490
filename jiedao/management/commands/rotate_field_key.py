"""python manage.py rotate_field_key [--check] [--batch 1000]: move every encrypted value and file to the
current FIELD_ENCRYPTION_KEY (and FIELD_CIPHER).

The change of key, without stopping the portal:
1. set FIELD_ENCRYPTION_KEY to the new secret and FIELD_ENCRYPTION_OLD_KEYS to the old one, and restart
   every process (web, worker, beat): from then on they write under the new key and read both;
2. run this command (in batches; it can be interrupted and run again, it skips what is already done);
3. `rotate_field_key --check` reports nothing left: remove FIELD_ENCRYPTION_OLD_KEYS and restart.
"""

from django.core.management.base import BaseCommand

from jiedao.crypto import rotate_all


class Command(BaseCommand):
    help = "用当前密钥（FIELD_ENCRYPTION_KEY）重新加密全部加密字段与文件，并重算检索索引；--check 只统计。"

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="只统计仍用旧密钥（或未加密）的记录和文件")
        parser.add_argument("--batch", type=int, default=1000, help="每批处理的记录数（默认 1000）")

    def handle(self, *args, check, batch, **options):
        left = 0
        for done in rotate_all(batch=max(1, batch), check=check):
            left += done.changed
            verb = "待重新加密" if check else "已重新加密"
            self.stdout.write(f"{done.label}: {verb} {done.changed}，已是当前密钥 {done.current}")
        if check:
            self.stdout.write("全部已使用当前密钥，可以删除 FIELD_ENCRYPTION_OLD_KEYS。" if not left else
                              f"还有 {left} 项未使用当前密钥：请运行 manage.py rotate_field_key。")
