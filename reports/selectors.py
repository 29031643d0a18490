"""The figures of a month, read across the features.

The dashboard, GET /api/v1/dashboard/ and the monthly report pack all read them from monthly_figures(),
so the three can never disagree. Each area is a table with one row per community in the user's scope and
a total row; every count links to the list it was counted from (same filters, so the list shows the same
number). A month that is over is read as it stood at its end; the current month is today's state, which
is what the lists show.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import groupby
from time import time_ns
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.urls import reverse
from django.utils import timezone

from assistance.models import Case, CaseKind, CaseState, CaseTransition, Disbursement
from assistance.workflow import IN_AID, IN_PROGRESS
from elderly_care.models import Meal
from elderly_care.selectors import DINERS
from jiedao.dates import add_months, day_range, month_end, years_before
from jiedao.money import fen
from jiedao.scope import is_district_officer, reads_reports
from residents.models import Community, Resident, Status, Tag
from residents.selectors import register_on
from visits import schedule
from visits.models import Method, Visit
from visits.selectors import compliance, target_elders, visit_rate

OVERDUE_SHOWN = 20


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "count"  # count | money | percent
    # The linked list's summary figure this equals ("count": its number of rows), or None when the link
    # goes to a page that shows the figure another way (the visit overview's rates).
    measure: str | None = "count"


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    as_of: date  # the last day counted: the month's end, or today in the current month
    current: bool

    @classmethod
    def of(cls, month: date) -> "Period":
        first = month.replace(day=1)
        last = month_end(first)
        today = timezone.localdate()
        return cls(first, last, min(today, last), last >= today)

    def dates(self, start: str, end: str) -> dict:
        return {start: self.first.isoformat(), end: self.as_of.isoformat()}


def _money(value) -> str:
    return str(fen(value))  # carried as text in the figures (JSON, cache)


def _table(key, title, columns, communities, values, *, link, extra_rows=(), total=None):
    """Rows per community (values[community_id][column]), any extra rows, and the total row (the sum of
    the rows unless `total` says otherwise). `link(params)` gives a list URL for a cell's filters.

    Over several sub-districts (the district bureau) each sub-district's communities are followed by its
    subtotal row (`subtotal`: true, the sum of its communities, linked with `subdistrict=`): the total is
    still the sum of the community and extra rows, never of the subtotals."""
    several = len({c.subdistrict_id for c in communities}) > 1

    def row(community_id, name, found, where, subdistrict_id=None, subtotal=False):
        cells = {}
        for col in columns:
            value = found.get(col.key, 0)
            cells[col.key] = _money(value) if col.kind == "money" else value
        links = {col.key: link(col, where) for col in columns} if where is not None else {}
        return {"community": community_id, "subdistrict": subdistrict_id, "subtotal": subtotal, "name": name,
                "values": cells, "links": {k: v for k, v in links.items() if v}}

    def summed(rows):
        return {col.key: sum((Decimal(r["values"][col.key]) if col.kind == "money" else r["values"][col.key])
                             for r in rows) for col in columns if col.kind != "percent"}

    shown, counted = [], []
    for subdistrict_id, group in groupby(communities, key=lambda c: c.subdistrict_id):
        group = list(group)
        mine = [row(c.id, f"{c.subdistrict.name}·{c.name}" if several else c.name, values.get(c.id, {}),
                    {"community": c.id}, subdistrict_id) for c in group]
        shown += mine
        counted += mine
        if several:  # a person belongs to one community: distinct diners add up within a sub-district too
            shown.append(row(None, f"{group[0].subdistrict.name} 小计", summed(mine), {"subdistrict": subdistrict_id},
                             subdistrict_id, subtotal=True))
    extra = [row(None, name, found, where) for name, found, where in extra_rows]
    shown += extra
    counted += extra
    shown.append(row(None, "合计", summed(counted) if total is None else total, {}))
    return {"key": key, "title": title, "rows": shown,
            "columns": [{"key": c.key, "label": c.label, "kind": c.kind, "measure": c.measure} for c in columns]}


def _population(user, communities, period: Period) -> dict:
    register = register_on(Resident.objects.visible_to(user), period.as_of)
    values: dict = {}
    for row in register.values("community_id").annotate(
            residents=Count("id"), age60=Count("id", filter=Q(birth_date__lte=years_before(period.as_of, 60))),
            age80=Count("id", filter=Q(birth_date__lte=years_before(period.as_of, 80)))).order_by():
        values[row.pop("community_id")] = row
    # Joined from the register's side: one pass over residents and their tags (a semi-join on the
    # register scanned the residents twice).
    for community_id, tag, n in (register.filter(tag_links__isnull=False)
                                 .values_list("community_id", "tag_links__tag").annotate(n=Count("id")).order_by()):
        values.setdefault(community_id, {})[tag] = n
    columns = [Column("residents", "在册居民"), Column("age60", "60 岁以上"), Column("age80", "80 岁以上"),
               *(Column(code, label) for code, label in Tag.choices)]
    params = {"residents": {}, "age60": {"age_min": 60}, "age80": {"age_min": 80},
              **{code: {"tags": code} for code in Tag.values}}

    def link(col, where):
        # Today's register is the list; a past month's register has no list of its own.
        return _url("residents:resident_list", {**where, **params[col.key]}) if period.current else None

    return _table("population", "人口与特殊群体", columns, communities, values, link=link)


def _visits(user, communities, period: Period) -> dict:
    start, end = day_range(period.first, period.as_of)
    visits = Visit.objects.visible_to(user).filter(visited_at__gte=start, visited_at__lt=end)
    values: dict = {}
    for row in visits.values("resident__community_id").annotate(
            visits=Count("id"), **{m: Count("id", filter=Q(method=m)) for m in Method.values}).order_by():
        values[row.pop("resident__community_id")] = row
    home_visited = Visit.objects.filter(resident=OuterRef("pk"), method=Method.HOME, visited_at__gte=start,
                                        visited_at__lt=end)
    elders = target_elders(register_on(Resident.objects.visible_to(user), period.as_of), period.as_of)
    for row in elders.values("community_id").annotate(
            target=Count("id"), target_visited=Count("id", filter=Q(Exists(home_visited)))).order_by():
        values.setdefault(row.pop("community_id"), {}).update(row)
    columns = [Column("visits", "走访记录（合计）"), *(Column(code, label) for code, label in Method.choices),
               Column("target", "重点老人", measure=None), Column("target_visited", "当月已上门", measure=None),
               Column("target_rate", "上门率 %", kind="percent", measure=None)]
    methods = {"visits": {}, **{code: {"method": code} for code in Method.values}}

    def link(col, where):
        if "subdistrict" in where:  # the visit list has no sub-district filter (yet): a subtotal has no list
            return None
        if col.key not in methods:  # the overview lists the target elders not yet visited, by community
            return f"{reverse('visits:overview')}?month={period.first:%Y-%m}"
        return _url("visits:list", {**where, **methods[col.key], **period.dates("date_from", "date_to")})

    table = _table("visits", "走访", columns, communities, values, link=link)
    for row in table["rows"]:  # a rate is not summed: each row's (and the total's) from its own counts
        row["values"]["target_rate"] = visit_rate(row["values"]["target_visited"], row["values"]["target"])
    return table


def _meals(user, communities, period: Period) -> dict:
    meals = Meal.objects.visible_to(user).filter(date__gte=period.first, date__lte=period.as_of)
    sums = {"meals": Count("id"), "diners": DINERS, "paid": Sum("price"), "subsidy": Sum("subsidy")}
    ours = [c.id for c in communities]
    values = {row.pop("resident__community_id"): row for row in meals.filter(resident__community_id__in=ours)
              .values("resident__community_id").annotate(**sums).order_by()}
    # Guests, and residents of other sub-districts who ate at these points: a row of their own, so the
    # rows add up to the total of the points' meals.
    others = meals.filter(Q(resident__isnull=True) | ~Q(resident__community_id__in=ours)).aggregate(**sums)
    total = meals.aggregate(**sums)  # diners are distinct people: not the sum of the rows
    columns = [Column("meals", "用餐人次"), Column("diners", "就餐人数", measure="diners"),
               Column("paid", "个人支付（元）", kind="money", measure="paid"),
               Column("subsidy", "补贴（元）", kind="money", measure="subsidy")]

    def link(col, where):
        return _url("care:meal_list", {**where, **period.dates("date_from", "date_to")})

    return _table("meals", "助餐与补贴", columns, communities, values, link=link,
                  extra_rows=[("来宾及外街道居民", others, {"others": "true"})], total=total)


def _cases(user, communities, period: Period) -> dict:
    start, end = day_range(period.first, period.as_of)
    cases = Case.objects.visible_to(user)
    if period.current:
        state = F("state")
    else:  # the state each case was in at the month's end, from its transitions
        cases = cases.filter(opened_at__lt=end)
        state = Subquery(CaseTransition.objects.filter(case=OuterRef("pk"), at__lt=end)
                         .order_by("-at", "-id").values("to_state")[:1])
    values: dict = {}
    by_kind: dict = {}
    by_subdistrict: dict = {}  # subdistrict id → kind → state → n, for the bureau's view of one sub-district
    subdistrict_of = {c.id: c.subdistrict_id for c in communities}
    for community_id, kind, now, n in (cases.annotate(then=state).values_list("resident__community_id", "kind", "then")
                                       .annotate(n=Count("id")).order_by()):
        found = values.setdefault(community_id, {})
        group = "in_aid" if now in IN_AID else "in_progress" if now in IN_PROGRESS else None
        if group:
            found[group] = found.get(group, 0) + n
        for counts in (by_kind, by_subdistrict.setdefault(subdistrict_of.get(community_id), {})):
            states = counts.setdefault(kind, {})
            states[now] = states.get(now, 0) + n
    for community_id, n in (cases.filter(opened_at__gte=start, opened_at__lt=end)
                            .values_list("resident__community_id").annotate(n=Count("id")).order_by()):
        values.setdefault(community_id, {})["opened"] = n
    # What was paid: a voided payment counts in no month, however long after it was voided (the list shows
    # it, marked; the figures' links ask for the live ones, so the list shows the same number).
    for row in (Disbursement.objects.visible_to(user).live().filter(paid_on__gte=period.first,
                                                                   paid_on__lte=period.as_of)
                .values("case__resident__community_id").annotate(disbursements=Count("id"), disbursed=Sum("amount"))
                .order_by()):
        values.setdefault(row.pop("case__resident__community_id"), {}).update(row)
    columns = [Column("opened", "当月受理"), Column("in_progress", "在办"), Column("in_aid", "在保"),
               Column("disbursements", "当月发放笔数"),
               Column("disbursed", "当月发放金额（元）", kind="money", measure="amount")]

    def link(col, where):
        if col.key == "opened":
            return _url("assistance:case_list", {**where, **period.dates("opened_from", "opened_to")})
        if col.key in ("in_progress", "in_aid"):  # states now: a past month's have no list
            states = IN_AID if col.key == "in_aid" else IN_PROGRESS
            return _url("assistance:case_list", {**where, "state": ",".join(states)}) if period.current else None
        return _url("assistance:disbursement_list", {**where, **period.dates("paid_from", "paid_to"),
                                                     "status": "live"})

    table = _table("cases", "救助案件与发放", columns, communities, values, link=link)
    table["by_kind"] = _kind_state(by_kind, period)
    if len(set(subdistrict_of.values())) > 1:  # JSON keys are text
        table["by_kind_of"] = {str(pk): _kind_state(counts, period, {"subdistrict": pk})
                               for pk, counts in by_subdistrict.items() if pk is not None}
    table["states"] = [{"key": key, "label": label} for key, label in CaseState.choices]
    return table


def _kind_state(by_kind: dict, period: Period, where: dict | None = None) -> list[dict]:
    """Cases by kind and state (the dashboard's stacked chart), each cell linked to the case list."""
    rows = []
    for kind, label in CaseKind.choices:
        if kind not in by_kind:
            continue
        states = by_kind[kind]
        rows.append({"kind": kind, "label": label,
                     "states": {s: states.get(s, 0) for s in CaseState.values},
                     "links": {s: _url("assistance:case_list", {**(where or {}), "kind": kind, "state": s})
                               for s in CaseState.values} if period.current else {}})
    return rows


def _url(name: str, params: dict) -> str:
    return f"{reverse(name)}?{urlencode(params)}" if params else reverse(name)


def _overdue(user, period: Period) -> tuple[list, dict]:
    """What is overdue now, most overdue first (the current month only: a past month has no 'now')."""
    if not period.current:
        return [], {"count": None, "items": []}
    overdue = [i for i in schedule.due_items(Resident.objects.visible_to(user)) if i.is_overdue]
    overdue.sort(key=lambda i: -i.overdue_days)
    shown = overdue[:OVERDUE_SHOWN]
    people = Resident.objects.visible_to(user).select_related("grid").in_bulk([i.resident_id for i in shown])
    return overdue, {"count": len(overdue), "link": reverse("visits:overview"), "items": [
        {"resident": i.resident_id, "name": people[i.resident_id].name, "grid": people[i.resident_id].grid.name,
         "method": Method(i.method).label, "overdue_days": i.overdue_days,
         "link": reverse("residents:resident_detail", args=[i.resident_id])} for i in shown]}


def _schedule(user, period: Period) -> dict:
    """The on-time rate of the month's visits and, in the current month, what is overdue now."""
    overdue, summary = _overdue(user, period)
    rate = compliance(Visit.objects.visible_to(user), period.first, period.as_of, overdue)
    # The overview explains this month's rate; a past month's is not on any page (no link).
    return {"compliance": {**rate, "link": reverse("visits:overview") if period.current else None},
            "overdue": summary}


def month_to_open(user, today: date | None = None) -> tuple[date, bool]:
    """The month the dashboard opens on, and whether it fell back: this month once anything was done in it
    in the user's scope (a visit, a meal, a case opened, a payment), else the last complete month. On the
    1st this month's figures would be all zeros; a leader wants the month that just ended."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    start, end = day_range(first, today)
    happened = (Visit.objects.visible_to(user).filter(visited_at__gte=start, visited_at__lt=end).exists()
                or Meal.objects.visible_to(user).filter(date__gte=first, date__lte=today).exists()
                or Case.objects.visible_to(user).filter(opened_at__gte=start, opened_at__lt=end).exists()
                or Disbursement.objects.visible_to(user).filter(paid_on__gte=first, paid_on__lte=today).exists())
    return (first, False) if happened else (add_months(first, -1), True)


def monthly_figures(user, month: date, *, fresh: bool = False) -> dict:
    """Every figure of the dashboard and the report pack for `month`, in `user`'s scope.

    Each part is cached for its scope, month and day until a row it reads is saved or deleted
    (figures_changed), so a cached figure is never one the database no longer gives. `fresh` skips the
    cache (the report pack is built from the database itself)."""
    period = Period.of(month)
    communities = list(Community.objects.visible_to(user).select_related("subdistrict")
                       .order_by("subdistrict__name", "name"))

    def part(name, compute):
        return compute() if fresh else _cached(name, user, period, compute)

    schedule = part("schedule", lambda: _schedule(user, period))
    return {
        "month": period.first.strftime("%Y-%m"), "as_of": period.as_of.isoformat(), "current": period.current,
        "areas": [part("population", lambda: _population(user, communities, period)),
                  part("visits", lambda: _visits(user, communities, period)),
                  part("meals", lambda: _meals(user, communities, period)),
                  part("cases", lambda: _cases(user, communities, period))],
        **schedule,
    }


def schedule_figures(user, month: date) -> dict:
    """The on-time rate and the overdue list alone (the bureau's view of one sub-district reads them as
    that sub-district's leader would), cached like every part."""
    period = Period.of(month)
    return _cached("schedule", user, period, lambda: _schedule(user, period))


def one_subdistrict(figures: dict, subdistrict_id: int) -> dict:
    """The bureau's figures cut to one sub-district: its communities' rows (named without the
    sub-district), its subtotal as the total row, its cases by kind. Cut from the same figures, so the
    selected view and the whole view never disagree, and every link still opens its list as the bureau
    sees it. Figures over a single sub-district come back as they are."""
    areas = []
    for area in figures["areas"]:
        subtotal = next((r for r in area["rows"] if r.get("subtotal") and r.get("subdistrict") == subdistrict_id), None)
        if subtotal is None:
            return figures
        rows = [{**r, "name": r["name"].split("·", 1)[-1]} for r in area["rows"]
                if r.get("subdistrict") == subdistrict_id and not r.get("subtotal")]
        rows.append({**subtotal, "name": subtotal["name"].replace(" 小计", " 合计"), "subtotal": False})
        area = {**area, "rows": rows}
        if area["key"] == "cases":
            area["by_kind"] = area.get("by_kind_of", {}).get(str(subdistrict_id), [])
        areas.append(area)
    return {**figures, "areas": areas, "subdistrict": subdistrict_id}


# What each cached part reads: saving or deleting a row of any of these tables starts that part afresh
# (reports/signals.py connects them, and hears the services' bulk writes through jiedao.signals.rows_changed).
PART_SOURCES = {
    "population": {"residents.resident", "residents.residenttag"},
    "visits": {"visits.visit", "residents.resident", "residents.residenttag"},
    "meals": {"elderly_care.meal", "residents.servicepoint", "residents.resident"},
    "cases": {"assistance.case", "assistance.casetransition", "assistance.disbursement", "residents.resident"},
    "schedule": {"visits.visit", "visits.careplan", "visits.visitrule", "residents.resident", "residents.grid",
                 "residents.residenttag"},
}
# Every part names communities; a renamed or new one starts them all afresh.
ALL_PARTS = {"residents.community", "residents.subdistrict"}


def figures_changed(model) -> None:
    """A row of `model` was written: the cached parts that read it get a new generation (their old
    entries are never read again and expire)."""
    label = model._meta.label_lower
    names = [name for name, sources in PART_SOURCES.items() if label in sources or label in ALL_PARTS]

    def bump():
        for name in names:
            # A fresh, never-reused value rather than a counter: if the cache lost the generation, a
            # counter restarting at 1 could meet an old entry again.
            cache.set(f"figures:generation:{name}", time_ns(), None)

    # Now, and again once the transaction commits: a reader between the two would otherwise cache the
    # old figures under the new generation (outside a transaction, on_commit runs at once).
    bump()
    transaction.on_commit(bump)


def _cached(name: str, user, period: Period, compute):
    if is_district_officer(user):
        scope = "district"
    elif reads_reports(user) and user.subdistrict_id:  # an admin or leader: their whole sub-district
        scope = f"subdistrict{user.subdistrict_id}"
    else:  # other scopes are not cached (they do not read the dashboard)
        return compute()
    generation = cache.get_or_set(f"figures:generation:{name}", time_ns, None)
    key = f"figures:{name}:{scope}:{period.first:%Y-%m}:{timezone.localdate():%Y%m%d}:{generation}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, settings.FIGURES_CACHE_SECONDS)
    return found


# ---------------------------------------------------------------------------------------------------
# Everything a person receives, in one place, and the overlaps the rules forbid or flag: the resident
# page's benefits panel (reports/templatetags/resident_panels.py).
# ---------------------------------------------------------------------------------------------------

def benefits_of(resident: Resident) -> dict:
    """Cases and (live) payments of the resident, as applicant and as a member of their household, the meal
    subsidies they ate, and warnings: 低保 and 特困 at once, two temporary payments in one month, any
    benefit dated after a death."""
    household_ids = [resident.pk]
    if resident.household_id:
        household_ids = list(Resident.objects.filter(household_id=resident.household_id).values_list("pk", flat=True))
    cases = (Case.objects.filter(resident_id__in=household_ids).select_related("resident")
             .prefetch_related("disbursements").order_by("-opened_at"))
    payments = (Disbursement.objects.live().filter(case__resident_id__in=household_ids)  # a voided one was not paid
                .select_related("case__resident"))
    meals = Meal.objects.filter(resident=resident).aggregate(subsidy=Sum("subsidy"), meals=Count("id"))
    warnings = []
    live = {c.kind for c in cases if c.state in IN_AID and c.resident_id == resident.pk}
    if {CaseKind.DIBAO, CaseKind.TEKUN} <= live:
        warnings.append("同时享受低保和特困供养：两者不能同时享受，请核查。")
    temporary = Counter(p.paid_on.strftime("%Y-%m") for p in payments
                        if p.case.kind == CaseKind.TEMPORARY and p.case.resident_id == resident.pk)
    for month, n in sorted(temporary.items()):
        if n > 1:
            warnings.append(f"{month} 有 {n} 笔临时救助发放：同一月内一般只发放一次，请核查。")
    if resident.status == Status.DECEASED and resident.status_date:
        after = payments.filter(case__resident=resident, paid_on__gt=resident.status_date).count()
        late_meals = Meal.objects.filter(resident=resident, date__gt=resident.status_date).count()
        if after or late_meals:
            warnings.append(f"居民已于 {resident.status_date:%Y-%m-%d} 去世，之后仍有 {after} 笔发放、"
                            f"{late_meals} 次助餐补贴，请核查。")
    return {
        "cases": list(cases), "warnings": warnings,
        "paid_total": fen(payments.filter(case__resident=resident).aggregate(t=Sum("amount"))["t"]),
        "household_paid_total": fen(payments.filter(~Q(case__resident=resident)).aggregate(t=Sum("amount"))["t"]),
        "meal_subsidy": fen(meals["subsidy"]), "meal_count": meals["meals"] or 0,
    }
