"""A plausible demo sub-district, deterministic for a seed: places, households, residents, accounts.

Rates are rough figures from sub-district reports: a fifth of residents over 60, about 8% over 80,
one elder in eight living alone, a few percent on 低保 or with a disability.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from jiedao.models import Role, User

from . import id_numbers
from .models import (
    CareDependency,
    CareTier,
    Community,
    DisabilityType,
    Grid,
    Household,
    RelationToHead,
    ResidenceType,
    Resident,
    ResidentTag,
    ServicePoint,
    Subdistrict,
    Tag,
)
from .services import set_derived_fields

SUBDISTRICT = "和平里街道"
COMMUNITIES = ["和平里一区社区", "和平里二区社区", "青年沟东路社区", "民旺社区", "兴化社区"]
GRIDS_PER_COMMUNITY = 4
ESTATES = ["和平里一区", "和平里二区", "青年沟小区", "民旺园", "兴化西里", "化工小区", "北街家园", "雍和家园"]
REGIONS = ["110105", "110101", "110102", "110108", "130102", "370102", "410105", "420106", "510104", "230103"]
# The sub-district next door, so that the district bureau's view (grouped by sub-district) and the
# scope between sub-districts can be tried. Its people were born in other regions than 和平里's, so no
# ID number of one can meet the other's.
NEIGHBOUR = {"name": "安贞街道", "code": "110105002", "communities": ["安华里社区", "安贞里社区", "外馆斜街社区"],
             "grids_per_community": 3, "estates": ["安华里", "安贞里", "外馆斜街", "安苑北里", "华严北里"],
             "regions": ["110106", "110107", "110111", "120101", "140105", "320102", "330106", "440106"]}
# Its share of seed_demo's residents (the total stays what was asked for, and so does the seeding time).
NEIGHBOUR_SHARE = 0.1
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
            "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
            "万钱严覃武戴莫孔向汤单解查")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉兰凤春梅建国建华志强淑珍秀兰桂兰玉珍"
         "德明宏伟晓东海燕红梅丽华文静子涵浩然欣怡梓轩雨桐一诺宇航思远佳怡俊杰嘉怡露晨阳光辉云飞秋菊")
# Share of residents by age band (years): old-skewed, a fifth over 60.
AGE_BANDS = [((0, 17), 13), ((18, 39), 27), ((40, 59), 38), ((60, 79), 14), ((80, 99), 8)]

PASSWORD_DEFAULT = "Demo-Spring-58"


@dataclass
class SeedResult:
    subdistrict: Subdistrict
    residents: int
    households: int
    created: bool


def _name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def _birth(rng: random.Random, today: date, *, alone: bool = False) -> date:
    # One-person households are mostly elders: that is where 独居 comes from.
    bands = AGE_BANDS[3:] if alone and rng.random() < 0.55 else AGE_BANDS[1:] if alone else AGE_BANDS
    (low, high), = rng.choices([b for b, _ in bands], weights=[w for _, w in bands])
    age = rng.randint(low, high)
    return today - timedelta(days=age * 365 + rng.randint(0, 364))


def _tags(rng: random.Random, age: int, household_size: int) -> list[str]:
    tags = []
    chance = rng.random
    if age >= 60:
        if household_size == 1 and chance() < 0.85:
            tags.append(Tag.LIVING_ALONE)
        elif household_size == 2 and chance() < 0.6:
            tags.append(Tag.EMPTY_NEST)
        if chance() < (0.12 if age >= 80 else 0.03):
            tags.append(Tag.DISABLED_CARE)
        if chance() < 0.01:
            tags.append(Tag.CHILDLESS_WIDOWED)
    if age >= 50 and chance() < 0.004:
        tags.append(Tag.BEREAVED_PARENT)
    if chance() < 0.06:
        tags.append(Tag.DISABILITY)
    if chance() < 0.02:
        tags.append(Tag.DIBAO)
    elif chance() < 0.01:
        tags.append(Tag.LOW_INCOME_EDGE)
    if chance() < 0.003:
        tags.append(Tag.TEKUN)
    if age < 18:
        if chance() < 0.01:
            tags.append(Tag.CHILD_IN_DIFFICULTY)
        if chance() < 0.02:
            tags.append(Tag.LEFT_BEHIND_CHILD)
        if chance() < 0.001:
            tags.append(Tag.ORPHAN)
    if 18 <= age < 60 and chance() < 0.02:
        tags.append(Tag.EMPLOYMENT_DIFFICULTY)
    return tags


def _care_tier(age: int, tags: list[str]) -> str:
    if Tag.TEKUN in tags or Tag.DISABLED_CARE in tags or (Tag.LIVING_ALONE in tags and age >= 80):
        return CareTier.KEY
    if Tag.LIVING_ALONE in tags or Tag.CHILDLESS_WIDOWED in tags or Tag.BEREAVED_PARENT in tags:
        return CareTier.REGULAR
    if age >= 60 and (Tag.EMPTY_NEST in tags or Tag.DISABILITY in tags or Tag.DIBAO in tags):
        return CareTier.GENERAL
    return CareTier.NONE


def ensure_accounts(subdistrict: Subdistrict, password: str) -> list[tuple[str, str, str]]:
    """The demo accounts (created or reset to `password`): (username, role label, scope)."""
    communities = list(subdistrict.communities.order_by("id")[:3])
    spec = [
        ("admin", Role.SUBDISTRICT_ADMIN, "赵建华", [], []),
        ("leader", Role.SUBDISTRICT_LEADER, "钱国强", [], []),
        ("security", Role.SECURITY_ADMIN, "冯志远", [], []),  # 三员: accounts; the admin keeps the places
        ("auditor", Role.AUDITOR, "孙丽娟", [], []),
        ("district", Role.DISTRICT_OFFICER, "郑伟", [], []),
    ]
    staff_names, grid_names = ["王丽", "李强", "陈静"], ["周敏", "吴涛", "徐芳"]
    for i, community in enumerate(communities, start=1):
        spec.append((f"staff{i}", Role.COMMUNITY_STAFF, staff_names[i - 1], [community], []))
    for i, community in enumerate(communities, start=1):
        grid = community.grids.order_by("id").first()
        spec.append((f"grid{i}", Role.GRID_WORKER, grid_names[i - 1], [], [grid]))
    canteen = ServicePoint.objects.filter(subdistrict=subdistrict, kind="canteen").order_by("id").first()
    spec.append(("point1", Role.POINT_OPERATOR, "吴敏", [], []))
    rows = []
    for username, role, person, comms, grids in spec:
        user, _ = User.objects.get_or_create(username=username)
        user.role = role
        user.first_name = person
        user.subdistrict = None if role == Role.DISTRICT_OFFICER else subdistrict
        user.service_point = canteen if role == Role.POINT_OPERATOR else None
        user.is_active = True
        user.disabled_reason = ""
        user.set_password(password)
        user.must_change_password = False  # demo accounts are ready to use: no first-login change
        user.save()
        user.communities.set(comms)
        user.grids.set(grids)
        scope = "、".join(str(x) for x in [*comms, *grids]) or (
            "全区" if role == Role.DISTRICT_OFFICER else str(canteen) if role == Role.POINT_OPERATOR and canteen
            else subdistrict.name)
        rows.append((username, role.label, scope))
    return rows


def ensure_neighbour_accounts(subdistrict: Subdistrict, password: str) -> list[tuple[str, str, str]]:
    """The next-door sub-district's two accounts (created or reset to `password`): its admin, who moves
    and pays its cases, and one community's staff, who opens them; (username, role label, scope)."""
    community = subdistrict.communities.order_by("id").first()
    rows = []
    for username, role, person, comms in [("admin2", Role.SUBDISTRICT_ADMIN, "孔德海", []),
                                          ("staff4", Role.COMMUNITY_STAFF, "韩梅", [community])]:
        user, _ = User.objects.get_or_create(username=username)
        user.role, user.first_name, user.subdistrict, user.is_active = role, person, subdistrict, True
        user.set_password(password)
        user.save()
        user.communities.set(comms)
        rows.append((username, role.label, str(community) if comms else subdistrict.name))
    return rows


@transaction.atomic
def seed(*, residents: int, seed: int = 1, today: date | None = None, name: str = SUBDISTRICT,
         code: str = "110105001", communities: list[str] = COMMUNITIES, grids_per_community: int = GRIDS_PER_COMMUNITY,
         estates: list[str] = ESTATES, regions: list[str] = REGIONS) -> SeedResult:
    """Create the demo sub-district (和平里街道, or another named with its places) with `residents`
    residents; a second call changes nothing."""
    existing = Subdistrict.objects.filter(name=name).first()
    if existing is not None:
        count = Resident.objects.filter(community__subdistrict=existing).count()
        return SeedResult(existing, count, Household.objects.filter(grid__community__subdistrict=existing).count(),
                          created=False)
    rng = random.Random(seed)
    today = today or timezone.localdate()
    subdistrict = Subdistrict.objects.create(name=name, code=code)
    grids = []
    for c, community_name in enumerate(communities, start=1):
        community = Community.objects.create(subdistrict=subdistrict, name=community_name, code=f"{c:03d}",
                                             phone=f"010-6421{c:04d}")
        for g in range(1, grids_per_community + 1):
            grids.append(Grid.objects.create(community=community, name=f"第{g}网格", code=f"{c:02d}{g:02d}"))

    # Households of one to five people, each at an address of its grid.
    households, sizes = [], []
    remaining = residents
    while remaining > 0:
        size = min(remaining, rng.choices([1, 2, 3, 4, 5], weights=[18, 34, 26, 15, 7])[0])
        grid = rng.choice(grids)
        households.append(Household(
            grid=grid, number=f"{grid.code}{len(households) + 1:06d}", estate=rng.choice(estates),
            building=str(rng.randint(1, 30)), unit=str(rng.randint(1, 6)),
            room=f"{rng.randint(1, 18)}{rng.randint(1, 4):02d}"))
        sizes.append(size)
        remaining -= size
    Household.objects.bulk_create(households, batch_size=2000)

    seen: set[str] = set()
    people, tag_lists = [], []
    for household, size in zip(households, sizes, strict=True):
        # The oldest member heads the household; the others relate to them by age.
        births = sorted(_birth(rng, today, alone=size == 1) for _ in range(size))
        head_age = id_numbers.age_between(births[0], today)
        has_spouse = False
        for member, birth in enumerate(births):
            female = rng.random() < 0.52
            while True:
                number = id_numbers.make(rng.choice(regions), birth, rng.randint(0, 999), female=female)
                if number not in seen:
                    seen.add(number)
                    break
            name = _name(rng)
            age = id_numbers.age_between(birth, today)
            tags = _tags(rng, age, size)
            if member == 0:
                relation = RelationToHead.SELF
            elif head_age - age >= 40:
                relation = RelationToHead.GRANDCHILD
            elif head_age - age >= 18:
                relation = RelationToHead.CHILD
            elif not has_spouse:
                relation, has_spouse = RelationToHead.SPOUSE, True
            else:
                relation = RelationToHead.SIBLING
            resident = Resident(
                name=name, id_number=number, phone=f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}"
                if rng.random() < 0.85 else "",
                residence_type=rng.choices(list(ResidenceType), weights=[70, 20, 10])[0],
                grid=household.grid, household=household,
                relation_to_head=relation,
                estate=household.estate, building=household.building, unit=household.unit, room=household.room,
                care_tier=_care_tier(age, tags), care_tier_since=today - timedelta(days=rng.randint(14, 60)),
                care_dependency=rng.choice(list(CareDependency)) if Tag.DISABLED_CARE in tags else "",
                disability_type=rng.choice(list(DisabilityType)) if Tag.DISABILITY in tags else "",
                disability_grade=rng.randint(1, 4) if Tag.DISABILITY in tags else None,
            )
            set_derived_fields(resident)  # birth date, sex, pinyin keys, community: the services' rule
            people.append(resident)
            tag_lists.append(tags)
    Resident.objects.bulk_create(people, batch_size=2000)
    # The register existed before the portal: its people were entered from the old ledger, years ago,
    # so last month's report pack counts them (auto_now_add would date them all today).
    Resident.objects.filter(community__subdistrict=subdistrict).update(
        created_at=timezone.now() - timedelta(days=3 * 365))
    ResidentTag.objects.bulk_create(
        [ResidentTag(resident_id=p.pk, tag=t) for p, tags in zip(people, tag_lists, strict=True) for t in tags],
        batch_size=5000)
    Household.objects.filter(grid__community__subdistrict=subdistrict).update(head=Subquery(
        Resident.objects.filter(household=OuterRef("pk"), relation_to_head=RelationToHead.SELF).values("pk")[:1]))
    return SeedResult(subdistrict, len(people), len(households), created=True)


POINTS = [
    # (community index or None for the sub-district, kind, name, rooms)
    (0, "canteen", "和平里一区老年食堂", "助餐厅、后厨"),
    (1, "meal_point", "和平里二区助餐点", "助餐厅"),
    (2, "happiness_station", "青年沟幸福驿站", "休息室、理发室、阅览室"),
    (None, "elderly_center", "和平里街道养老服务中心", "助餐厅、康复室、日间照料室、书画室"),
    (0, "parent_child_hut", "和平里一区亲子小屋", "游戏区、哺乳室"),
    (None, "disabled_home", "和平里街道残疾人之家", "康复室、手工坊"),
    (None, "employment_station", "和平里街道就业服务站", "洽谈室"),
]


NEIGHBOUR_POINTS = [
    (0, "canteen", "安华里老年食堂", "助餐厅、后厨"),
    (None, "elderly_center", "安贞街道养老服务中心", "助餐厅、康复室、日间照料室"),
]


def seed_points(*, subdistrict: Subdistrict, seed: int = 1, points=POINTS) -> list[ServicePoint]:
    """Service points of every kind (the features hang their services off them); a second call returns
    the points already there."""
    existing = list(ServicePoint.objects.filter(subdistrict=subdistrict).order_by("id"))
    if existing:
        return existing
    rng = random.Random(seed)
    communities = list(subdistrict.communities.order_by("id"))
    return [ServicePoint.objects.create(
        subdistrict=subdistrict, community=communities[c] if c is not None and c < len(communities) else None,
        kind=kind, name=name, rooms=rooms, opening_hours="周一至周日 7:00–19:00", capacity=rng.choice([30, 60, 120]),
        address=f"{rng.choice(ESTATES)}{rng.randint(1, 30)}号楼底商", contact_name=_name(rng),
        contact_phone=f"010-6421{rng.randint(1000, 9999)}") for c, kind, name, rooms in points]
