import time

from django.core.management.base import BaseCommand, CommandError

from residents import demo


class Command(BaseCommand):
    help = "生成演示街道：社区、网格、户、居民和演示账号（同一 --seed 结果相同）。"

    def add_arguments(self, parser):
        parser.add_argument("--residents", type=int, default=2000, help="居民人数（默认 2000）")
        parser.add_argument("--password", default=demo.PASSWORD_DEFAULT, help="所有演示账号的密码")
        parser.add_argument("--seed", type=int, default=1, help="随机种子")

    def handle(self, *args, residents, password, seed, **options):
        if residents < 1:
            raise CommandError("--residents 至少为 1。")
        started = time.monotonic()
        result = demo.seed(residents=residents, seed=seed)
        demo.ensure_accounts(result.subdistrict, password)
        meals = demo.seed_care(subdistrict=result.subdistrict, seed=seed)
        accounts = demo.ensure_accounts(result.subdistrict, password)  # again: point1 works at the new canteen
        visits = demo.seed_visits(subdistrict=result.subdistrict, seed=seed)
        demo.seed_cases(subdistrict=result.subdistrict, seed=seed)
        took = time.monotonic() - started
        if result.created:
            self.stdout.write(f"已生成 {result.subdistrict.name}：{result.residents} 名居民，"
                              f"{result.households} 户，{visits} 条走访记录，{meals} 条用餐记录，用时 {took:.1f} 秒。")
        else:
            self.stdout.write(f"{result.subdistrict.name} 已存在（{result.residents} 名居民），"
                              "未重复生成；账号密码已重置。")
        self.stdout.write(f"演示账号（密码均为 {password}）：")
        for username, role, scope in accounts:
            self.stdout.write(f"  {username:<10} {role:<8} {scope}")
