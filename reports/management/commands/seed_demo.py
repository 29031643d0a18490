import time
from contextlib import nullcontext

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from assistance import demo as relief_demo
from child_services import demo as children_demo
from elderly_care import demo as care_demo
from elderly_care.models import Meal
from jiedao import bulk, otp
from jiedao.models import User
from residents import demo
from residents.models import Household, Resident, ResidentTag
from visits import demo as visits_demo
from visits.models import Visit
from volunteers import demo as volunteers_demo

from ...models import MonthlyReport
from ...services import previous_month, report_build, reports_build_scheduled


class Command(BaseCommand):
    help = "生成演示街道：社区、网格、户、居民和演示账号（同一 --seed 结果相同）。"

    def add_arguments(self, parser):
        parser.add_argument("--residents", type=int, default=2000, help="居民人数（默认 2000）")
        parser.add_argument("--subdistricts", type=int, default=1,
                            help="街道数：1（默认）为和平里街道及相邻的安贞街道（居民的十分之一）；"
                                 f"2–{len(demo.DISTRICT_NAMES) + 2} 为全区前 N 个街道，各约 20 个社区，居民平均分配")
        parser.add_argument("--password", default=demo.PASSWORD_DEFAULT, help="所有演示账号的密码")
        parser.add_argument("--seed", type=int, default=1, help="随机种子")
        parser.add_argument("--totp-secret", default=otp.DEMO_TOTP_SECRET,
                            help="所有演示账号身份验证器的密钥（Base32），默认一个固定的演示密钥")

    def _timed(self, step: str, seed_step, **kwargs):
        started = (time.monotonic(), time.process_time())
        result = seed_step(**kwargs)
        self._took_since(step, started)
        return result

    def _took_since(self, step: str, started: tuple[float, float]) -> None:
        # Wall and this process's CPU: on a shared machine the wall time is mostly the wait for a core.
        wall, cpu = self.took.get(step, (0.0, 0.0))
        self.took[step] = (wall + time.monotonic() - started[0], cpu + time.process_time() - started[1])

    def handle(self, *args, residents, subdistricts, password, seed, totp_secret, **options):
        self.verbosity, self.took = options.get("verbosity", 1), {}
        if residents < 1:
            raise CommandError("--residents 至少为 1。")
        if not 1 <= subdistricts <= len(demo.DISTRICT_NAMES) + 2:
            raise CommandError(f"--subdistricts 应为 1 到 {len(demo.DISTRICT_NAMES) + 2}。")
        if residents < subdistricts:
            raise CommandError("--residents 不能少于 --subdistricts（每个街道至少一名居民）。")
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
        started, started_cpu = time.monotonic(), time.process_time()
        registry = activity = bulk.Rebuild([])
        if subdistricts == 1:
            places, accounts = self._two_subdistricts(residents, seed, password)
        else:
            places, accounts, registry, activity = self._district(subdistricts, residents, seed, password)
        try:
            meals, visits, visited = self._meals_and_visits(places, accounts, subdistricts, residents, seed,
                                                            totp_secret, activity)
        finally:
            self._finish(registry, activity)
        self._timed("走访", visits_demo.seed_due_dates, subdistricts=visited)
        result = places[0]
        for n, place in enumerate(places):
            where = {"subdistrict": place.subdistrict, "seed": seed}
            self._timed("救助案件", relief_demo.seed_cases, walk=n < 2, **where)
            if n >= 2:
                continue
            self._timed("微心愿", relief_demo.seed_wishes, **where)
            self._timed("营养包", children_demo.seed_nutrition, **where)
            self._timed("志愿服务", volunteers_demo.seed_volunteers, **where)
            self._timed("儿童项目", children_demo.seed_programmes, **where)
        # Last month's report pack, as the 02:00 job on the 1st would have built it.
        started_packs = time.monotonic(), time.process_time()
        packs = reports_build_scheduled() if subdistricts == 1 else sum(
            report_build(subdistrict=p.subdistrict, month=previous_month(), via=MonthlyReport.Via.SCHEDULE,
                         replace=False) is not None for p in places[:2])
        self._took_since("月报", started_packs)
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
        if self.verbosity >= 2:  # -v 2: where the time went (seconds, summed over the sub-districts)
            self.took["其余"] = (took - sum(wall for wall, _ in self.took.values()),  # places, accounts, second factors
                               time.process_time() - started_cpu - sum(cpu for _, cpu in self.took.values()))
            self.stdout.write("各步用时（CPU）：" + "，".join(f"{step} {wall:.1f} 秒（{cpu:.1f}）"
                                                      for step, (wall, cpu) in self.took.items()))
        if subdistricts > 1:
            self.stdout.write(f"  （共 {len(places)} 个街道，district 可看全区；上月月报只生成了前两个街道的，"
                              "其余街道的由每月 1 日的定时任务或月报页生成。）")
        self.stdout.write(f"动态验证码：所有演示账号共用身份验证器密钥 {totp_secret}。把它加入任一身份验证器 App"
                          "（或粘贴下面的链接），或运行 make otp-code 显示当前的 6 位验证码：")
        self.stdout.write(f"  {otp.otpauth_uri(totp_secret, '演示账号')}")

    def _finish(self, registry: bulk.Rebuild, activity: bulk.Rebuild) -> None:
        """The registry's indexes, built while the accounts, meals and visits were made, and its keys; then the
        meals' and visits' (nothing, unless their load failed before building them); each whatever the other
        did."""
        waited = time.monotonic(), time.process_time()
        try:
            registry.finish()
        finally:
            activity.finish()
            self._took_since("索引", waited)

    def _meals_and_visits(self, places, accounts, subdistricts: int, residents: int, seed: int, totp_secret: str,
                          dropped: bulk.Rebuild):
        """`dropped`: the meals' and visits' indexes and keys when the district's registry load dropped them."""
        for user in User.objects.filter(username__in=[username for username, _, _ in accounts]):
            otp.demo_device(user, totp_secret)  # every account has a second factor, ready to use
        # Each feature seeds its own data; this command (in the top app) is the one place that calls them all.
        # The data that grows with the registry (meals, visits, the old ledger's cases) is streamed for every
        # sub-district; the few dozen cases, wishes, plans, volunteers and classes walked through the services
        # (each with its history) for the first two, as in the two-sub-district demo: walked, they take some
        # seconds per sub-district whatever its size.
        # Meals and visits of all the sub-districts as one load (their indexes built once, at the end); what
        # is walked through the services after it, when every index is there for the services' queries.
        # Dropped in an earlier transaction (the district's), their indexes built in this one go if it fails:
        # then they are still to build (finish).
        to_build = list(dropped.dropped)
        try:
            return self._load_meals_and_visits(places, subdistricts, residents, seed, dropped)
        except BaseException:
            dropped.dropped = to_build
            raise

    def _load_meals_and_visits(self, places, subdistricts: int, residents: int, seed: int, dropped: bulk.Rebuild):
        meals = visits = 0
        visited = []
        with transaction.atomic():
            # They are written together (this transaction): a sub-district with either has both, from an earlier
            # run. Asked before the load: during it each question reads the whole unindexed table (in the district
            # their indexes went with the registry's load, and on a fresh database the tables are still empty).
            fresh = [place for place in places if not Meal.objects.filter(point__subdistrict=place.subdistrict)
                     .exists() and not Visit.objects.filter(resident__community__subdistrict=place.subdistrict)
                     .exists()]
            with bulk.rebuilt_indexes(Meal, Visit, adding=residents * 2) if not dropped.dropped else nullcontext():
                for place in fresh:
                    where = {"subdistrict": place.subdistrict, "seed": seed, "fresh": True}
                    # In the district a twelfth of the elders eat at a canteen: some ten million meals a year for
                    # a million residents, the bureau's own figure (an eighth in the two-sub-district demo).
                    meals += self._timed("用餐", care_demo.seed_care, **where,
                                         regulars_share=1 / 8 if subdistricts == 1 else 1 / 12)
                    written = self._timed("走访", visits_demo.seed_visits, **where, refill=False)
                    if written:
                        visited.append(place.subdistrict)
                    visits += written
                loaded = time.monotonic(), time.process_time()
                dropped.build_here()
            self._took_since("索引", loaded)
        return meals, visits, visited

    def _two_subdistricts(self, residents: int, seed: int, password: str):
        """和平里 with most of the residents, 安贞 next door with a tenth, so that the district bureau's view and
        the scope between sub-districts can be tried."""
        neighbours = int(residents * demo.NEIGHBOUR_SHARE)
        result = self._timed("居民", demo.seed, residents=residents - neighbours, seed=seed)
        demo.seed_points(subdistrict=result.subdistrict, seed=seed)
        accounts = demo.ensure_accounts(result.subdistrict, password)  # point1 works at the first canteen
        accounts.append(volunteers_demo.ensure_team_leader(result.subdistrict, password))  # leads 幸福来敲门
        places = [result]
        if neighbours:
            spec = demo.NEIGHBOUR
            next_door = self._timed("居民", demo.seed, residents=neighbours, seed=seed + 1, name=spec["name"],
                                    code=spec["code"], communities=spec["communities"],
                                    grids_per_community=spec["grids_per_community"], estates=spec["estates"],
                                    regions=spec["regions"])
            demo.seed_points(subdistrict=next_door.subdistrict, seed=seed, points=demo.NEIGHBOUR_POINTS)
            accounts += demo.ensure_neighbour_accounts(next_door.subdistrict, password)
            places.append(next_door)
        return places, accounts

    def _district(self, count: int, residents: int, seed: int, password: str):
        """The district's first `count` sub-districts, about twenty communities each, the residents shared
        evenly; the same accounts as the two-sub-district demo, and an admin and a staff member at each other."""
        places = []
        specs = demo.district(count, seed=seed)
        # One load for the whole registry: its indexes built once at the end, not again for each sub-district.
        # Committed before its indexes are built: they are built on a connection of their own (registry.start)
        # while the accounts, meals and visits are made, the seed's Python on one core and the build on the
        # other (one after the other, the build left a core idle for half a minute at a million). The meals'
        # and visits' keys name residents: dropping one holds the residents' table against that build until its
        # transaction ends, so they are dropped here, before it starts, and built again when their load ends.
        with transaction.atomic():
            with (bulk.rebuilt_indexes(Meal, Visit, adding=residents * 2, later=True) as activity,
                  bulk.rebuilt_indexes(Household, Resident, ResidentTag, adding=residents, later=True) as registry):
                for k, spec in enumerate(specs):
                    share = residents // count + (1 if k < residents % count else 0)
                    places.append(self._timed("居民", demo.seed, residents=share, seed=seed + k, **spec))
        registry.start()
        try:
            accounts = self._district_accounts(specs, places, seed, password)
        except BaseException:
            self._finish(registry, activity)  # the indexes and keys built all the same, then the error told
            raise
        return places, accounts, registry, activity

    def _district_accounts(self, specs: list[dict], places, seed: int, password: str) -> list:
        accounts = []
        for k, (spec, place) in enumerate(zip(specs, places, strict=True)):
            if k == 0:
                demo.seed_points(subdistrict=place.subdistrict, seed=seed)
                accounts += demo.ensure_accounts(place.subdistrict, password)
                accounts.append(volunteers_demo.ensure_team_leader(place.subdistrict, password))
            elif k == 1:
                demo.seed_points(subdistrict=place.subdistrict, seed=seed, points=demo.NEIGHBOUR_POINTS)
                accounts += demo.ensure_neighbour_accounts(place.subdistrict, password)
            else:
                demo.seed_points(subdistrict=place.subdistrict, seed=seed, points=demo.district_points(spec))
                admin, staff = demo.DISTRICT_PEOPLE[k - 2]
                accounts += demo.ensure_subdistrict_accounts(
                    place.subdistrict, password, admin=(f"admin{k + 1}", admin), staff=(f"staff{k + 3}", staff))
        return accounts
