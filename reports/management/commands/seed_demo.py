import time

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from assistance import demo as relief_demo
from elderly_care import demo as care_demo
from jiedao import otp
from jiedao.models import User
from residents import demo
from visits import demo as visits_demo

from ...services import reports_build_scheduled


class Command(BaseCommand):
    help = "生成演示街道：社区、网格、户、居民和演示账号（同一 --seed 结果相同）。"

    def add_arguments(self, parser):
        parser.add_argument("--residents", type=int, default=2000, help="居民人数（默认 2000）")
        parser.add_argument("--password", default=demo.PASSWORD_DEFAULT, help="所有演示账号的密码")
        parser.add_argument("--seed", type=int, default=1, help="随机种子")
        parser.add_argument("--totp-secret", default=otp.DEMO_TOTP_SECRET,
                            help="所有演示账号身份验证器的密钥（Base32），默认一个固定的演示密钥")

    def handle(self, *args, residents, password, seed, totp_secret, **options):
        if residents < 1:
            raise CommandError("--residents 至少为 1。")
        try:
            # The demo accounts are ready to use (no change at first login): their password meets the policy.
            validate_password(password)
        except ValidationError as e:
            raise CommandError("--password 不符合密码策略：" + "".join(e.messages)) from None
        try:
            short = len(otp.hex_key(totp_secret)) < 20  # under 80 bits (16 Base32 characters)
        except ValueError:
            short = True
        if short:
            raise CommandError("--totp-secret 须为至少 16 位的 Base32 密钥（A–Z 与 2–7），如 JBSWY3DPEHPK3PXP。")
        started = time.monotonic()
        # Two sub-districts, so that the district bureau's view and the scope between sub-districts can
        # be tried: 和平里 with most of the residents, 安贞 next door with a tenth.
        neighbours = int(residents * demo.NEIGHBOUR_SHARE)
        result = demo.seed(residents=residents - neighbours, seed=seed)
        demo.seed_points(subdistrict=result.subdistrict, seed=seed)
        accounts = demo.ensure_accounts(result.subdistrict, password)  # point1 works at the first canteen
        places = [result]
        if neighbours:
            spec = demo.NEIGHBOUR
            next_door = demo.seed(residents=neighbours, seed=seed + 1, name=spec["name"], code=spec["code"],
                                  communities=spec["communities"], grids_per_community=spec["grids_per_community"],
                                  estates=spec["estates"], regions=spec["regions"])
            demo.seed_points(subdistrict=next_door.subdistrict, seed=seed, points=demo.NEIGHBOUR_POINTS)
            accounts += demo.ensure_neighbour_accounts(next_door.subdistrict, password)
            places.append(next_door)
        for user in User.objects.filter(username__in=[username for username, _, _ in accounts]):
            otp.demo_device(user, totp_secret)  # every account has a second factor, ready to use
        # Each feature seeds its own data; this command (in the top app) is the one place that calls them all.
        meals = visits = 0
        for place in places:
            meals += care_demo.seed_care(subdistrict=place.subdistrict, seed=seed)
            visits += visits_demo.seed_visits(subdistrict=place.subdistrict, seed=seed)
            relief_demo.seed_cases(subdistrict=place.subdistrict, seed=seed)
        # Last month's report pack, as the 02:00 job on the 1st would have built it.
        packs = reports_build_scheduled()
        took = time.monotonic() - started
        if result.created:
            self.stdout.write("已生成 " + "、".join(f"{p.subdistrict.name}（{p.residents} 名居民，{p.households} 户）"
                                                  for p in places)
                              + f"：{visits} 条走访记录，{meals} 条用餐记录，{packs} 份上月月报，用时 {took:.1f} 秒。")
        else:
            self.stdout.write(f"{result.subdistrict.name} 已存在（{result.residents} 名居民），"
                              "未重复生成；账号密码已重置。")
        self.stdout.write(f"演示账号（密码均为 {password}）：")
        for username, role, scope in accounts:
            self.stdout.write(f"  {username:<10} {role:<8} {scope}")
        self.stdout.write(f"动态验证码：所有演示账号共用身份验证器密钥 {totp_secret}。把它加入任一身份验证器 App"
                          "（或粘贴下面的链接），或运行 make otp-code 显示当前的 6 位验证码：")
        self.stdout.write(f"  {otp.otpauth_uri(totp_secret, '演示账号')}")
