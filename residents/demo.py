"""A plausible demo sub-district, deterministic for a seed: places, households, residents, accounts.

Rates are rough figures from sub-district reports: a fifth of residents over 60, about 8% over 80,
one elder in eight living alone, a few percent on 低保 or with a disability.
"""

import bisect
import itertools
import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from jiedao import bulk
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
from .pinyin import name_keys

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

# The district (seed_demo --subdistricts N, N ≥ 2): 和平里 and 安贞 first, then the district's others, each with
# about twenty communities of four grids, and ID numbers of regions of its own (no number of one meets another's).
DISTRICT_NAMES = ["东四街道", "交道口街道", "安定门街道", "北新桥街道", "景山街道", "东华门街道", "朝阳门街道",
                  "建国门街道"]
COMMUNITY_WORDS = ["花园", "春秀", "柳荫", "芳草", "新景", "育才", "文华", "光明", "团结", "幸福", "民安", "兴华",
                   "府学", "什锦", "香饵", "钱粮", "北官", "东羊", "南锣", "板桥", "船板", "九道", "草厂", "演乐"]
COMMUNITY_ENDS = ["社区", "里社区", "园社区", "北里社区", "南里社区", "胡同社区"]
# Province codes no demo region uses yet (volunteers.demo gives people from elsewhere 1309xx).
DISTRICT_PROVINCES = ["21", "22", "34", "35", "36", "43", "45", "50", "52", "53", "61", "62"]
DISTRICT_GRIDS = 4


def district(count: int, *, seed: int = 1) -> list[dict]:
    """The places of the district's first `count` sub-districts: keyword arguments of seed() for each."""
    rng = random.Random(seed)
    specs = []
    for k in range(count):
        base = ({"name": SUBDISTRICT, "code": "110105001", "communities": COMMUNITIES, "estates": ESTATES,
                 "regions": REGIONS} if k == 0 else
                {key: NEIGHBOUR[key] for key in ("name", "code", "communities", "estates", "regions")} if k == 1 else
                {"name": DISTRICT_NAMES[k - 2], "code": f"110101{k + 1:03d}", "communities": [], "estates": [],
                 "regions": [f"{DISTRICT_PROVINCES[j]}{k + 1:02d}{d:02d}" for j in (0, 1) for d in (1, 2, 3, 4)]})
        names = list(base["communities"])
        wanted = 18 + rng.randint(0, 4)  # about twenty communities each
        while len(names) < wanted:
            name = rng.choice(COMMUNITY_WORDS) + rng.choice(COMMUNITY_ENDS)
            if name not in names:
                names.append(name)
        estates = list(base["estates"])
        for name in names:
            if len(estates) >= 12:
                break
            estate = name.removesuffix("社区") or name
            if estate not in estates:
                estates.append(estate)
        specs.append({**base, "communities": names, "estates": estates, "grids_per_community": DISTRICT_GRIDS})
    return specs


@dataclass
class SeedResult:
    subdistrict: Subdistrict
    residents: int
    households: int
    created: bool


def _name(rng: random.Random) -> str:
    return "".join(_name_parts(rng.random))


def _name_parts(draw) -> tuple[str, str]:
    """(surname, given name), from `draw` (a random.Random's random)."""
    given = GIVEN[int(draw() * len(GIVEN))]
    if draw() < 2 / 3:
        given += GIVEN[int(draw() * len(GIVEN))]
    return SURNAMES[int(draw() * len(SURNAMES))], given


def _edges(weights: list[int]) -> list[float]:
    """Cumulative shares of `weights`, for bisect over a draw in [0, 1): rng.choices without its cost."""
    total, edges, running = sum(weights), [], 0
    for weight in weights[:-1]:
        running += weight
        edges.append(running / total)
    return edges


RESIDENCE_EDGES = _edges([70, 20, 10])


def _band_table(bands) -> tuple[list, list[float]]:
    return [band for band, _ in bands], _edges([weight for _, weight in bands])


# The age bands to draw from: everyone's, and one-person households' (mostly elders: where 独居 comes from).
BANDS_ALL, BANDS_ADULT, BANDS_ELDER = (_band_table(AGE_BANDS), _band_table(AGE_BANDS[1:]),
                                       _band_table(AGE_BANDS[3:]))


def _birth(draw, today: date, *, alone: bool = False) -> date:
    bands, edges = BANDS_ELDER if alone and draw() < 0.55 else BANDS_ADULT if alone else BANDS_ALL
    low, high = bands[bisect.bisect(edges, draw())]
    age = low + int(draw() * (high - low + 1))
    return today - timedelta(days=age * 365 + int(draw() * 365))


def _tags(draw, age: int, household_size: int) -> list[str]:
    tags = []
    chance = draw
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
        set_demo_password(user, password)
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
    return ensure_subdistrict_accounts(subdistrict, password, admin=("admin2", "孔德海"), staff=("staff4", "韩梅"))


# The district's other sub-districts' admins and staff (seed_demo --subdistricts N): admin3 and staff5 at the
# third, and so on.
DISTRICT_PEOPLE = [("何建平", "许晓燕"), ("吕志刚", "施丽娟"), ("张国华", "曹静"), ("严俊", "金秀英"), ("魏东", "陶敏"),
                   ("姜涛", "戚红"), ("谢明", "邹芳"), ("喻强", "柏丽")]


def ensure_subdistrict_accounts(subdistrict: Subdistrict, password: str, *, admin: tuple[str, str],
                                staff: tuple[str, str]) -> list[tuple[str, str, str]]:
    """A sub-district's admin and its first community's staff, each (username, person): created or reset to
    `password`; (username, role label, scope)."""
    community = subdistrict.communities.order_by("id").first()
    rows = []
    for (username, person), role, comms in [(admin, Role.SUBDISTRICT_ADMIN, []),
                                            (staff, Role.COMMUNITY_STAFF, [community])]:
        user, _ = User.objects.get_or_create(username=username)
        user.role, user.first_name, user.subdistrict, user.is_active = role, person, subdistrict, True
        set_demo_password(user, password)
        user.save()
        user.communities.set(comms)
        rows.append((username, role.label, str(community) if comms else subdistrict.name))
    return rows


@cache
def _hashed(password: str) -> str:
    return make_password(password)


def set_demo_password(user: User, password: str) -> None:
    """set_password() with one hash for every demo account (they share the password; each PBKDF2 hash costs
    half a second, and a district has two dozen accounts). User.save() still dates it and keeps its history."""
    user.password, user._password = _hashed(password), password


# Households written per round of the stream: the memory a seed holds whatever its size.
CHUNK_HOUSEHOLDS = 5_000
HOUSEHOLD_SIZES, HOUSEHOLD_WEIGHTS = [1, 2, 3, 4, 5], [18, 34, 26, 15, 7]
RESIDENCE_TYPES = list(ResidenceType)
RESIDENT_FIELDS = ["id", "name", "id_number", "phone", "gender", "birth_date", "residence_type", "grid_id",
                   "community_id", "household_id", "relation_to_head", "estate", "building", "unit", "room",
                   "care_tier", "care_tier_since", "care_dependency", "disability_type", "disability_grade",
                   "name_pinyin", "name_initials", "created_at"]
HOUSEHOLD_FIELDS = ["id", "grid_id", "number", "estate", "building", "unit", "room", "head_id", "created_at"]


@cache
def _name_part_keys(part: str) -> tuple[str, str]:
    return name_keys(part)


@cache
def _read_apart(surname: str, first: str) -> bool:
    """Whether the surname reads the same before this first character as alone (于 before 思 does not:
    pypinyin reads the phrase 于思 yú sāi)."""
    family, given = _name_part_keys(surname), _name_part_keys(first)
    return name_keys(surname + first) == (family[0] + given[0], family[1] + given[1])


def _keys(surname: str, given: str) -> tuple[str, str]:
    """name_keys(surname + given), from the keys of each part: a million names are some 800,000 distinct
    ones, and pypinyin takes 75 µs for each; the parts are 103 surnames and 8,190 given names. Where the
    surname and the first character make a phrase, the whole name is read. Checked against name_keys for
    every one of the 843,570 names the demo can draw (all equal); tests/residents/test_district_seed.py
    samples them."""
    if not _read_apart(surname, given[0]):
        return name_keys(surname + given)
    family, first = _name_part_keys(surname), _name_part_keys(given)
    return family[0] + first[0], family[1] + first[1]


@transaction.atomic
def seed(*, residents: int, seed: int = 1, today: date | None = None, name: str = SUBDISTRICT,
         code: str = "110105001", communities: list[str] = COMMUNITIES, grids_per_community: int = GRIDS_PER_COMMUNITY,
         estates: list[str] = ESTATES, regions: list[str] = REGIONS) -> SeedResult:
    """Create the demo sub-district (和平里街道, or another named with its places) with `residents`
    residents; a second call changes nothing.

    The people are streamed: households of a few thousand at a time are made and written (COPY on
    PostgreSQL) before the next, so a million residents take the memory of a few thousand. Ids are taken
    beforehand (jiedao.bulk.reserve_ids), so a household names its head as it is written."""
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
    places = [(grid.pk, grid.community_id, grid.code) for grid in grids]
    # Households average 2.6 people: ids enough for the most there can be (one each), the rest unused.
    first_household = bulk.reserve_ids(Household, residents)
    first_resident = bulk.reserve_ids(Resident, residents)
    # The register existed before the portal: its people were entered from the old ledger, years ago, so
    # last month's report pack counts them.
    entered = timezone.now() - timedelta(days=3 * 365)
    households = bulk.Loader(Household, HOUSEHOLD_FIELDS)
    people = bulk.Loader(Resident, RESIDENT_FIELDS)
    tags = bulk.Loader(ResidentTag, ["resident_id", "tag"])
    stream = _population(rng, today=today, residents=residents, places=places, estates=estates, regions=regions,
                         first_household=first_household, first_resident=first_resident, entered=entered)
    with bulk.rebuilt_indexes(Household, Resident, ResidentTag, adding=residents):
        while True:
            chunk = list(itertools.islice(stream, CHUNK_HOUSEHOLDS))
            if not chunk:
                break
            households.write(h for h, _, _ in chunk)
            people.write(r for _, members, _ in chunk for r in members)
            tags.write(t for _, _, links in chunk for t in links)
    return SeedResult(subdistrict, people.written, households.written, created=True)


def _population(rng: random.Random, *, today: date, residents: int, places: list, estates: list[str],
                regions: list[str], first_household: int, first_resident: int, entered):
    """(household row, its residents' rows, their tag rows) for households of one to five people, each at an
    address of its grid, until `residents` people live in them. What set_derived_fields would derive is
    derived here: birth date and sex are those the number is made from, the pinyin keys by _keys, the
    community from the grid, the keyed indexes by the loader. Draws are rng.random() scaled (randint and
    choices cost five times as much, and a million residents draw some twenty million times)."""
    seen: set[int] = set()  # the ID numbers given, as numbers (a million strings would take four times the memory)
    household_id, resident_id = first_household, first_resident
    remaining = residents
    draw = rng.random
    dependencies, disabilities = list(CareDependency), list(DisabilityType)
    size_edges = _edges(HOUSEHOLD_WEIGHTS)
    sinces = [today - timedelta(days=14 + days) for days in range(47)]  # when a tier began: 14–60 days ago
    n_places, n_estates, n_regions = len(places), len(estates), len(regions)
    while remaining > 0:
        size = min(remaining, HOUSEHOLD_SIZES[bisect.bisect(size_edges, draw())])
        grid, community, grid_code = places[int(draw() * n_places)]
        estate, building = estates[int(draw() * n_estates)], str(1 + int(draw() * 30))
        unit, room = str(1 + int(draw() * 6)), f"{1 + int(draw() * 18)}{1 + int(draw() * 4):02d}"
        household = (household_id, grid, f"{grid_code}{household_id - first_household + 1:06d}", estate, building,
                     unit, room, resident_id, entered)
        # The oldest member heads the household; the others relate to them by age.
        births = sorted(_birth(draw, today, alone=size == 1) for _ in range(size))
        head_age = id_numbers.age_between(births[0], today)
        has_spouse = False
        members, links = [], []
        for member, birth in enumerate(births):
            female = draw() < 0.52
            while True:
                number = id_numbers.make(regions[int(draw() * n_regions)], birth, int(draw() * 1000), female=female)
                key = int(number[:17])  # the check digit follows from the rest
                if key not in seen:
                    seen.add(key)
                    break
            surname, given = _name_parts(draw)
            pinyin, initials = _keys(surname, given)
            age = id_numbers.age_between(birth, today)
            tag_list = _tags(draw, age, size)
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
            phone = f"1{'3578'[int(draw() * 4)]}{int(draw() * 1e9):09d}" if draw() < 0.85 else ""
            residence = RESIDENCE_TYPES[bisect.bisect(RESIDENCE_EDGES, draw())]
            tier = _care_tier(age, tag_list)
            since = sinces[int(draw() * 47)]
            dependency = dependencies[int(draw() * len(dependencies))] if Tag.DISABLED_CARE in tag_list else ""
            disabled = Tag.DISABILITY in tag_list
            members.append((
                resident_id, surname + given, number, phone, "F" if female else "M", birth, residence, grid,
                community, household_id, relation, estate, building, unit, room, tier, since, dependency,
                disabilities[int(draw() * len(disabilities))] if disabled else "",
                1 + int(draw() * 4) if disabled else None, pinyin, initials, entered))
            links.extend((resident_id, tag) for tag in tag_list)
            resident_id += 1
        yield household, members, links
        household_id += 1
        remaining -= size


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


def district_points(spec: dict) -> list[tuple]:
    """A district sub-district's service points: a canteen in its first community, a meal point in its second,
    and its elderly centre."""
    short = spec["name"].removesuffix("街道")
    return [(0, "canteen", f"{spec['communities'][0].removesuffix('社区')}老年食堂", "助餐厅、后厨"),
            (1, "meal_point", f"{spec['communities'][1].removesuffix('社区')}助餐点", "助餐厅"),
            (None, "elderly_center", f"{short}街道养老服务中心", "助餐厅、康复室、日间照料室")]


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
