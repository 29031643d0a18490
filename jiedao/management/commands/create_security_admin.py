"""python manage.py create_security_admin NAME [--subdistrict 和平里街道] [--staff]: the first security admin of a
deployment, by its operator (the password is asked twice, or read from DJANGO_SECURITY_ADMIN_PASSWORD).

三员: Django's `createsuperuser` makes an account that opens nothing in the portal (no role, no places); the
district's security admin made here makes the district officers and each sub-district's security admin, who
make everyone else, in the portal."""

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from jiedao.models import User
from jiedao.services import security_admin_create


class Command(BaseCommand):
    help = "新建安全管理员账号（默认区级，不属于任何街道）。"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--subdistrict", help="街道名称：新建该街道的安全管理员")
        parser.add_argument("--staff", action="store_true",
                            help="同时允许进入 Django 管理后台（DJANGO_ADMIN_ENABLED=1 时）")

    def handle(self, *args, username, subdistrict=None, staff=False, **options):
        place = None
        if subdistrict:
            # The base names the sub-district model only through the account's foreign key (the layering rule).
            model = User._meta.get_field("subdistrict").related_model
            place = model.objects.filter(name=subdistrict).first()
            if place is None:
                raise CommandError(f"没有名为“{subdistrict}”的街道。")
        password = os.environ.get("DJANGO_SECURITY_ADMIN_PASSWORD") or self._ask_password()
        try:
            user = security_admin_create(username=username, password=password, subdistrict=place, staff=staff)
        except ValidationError as e:
            raise CommandError("；".join(e.messages)) from None
        where = place.name if place else "全区"
        self.stdout.write(f"已新建安全管理员 {user.username}（{where}）。")

    def _ask_password(self) -> str:
        first = getpass.getpass("密码：")
        if first != getpass.getpass("再次输入密码："):
            raise CommandError("两次输入的密码不一致。")
        return first
