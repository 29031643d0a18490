"""Demo volunteers (seed_demo): teams with the offices' kinds of names, volunteers (some of them residents, some
party members), activities with attendance, pairings, orders in every state with ratings, and a team leader's
account, `team1`, leading the first community's 幸福来敲门. Walked through the services, so each has its history."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from jiedao.models import Role, User
from residents import demo as places
from residents import id_numbers
from residents.models import Resident, Subdistrict

from . import services
from .choices import HoursSource, OrderState
from .models import Activity, Attendance, HoursEntry, ServiceKind, SignUp, Team, Volunteer

TEAMS = ["幸福来敲门", "筷乐送餐", "小红星", "邻里互助队"]
KINDS = ["上门保洁", "维修", "理发", "代购", "陪诊"]
NAMES = ["刘建军", "陈小红", "杨帆", "黄丽萍", "赵晓东", "孙静", "周海燕", "吴国庆", "郑雪", "冯磊", "何琳", "高峰"]
UNITS = ["区税务局", "区教育局", "区卫健委", "街道办事处"]


def ensure_team_leader(subdistrict: Subdistrict, password: str) -> tuple[str, str, str]:
    """The account `team1` (服务队队长), reset to `password`; its volunteer and team come with seed_volunteers."""
    user, _ = User.objects.get_or_create(username="team1")
    user.role, user.first_name, user.subdistrict = Role.TEAM_LEADER, "刘建军", subdistrict
    user.is_active, user.disabled_reason, user.must_change_password = True, "", False
    places.set_demo_password(user, password)
    user.save()
    return "team1", Role.TEAM_LEADER.label, f"{subdistrict.name} · {TEAMS[0]}"


@transaction.atomic
def seed_volunteers(*, subdistrict: Subdistrict, seed: int = 1) -> int:
    """A second call adds nothing. Returns how many volunteers were registered."""
    if Volunteer.objects.filter(subdistrict=subdistrict).exists():
        return 0
    admin = User.objects.filter(subdistrict=subdistrict, role=Role.SUBDISTRICT_ADMIN).order_by("id").first()
    staff = User.objects.filter(subdistrict=subdistrict, role=Role.COMMUNITY_STAFF).order_by("id").first()
    grid = User.objects.filter(subdistrict=subdistrict, role=Role.GRID_WORKER).order_by("id").first()
    if admin is None or staff is None:
        return 0
    rng = random.Random(seed)
    communities = list(subdistrict.communities.order_by("id"))
    home = staff.communities.order_by("id").first() or communities[0]
    kinds = [services.service_kind_save(actor=admin, kind=ServiceKind(name=name)) for name in KINDS]
    teams = [services.team_save(actor=admin, team=Team(name=name, community=None if i == 3 else
                                                       communities[i % len(communities)] if i else home))
             for i, name in enumerate(TEAMS)]
    # Residents of the first community who volunteer (their record is linked), and others who live elsewhere.
    locals_ = list(Resident.objects.filter(community=home, birth_date__gte=date(1960, 1, 1)).active()[:6])
    volunteers = []
    for i, name in enumerate(NAMES):
        team = teams[i % len(teams)]
        resident = locals_[i] if i < len(locals_) and i % 2 else None
        # The whole sub-district's team (邻里互助队) is of volunteers of no community: the sheet's 街道（不分社区）.
        data = {"name": resident.name if resident else name, "community": team.community if i % len(teams) == 3
                else team.community or home,
                # Those who live elsewhere: numbers of a region of their own per sub-district (one volunteer a number).
                "id_number": resident.id_number if resident else id_numbers.make(
                    f"1309{subdistrict.pk % 100:02d}", date(1970 + i, 1 + i % 12, 3), 500 + 2 * i, female=i % 2 == 1),
                "phone": f"1390000{1000 + i}", "skills": rng.choice(["理发、维修", "陪诊、代购", "辅导作业", "送餐"]),
                "availability": rng.choice(["周末", "工作日晚上", "每周二上午"]), "party_member": i % 3 == 0,
                "work_unit": UNITS[i % len(UNITS)] if i % 3 == 0 else ""}
        volunteers.append(services.volunteer_create(actor=admin, data=data))
    joined = timezone.localdate() - timedelta(days=120)
    for i, volunteer in enumerate(volunteers):
        services.membership_add(actor=admin, team=teams[i % len(teams)], volunteer=volunteer, joined_on=joined)
    for team, leader in zip(teams, volunteers, strict=False):
        team.leader = leader
        services.team_save(actor=admin, team=team)
    leader_account = User.objects.filter(username="team1", subdistrict=subdistrict).first()
    if leader_account is not None:
        services.volunteer_link_account(actor=admin, volunteer=volunteers[0], account=leader_account)
    _activities(teams, admin, rng)
    if leader_account is not None:
        _orders(subdistrict, staff, admin, leader_account, teams[0], kinds, rng)
    _pairings(staff, grid, volunteers)
    return len(volunteers)


def _this_month_start():
    """09:00 on the 1st of this month (local), or, on the 1st itself, the start of today: an activity already held
    this month whenever the demo is seeded, so the dashboard's 志愿服务 sheet counts one."""
    today = timezone.localdate()
    start = timezone.make_aware(datetime.combine(today.replace(day=1), time(9)))
    return start if today.day > 1 else timezone.make_aware(datetime.combine(today, time(0)))


def _activities(teams, admin, rng) -> None:
    """Past activities of each team with most sign-ups attending (hours credited): one this month, and one to
    come."""
    now = timezone.now()
    for team in teams:
        members = list(Volunteer.objects.filter(memberships__team=team, memberships__left_on__isnull=True))
        for weeks in (0, 1, 3, -1):
            start = _this_month_start() if weeks == 0 else (now - timedelta(weeks=weeks)).replace(
                hour=9, minute=0, second=0, microsecond=0)
            activity = services.activity_save(actor=admin, activity=Activity(
                team=team, name=f"{team.name} · {rng.choice(['楼道清扫', '暑期学习室', '助老送餐', '义诊'])}",
                place="社区活动室", starts_at=start, ends_at=start + timedelta(hours=3), capacity=10))
            for volunteer in members:
                SignUp.objects.create(activity=activity, volunteer=volunteer)
                if weeks >= 0:
                    out = start + timedelta(minutes=rng.choice([90, 120, 150, 180]))
                    Attendance.objects.create(activity=activity, volunteer=volunteer, checked_in_at=start,
                                              checked_out_at=out, by=admin)
                    HoursEntry.objects.create(volunteer=volunteer, date=timezone.localdate(start),
                                              hours=Decimal((out - start).seconds // 900) / 4,
                                              source=HoursSource.ACTIVITY, activity=activity,
                                              project=activity.name[:100], by=admin)


def _orders(subdistrict, staff, admin, leader, team, kinds, rng) -> None:
    """Orders in every state, walked through the path: one declined once and back for another dispatch."""
    residents = list(Resident.objects.visible_to(staff).active().order_by("id")[:12])
    members = list(Volunteer.objects.filter(memberships__team=team, memberships__left_on__isnull=True))
    targets = [OrderState.REQUESTED, OrderState.DISPATCHED, OrderState.ACCEPTED, OrderState.DONE, OrderState.RATED,
               OrderState.RATED, OrderState.DECLINED]
    for resident, target in zip(residents, targets, strict=False):
        order = services.order_create(actor=staff, resident=resident, service=rng.choice(kinds),
                                      wanted_at=timezone.now() + timedelta(days=2), notes="居民电话点单")
        if target == OrderState.REQUESTED:
            continue

        def dispatch(order=order):
            return services.order_transition(actor=admin, order=order, to=OrderState.DISPATCHED, team=team,
                                             deadline=timezone.now() + timedelta(days=3))

        order = dispatch()
        if target == OrderState.DECLINED:
            services.order_transition(actor=leader, order=order, to=OrderState.DECLINED, comment="本周人手不足")
            continue
        if target == OrderState.DISPATCHED:
            continue
        order = services.order_transition(actor=leader, order=order, to=OrderState.ACCEPTED, comment="周末上门")
        if target == OrderState.ACCEPTED:
            continue
        order = services.order_transition(actor=leader, order=order, to=OrderState.DONE, note="已完成，居民满意",
                                          hours=[{"volunteer": v, "hours": "1.5"} for v in members[:2]])
        if target == OrderState.RATED:
            services.order_transition(actor=staff, order=order, to=OrderState.RATED, rating=rng.choice([4, 5]),
                                      comment="服务很周到")


def _pairings(staff, grid, volunteers) -> None:
    """Key residents paired with a volunteer of the first team, and one with the grid worker; a visit or two."""
    elders = list(Resident.objects.visible_to(staff).active().filter(care_tier="key").order_by("id")[:3])
    member = volunteers[0]
    for elder in elders[:2]:
        pairing = services.pairing_create(actor=staff, resident=elder, volunteer=member, rhythm="weekly")
        # Visited (so the sheet's 按期走访 has one): with the grid worker when the elder is theirs, else by staff.
        visitor = grid if grid is not None and Resident.objects.visible_to(grid).filter(pk=elder.pk).exists() \
            else staff
        services.pairing_visit_record(actor=visitor, pairing=pairing, notes="陪老人聊天")
    if grid is not None and len(elders) > 2 and Resident.objects.visible_to(grid).filter(pk=elders[2].pk).exists():
        services.pairing_create(actor=staff, resident=elders[2], worker=grid, rhythm="biweekly")
