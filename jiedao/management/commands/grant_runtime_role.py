"""python manage.py grant_runtime_role: create the runtime role (DATABASE_URL's user) if missing and give it
its rights (audit tables: SELECT and INSERT only). `migrate` does the same after every run."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from jiedao.dbroles import grant_runtime, is_owner, owner_alias, runtime_role


class Command(BaseCommand):
    help = ("创建运行时数据库角色（DATABASE_URL 的用户）并授权：审计表只可插入和查询。"
            "以属主角色（DATABASE_OWNER_URL）运行。")

    def add_arguments(self, parser):
        parser.add_argument("--role", help="角色名（默认 DATABASE_URL 的用户）")
        parser.add_argument("--password", help="新建角色时的密码（默认 DATABASE_URL 的密码）")

    def handle(self, *args, role=None, password=None, **options):
        using = owner_alias()
        if connections[using].vendor != "postgresql":
            raise CommandError("只有 PostgreSQL 区分属主角色与运行时角色。")
        role = role or runtime_role()
        if not role:
            raise CommandError("未设置 DATABASE_OWNER_URL，或它与 DATABASE_URL 是同一用户："
                               "请用 --role 指定运行时角色。")
        if not is_owner(using):
            raise CommandError("须以数据表属主角色运行（DATABASE_OWNER_URL）。")
        grant_runtime(role=role, password=password or settings.DATABASES["default"].get("PASSWORD") or None,
                      using=using)
        self.stdout.write(f"已授权运行时角色 {role}：审计表只可插入和查询。")
