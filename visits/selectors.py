"""Reads that span models: the grid worker's day, compliance, the monthly visit rate."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.lookups import In
from django.utils import timezone

from jiedao.dates import add_months, day_range, years_before
from jiedao.models import Role, User
from jiedao.scope import VISIT_RECORDERS, covers
from residents.models import CareDependency, Resident, ResidentTag, Status, Tag
from residents.selectors import register_on

from . import schedule
from .models import CarePlan, Method, Visit


@dataclass
class DayRow:
    item: schedule.DueItem
    resident: Resident
    missed: bool  # a curtain sign past its deadline: go to the door now

    @property
    def method_label(self) -> str:
        return Method(self.item.method).label


def day_of(user, now: datetime | None = None) -> dict:
    """The grid worker's day: missed curtains, overdue, due today (most urgent first), and what was done.

    Queries: rules, residents, curtain plans, last visits (the schedule), the residents shown, and the
    visits done today: a fixed number, whatever the number of rows.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    scope = Resident.objects.visible_to(user)
    items = schedule.due_items(scope, today=today)
    people = Resident.objects.filter(pk__in=scope.filter(pk__in=[i.resident_id for i in items]).values("pk")) \
        .select_related("grid").in_bulk()
    rows = [DayRow(i, people[i.resident_id], schedule.curtain_missed(i, now)) for i in items]
    rows.sort(key=lambda r: (not r.missed, -r.item.overdue_days, r.item.method != Method.CURTAIN_SIGN))
    start, end = day_range(today, today)
    done = (Visit.objects.visible_to(user).filter(visited_at__gte=start, visited_at__lt=end)
            .select_related("resident", "visitor").order_by("-visited_at")[:DAY_LIMIT])
    sections = {"missed": [r for r in rows if r.missed],
                "overdue": [r for r in rows if not r.missed and r.item.is_overdue],
                "due": [r for r in rows if not r.missed and not r.item.is_overdue]}
    # A grid's day is a few dozen tasks; a whole sub-district's would be thousands: show the most urgent.
    counts = {name: len(section) for name, section in sections.items()}
    return {**{name: section[:DAY_LIMIT] for name, section in sections.items()}, "counts": counts,
            "limit": DAY_LIMIT, "done": done, "today": today}


DAY_LIMIT = 300


def compliance(visits, start: date, end: date, overdue: int) -> dict:
    """准时率 of `visits` (a scoped Visit queryset) for a period: planned visits made on time ÷
    (planned visits made + `overdue`, the items overdue now).

    A visit is on time when it was not overdue against the plan when recorded (Visit.overdue_days);
    what is overdue and not yet visited counts against the rate as well. Curtain signs are a daily
    check of their own (the day page and the alerts follow them), not visits, and are left out.
    """
    return compliance_of(planned_visits(visits, start, end), overdue)


# A planned visit is any but a curtain sign (a daily check of its own); it was on time when it was not overdue
# against the plan when recorded. Counted as filters, so that a count of visits can count these beside it.
PLANNED = ~Q(method=Method.CURTAIN_SIGN)
ON_TIME = PLANNED & Q(overdue_days=0)


def planned_visits(visits, start: date, end: date) -> dict:
    """The planned visits made from `start` to `end` and how many of them on time (counts that add up over
    days: the dashboard counts today apart from the month's earlier days)."""
    first, after = day_range(start, end)
    return (visits.filter(visited_at__gte=first, visited_at__lt=after)
            .aggregate(total=Count("id", filter=PLANNED), on_time=Count("id", filter=ON_TIME)))


def compliance_of(counts: dict, overdue: int) -> dict:
    denominator = counts["total"] + overdue
    return {"visits": counts["total"], "on_time": counts["on_time"], "overdue_now": overdue,
            # Nothing planned and nothing done: no rate to speak of (not a perfect one).
            "rate": round(100 * counts["on_time"] / denominator, 1) if denominator else None}


def responsible_workers(resident_ids) -> dict[int, int]:
    """{resident: user} — the plan's named worker while they may still record visits for the resident,
    else the first grid worker of the resident's grid (none when the grid has no worker)."""
    places = {pk: (grid, community, subdistrict) for pk, grid, community, subdistrict in
              Resident.objects.filter(pk__in=resident_ids).values_list(
                  "pk", "grid_id", "community_id", "community__subdistrict_id")}
    named = dict(CarePlan.objects.filter(resident_id__in=resident_ids, responsible__isnull=False,
                                         responsible__is_active=True, responsible__role__in=VISIT_RECORDERS)
                 .values_list("resident_id", "responsible_id"))
    people = User.objects.filter(pk__in=set(named.values())).prefetch_related("grids", "communities").in_bulk()
    first_worker: dict[int, int] = {}
    for user_id, grid_id in (User.grids.through.objects.filter(
            grid_id__in={g for g, _, _ in places.values()}, user__role=Role.GRID_WORKER, user__is_active=True)
            .order_by("user_id").values_list("user_id", "grid_id")):
        first_worker.setdefault(grid_id, user_id)

    out = {}
    for pk, (grid, community, subdistrict) in places.items():
        user = people.get(named.get(pk))
        if user is not None and covers(user, subdistrict_id=subdistrict, community_id=community, grid_id=grid):
            out[pk] = user.pk
        elif grid in first_worker:
            out[pk] = first_worker[grid]
    return out


def overdue_by_worker(items: list[schedule.DueItem]) -> list[dict]:
    """Overdue items grouped by the worker responsible (None: nobody assigned)."""
    workers = responsible_workers({i.resident_id for i in items})
    counts = Counter(workers.get(i.resident_id) for i in items)
    worst = defaultdict(int)
    for i in items:
        worst[workers.get(i.resident_id)] = max(worst[workers.get(i.resident_id)], i.overdue_days)
    names = User.objects.in_bulk([w for w in counts if w])
    return sorted(({"worker": names.get(w), "count": n, "worst": worst[w]} for w, n in counts.items()),
                  key=lambda row: -row["count"])


def visit_rate(visited: int, due: int) -> float | None:
    """Percent of those due a visit who had one, to one decimal: the one rate behind the dashboard and the
    visit overview. Nobody due: no rate (shown as —), not a perfect one."""
    return round(100 * visited / due, 1) if due else None


# 2022 opinion of the Ministry of Civil Affairs and nine departments on visiting elders: elders who live
# alone, in empty nests, with disabilities (重残: grade 1–2) or lost capacity, or in bereaved families.
TARGET_ELDER_AGE = 60  # 老年人: the age the opinion counts from
TARGET_TAGS = [Tag.LIVING_ALONE, Tag.EMPTY_NEST, Tag.DISABLED_CARE, Tag.BEREAVED_PARENT]


def target_elders(residents, day: date):
    """The target elders among `residents` (a scoped queryset of the register on `day`)."""
    # The tags asked of the resident's own rows, in one EXISTS that names her disability grade: the planner can
    # then only probe each elder's tags, never hash every tagged resident of the table. Hashing them (150,000
    # tags at a million) was 50 ms of a few communities' count after a move, and the set of them built whole
    # 300 ms of a district's dashboard after one visit; probing costs the whole district's count 10% more.
    tags = ResidentTag.objects.filter(resident=OuterRef("pk"))
    disabled = Q(tag=Tag.DISABILITY) & Q(In(OuterRef("disability_grade"), [1, 2]))
    return (residents.filter(birth_date__lte=years_before(day, TARGET_ELDER_AGE))
            .filter(Exists(tags.filter(Q(tag__in=TARGET_TAGS) | disabled)) | Q(care_dependency=CareDependency.FULL)))


def monthly_visit_rate(user, month: date) -> dict:
    """Share of the target elders in the user's scope with at least one home visit in `month`,
    per grid, per community and in all, with the list of those not yet visited."""
    first = month.replace(day=1)
    after = add_months(first, 1)
    day = min(timezone.localdate(), after - timedelta(days=1))
    elders = target_elders(register_on(Resident.objects.visible_to(user), day), day)
    start, end = day_range(first, after - timedelta(days=1))
    visited = set(Visit.objects.filter(resident__in=elders, method=Method.HOME, visited_at__gte=start,
                                       visited_at__lt=end).values_list("resident_id", flat=True))
    by_grid: dict = defaultdict(lambda: [0, 0])
    by_community: dict = defaultdict(lambda: [0, 0])
    missing = []
    for elder in elders.select_related("grid", "community").order_by("community__name", "grid__name", "name_pinyin"):
        seen = elder.pk in visited
        # Keyed by id (two sub-districts may both have a 东园社区), shown by name.
        for bucket in (by_grid[(elder.community_id, elder.community.name, elder.grid_id, elder.grid.name)],
                       by_community[(elder.community_id, elder.community.name)]):
            bucket[0] += 1
            bucket[1] += seen
        if not seen:
            missing.append(elder)

    total = sum(v[0] for v in by_community.values())
    return {
        "month": first, "total": total, "visited": len(visited), "rate": visit_rate(len(visited), total),
        "by_community": [(name, t, s, visit_rate(s, t)) for (_, name), (t, s) in sorted(by_community.items())],
        "by_grid": [(c, g, t, s, visit_rate(s, t)) for (_, c, _, g), (t, s) in sorted(by_grid.items())],
        "missing": missing,
    }


def rule_reach(rule) -> int:
    """How many active residents of the rule's sub-district are in its care tier: whose plan it is part of."""
    return Resident.objects.filter(community__subdistrict_id=rule.subdistrict_id, care_tier=rule.care_tier,
                                   status=Status.ACTIVE).count()
