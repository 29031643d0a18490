"""The figures of a month, read across the features.

The dashboard, GET /api/v1/dashboard/ and the monthly report pack all read them from monthly_figures(),
so the three can never disagree. Each area is a table with one row per community in the user's scope and
a total row; every count links to the list it was counted from (same filters, so the list shows the same
number). A month that is over is read as it stood at its end; the current month is today's state, which
is what the lists show.
"""

from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import groupby
from time import time_ns
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.urls import reverse
from django.utils import timezone

from assistance.choices import WishState
from assistance.models import Case, CaseKind, CaseState, CaseTransition, Disbursement
from assistance.selectors import wish_figures
from assistance.workflow import IN_AID, IN_PROGRESS
from child_services.choices import DeliveryStatus
from child_services.models import Attendance, Enrolment, Programme
from child_services.selectors import nutrition_figures
from elderly_care.models import Meal
from elderly_care.selectors import DINERS
from jiedao.dates import add_months, day_range, month_end, years_before
from jiedao.menu import paths
from jiedao.money import fen
from jiedao.routers import reading_primary
from jiedao.scope import is_district_officer, reads_reports
from residents.models import Community, Resident, Status, Tag
from residents.selectors import register_on
from visits import schedule
from visits.models import Method, Visit
from visits.selectors import ON_TIME, PLANNED, compliance_of, planned_visits, target_elders, visit_rate
from volunteers.choices import OrderState, VolunteerStatus
from volunteers.filters import UNPLACED, UNPLACED_LABEL
from volunteers.models import Activity, OrderTransition, Pairing, ServiceOrder, Volunteer
from volunteers.selectors import (
    RHYTHM_NOTE,
    average_rating,
    current_on,
    hours_between,
    hours_text,
    kept_rhythm,
    served_between,
)
from volunteers.workflow import FINISHED, WITH_TEAM

OVERDUE_SHOWN = 20
# The states an order rests in (a declined one is back to 点单), as the order list filters them.
ORDER_STATES = [s.value for s in (OrderState.REQUESTED, *WITH_TEAM, *FINISHED)]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "count"  # count | money | hours | percent | average
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


def _hours(value) -> str:
    return hours_text(value)  # as the volunteer list's summary gives them


DECIMALS = {"money", "hours"}  # carried as text, summed as Decimal
RATES = {"percent", "average"}  # never summed: each row's from its own counts


def _table(key, title, columns, communities, values, *, link, extra_rows=(), total=None, unplaced=None):
    """Rows per community (values[community_id][column]), any extra rows, and the total row (the sum of
    the rows unless `total` says otherwise). `link(params)` gives a list URL for a cell's filters.

    Over several sub-districts (the district bureau) each sub-district's communities are followed by its
    subtotal row (`subtotal`: true, the sum of its communities, linked with `subdistrict=`): the total is
    still the sum of the community and extra rows, never of the subtotals.

    `unplaced` (subdistrict id → values) adds, after each sub-district's communities, the row of what serves
    the whole sub-district (no community: 街道（不分社区）, linked with `community=none`), counted in its
    subtotal and the total."""
    several = len({c.subdistrict_id for c in communities}) > 1

    def row(community_id, name, found, where, subdistrict_id=None, subtotal=False):
        cells = {}
        for col in columns:
            value = found.get(col.key, 0)
            cells[col.key] = _money(value) if col.kind == "money" else _hours(value) if col.kind == "hours" else value
        links = {col.key: link(col, where) for col in columns} if where is not None else {}
        return {"community": community_id, "subdistrict": subdistrict_id, "subtotal": subtotal, "name": name,
                "values": cells, "links": {k: v for k, v in links.items() if v}}

    def summed(rows):
        return {col.key: sum((Decimal(r["values"][col.key]) if col.kind in DECIMALS else r["values"][col.key])
                             for r in rows) for col in columns if col.kind not in RATES}

    shown, counted = [], []
    for subdistrict_id, group in groupby(communities, key=lambda c: c.subdistrict_id):
        group = list(group)
        mine = [row(c.id, f"{c.subdistrict.name}·{c.name}" if several else c.name, values.get(c.id, {}),
                    {"community": c.id}, subdistrict_id) for c in group]
        if unplaced is not None:
            where = {"community": UNPLACED, **({"subdistrict": subdistrict_id} if several else {})}
            mine.append(row(None, f"{group[0].subdistrict.name}·{UNPLACED_LABEL}" if several else UNPLACED_LABEL,
                            unplaced.get(subdistrict_id, {}), where, subdistrict_id))
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


def _population(user, communities, period: Period, cells=None) -> dict:
    url = _linker()
    values = (cells or _counted)("population", lambda ids: _population_counts(user, period, ids))
    columns = [Column("residents", "在册居民"), Column("age60", "60 岁以上"), Column("age80", "80 岁以上"),
               *(Column(code, label) for code, label in Tag.choices)]
    # 在册 is the list's own default (status=active), named so that the link is a filtered list: counted
    # exactly at any size, never the estimate an unfiltered list shows (jiedao.pagination.unfiltered).
    params = {"residents": {"status": "active"}, "age60": {"age_min": 60}, "age80": {"age_min": 80},
              **{code: {"tags": code} for code in Tag.values}}

    def link(col, where):
        # Today's register is the list; a past month's register has no list of its own.
        return url("residents:resident_list", {**where, **params[col.key]}) if period.current else None

    return _table("population", "人口与特殊群体", columns, communities, values, link=link)


def _population_counts(user, period: Period, ids) -> dict:
    register = register_on(_within(Resident.objects.visible_to(user), "community_id", ids), period.as_of)
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
    return values


def _visit_counts(user, period: Period, first: date, last: date, *, new_after: date | None, ids=None) -> dict:
    """Per community (of `ids`, None: the whole scope), the visits of the days `first`..`last` (and by method),
    the planned visits made among them and how many on time (for the on-time rate), the target elders of the
    period's register and those of them visited at home in those days; with `new_after`, only those not visited
    at home already from the period's first day to `new_after` (so that today's add to the earlier days'
    without counting a person twice)."""
    start, end = day_range(first, last)
    visits = _within(Visit.objects.visible_to(user), "resident__community_id", ids).filter(
        visited_at__gte=start, visited_at__lt=end)
    values: dict = {}
    for row in visits.values("resident__community_id").annotate(
            visits=Count("id"), **{m: Count("id", filter=Q(method=m)) for m in Method.values},
            planned=Count("id", filter=PLANNED), planned_on_time=Count("id", filter=ON_TIME)).order_by():
        values[row.pop("resident__community_id")] = row
    home = Visit.objects.filter(method=Method.HOME)
    elders = target_elders(register_on(_within(Resident.objects.visible_to(user), "community_id", ids),
                                       period.as_of), period.as_of)
    if new_after is None:
        # The elders and those of them visited at home, in one pass over the elders.
        seen = home.filter(resident=OuterRef("pk"), visited_at__gte=start, visited_at__lt=end)
        for row in elders.values("community_id").annotate(
                target=Count("id"), target_visited=Count("id", filter=Q(Exists(seen)))).order_by():
            values.setdefault(row.pop("community_id"), {}).update(row)
        return values
    # Today's home visits are few: their residents are read first and the elders among them asked by id. As a
    # subquery the planner walked every elder of the scope to find the day's few (530 ms for a sub-district of
    # 100,000 at a million).
    today = list(home.filter(visited_at__gte=start, visited_at__lt=end).values_list("resident_id", flat=True)
                 .distinct().order_by())
    seen_start, seen_end = day_range(period.first, new_after)
    visited = elders.filter(pk__in=today).exclude(pk__in=home.filter(
        resident_id__in=today, visited_at__gte=seen_start, visited_at__lt=seen_end).values("resident_id"))
    for community_id, n in visited.values_list("community_id").annotate(n=Count("id")).order_by():
        values.setdefault(community_id, {})["target_visited"] = n
    return values


def _visit_days(user, communities, period: Period, part, cells=None) -> dict:
    """The month's visit counts: its days before today (per community: a visit today leaves them be) and
    today's (cached apart, started afresh by each visit), summed."""
    before = period.as_of - timedelta(days=1) if period.current else period.as_of
    spans = []
    if before >= period.first:
        spans.append((cells or _counted)("visits", lambda ids: _visit_counts(
            user, period, period.first, before, new_after=None, ids=ids)))
    if period.current:
        spans.append(part("visits_today", lambda: _visit_counts(
            user, period, period.as_of, period.as_of, new_after=before if before >= period.first else None)))
    if len(spans) == 2:  # the target elders are counted once, with the earlier days
        for found in spans[1].values():
            found.pop("target", None)
    values: dict = {}
    for span in spans:
        for pk, found in span.items():
            mine = values.setdefault(pk, {})
            for key, n in found.items():
                mine[key] = mine.get(key, 0) + n
    planned = {"total": sum(v.get("planned", 0) for v in values.values()),
               "on_time": sum(v.get("planned_on_time", 0) for v in values.values())}
    return {"values": values, "planned": planned}


def _visits(user, communities, period: Period, found: dict) -> dict:
    url = _linker()
    values = found["values"]
    columns = [Column("visits", "走访记录（合计）"), *(Column(code, label) for code, label in Method.choices),
               Column("target", "重点老人", measure=None), Column("target_visited", "当月已上门", measure=None),
               Column("target_rate", "上门率 %", kind="percent", measure=None)]
    methods = {"visits": {}, **{code: {"method": code} for code in Method.values}}

    def link(col, where):
        if col.key not in methods:  # the overview lists the target elders not yet visited, by community
            return url("visits:overview", {"month": f"{period.first:%Y-%m}"})
        return url("visits:list", {**where, **methods[col.key], **period.dates("date_from", "date_to")})

    table = _table("visits", "走访", columns, communities, values, link=link)
    for row in table["rows"]:  # a rate is not summed: each row's (and the total's) from its own counts
        row["values"]["target_rate"] = visit_rate(row["values"]["target_visited"], row["values"]["target"])
    return table


MEAL_SUMS = ("meals", "diners", "paid", "subsidy")


def _meal_sums(meals, ours: list[int], diners, ids=None, *, everyone=False) -> dict:
    """A span of meals per community of `ours` (community id → sums) and the others' (None: guests, residents of
    other sub-districts), with `diners` as the count of people. The two split the meals, each diner in one of
    them (a resident has one community, a guest is among the others), so their sums are the total: no third
    query for it. `ids`: only these communities' (None among them: the others'), else all; `everyone`: `ours`
    are all the communities there are (the district's), so the others are the guests."""
    sums = {"meals": Count("id"), "diners": diners, "paid": Sum("price"), "subsidy": Sum("subsidy")}
    if ids == [None] and everyone:  # the district's guests alone: no resident to join (it hashed the million)
        return {None: meals.filter(resident__isnull=True).aggregate(**sums)}
    if ids is not None and None in ids and len(ids) > 1:
        # The others apart from the communities: an OR of the two needs every resident joined (it hashed the
        # million), where each alone reads the communities' residents or the guests.
        return {**_meal_sums(meals, ours, diners, [pk for pk in ids if pk is not None], everyone=everyone),
                **_meal_sums(meals, ours, diners, [None], everyone=everyone)}
    if ids is not None:
        asked = Q(resident__community_id__in=[pk for pk in ids if pk is not None])
        if None in ids:
            asked |= Q(resident__isnull=True) if everyone else Q(resident__isnull=True) | ~Q(
                resident__community_id__in=ours)
        meals = meals.filter(asked)
    # One pass over the span, grouped by the diner's community when it is one of ours, else in one group
    # (NULL) of the others: a guest (no resident) or a resident of another sub-district.
    group = (models.Case(When(resident__community_id__in=ours, then=F("resident__community_id")), default=None,
                  output_field=IntegerField()) if ours else Value(None, output_field=IntegerField()))
    return {row.pop("community_group"): row
            for row in meals.annotate(community_group=group).values("community_group").annotate(**sums).order_by()}


def _meal_days(user, communities, period: Period, part, cells=None) -> dict:
    """The meals of the period's days before today (per community: a check-in today leaves them be) plus today's
    (cached apart, started afresh by each check-in), summed. Distinct diners cannot be summed, so today's
    count only the people who had not eaten at these points earlier in the month: the two then add up to
    the month's distinct diners."""
    meals = Meal.objects.visible_to(user)
    ours = [c.id for c in communities]
    everyone = is_district_officer(user)
    before = period.as_of - timedelta(days=1) if period.current else period.as_of
    earlier = meals.filter(date__gte=period.first, date__lte=before)
    spans = []
    if before >= period.first:
        spans.append((cells or _counted)("meals", lambda ids: _meal_sums(earlier, ours, DINERS, ids,
                                                                         everyone=everyone), rest=True))
    if period.current:
        new_diners = (Count("resident", distinct=True,
                            filter=~Q(Exists(earlier.filter(resident=OuterRef("resident")))))
                      + Count("guest_id_index", distinct=True, filter=Q(resident__isnull=True) & ~Q(Exists(
                          earlier.filter(resident__isnull=True, guest_id_index=OuterRef("guest_id_index"))))))
        spans.append(part("meals_today", lambda: _meal_sums(meals.filter(date=period.as_of), ours, new_diners)))

    def add(*found):  # money through fen: SQLite sums decimals as floats
        return {key: sum(fen(f.get(key)) if key in ("paid", "subsidy") else f.get(key) or 0 for f in found)
                for key in MEAL_SUMS}

    values = {pk: add(*(s.get(pk, {}) for s in spans)) for pk in set().union(*spans) if pk is not None}
    others = add(*(s.get(None, {}) for s in spans))
    return {"values": values, "others": others, "total": add(*values.values(), others)}


def _meals(user, communities, period: Period, part, cells=None) -> dict:
    url = _linker()
    found = _meal_days(user, communities, period, part, cells)
    columns = [Column("meals", "用餐人次"), Column("diners", "就餐人数", measure="diners"),
               Column("paid", "个人支付（元）", kind="money", measure="paid"),
               Column("subsidy", "补贴（元）", kind="money", measure="subsidy")]

    def link(col, where):
        return url("care:meal_list", {**where, **period.dates("date_from", "date_to")})

    # Guests, and residents of other sub-districts who ate at these points: a row of their own, so the rows
    # add up to the total of the points' meals; diners are distinct people, so the total is not the rows' sum.
    return _table("meals", "助餐与补贴", columns, communities, found["values"], link=link,
                  extra_rows=[("来宾及外街道居民", found["others"], {"others": "true"})], total=found["total"])


def _cases(user, communities, period: Period, cells=None) -> dict:
    url = _linker()
    values = (cells or _counted)("cases", lambda ids: _case_counts(user, period, ids))
    by_kind: dict = {}
    by_subdistrict: dict = {}  # subdistrict id → kind → state → n, for the bureau's view of one sub-district
    subdistrict_of = {c.id: c.subdistrict_id for c in communities}
    for community_id, found in values.items():
        for kind, states in found.get("kinds", {}).items():
            for counts in (by_kind, by_subdistrict.setdefault(subdistrict_of.get(community_id), {})):
                mine = counts.setdefault(kind, {})
                for now, n in states.items():
                    mine[now] = mine.get(now, 0) + n
    columns = [Column("opened", "当月受理"), Column("in_progress", "在办"), Column("in_aid", "在保"),
               Column("disbursements", "当月发放笔数"),
               Column("disbursed", "当月发放金额（元）", kind="money", measure="amount")]

    def link(col, where):
        if col.key == "opened":
            return url("assistance:case_list", {**where, **period.dates("opened_from", "opened_to")})
        if col.key in ("in_progress", "in_aid"):  # states now: a past month's have no list
            states = IN_AID if col.key == "in_aid" else IN_PROGRESS
            return url("assistance:case_list", {**where, "state": ",".join(states)}) if period.current else None
        return url("assistance:disbursement_list", {**where, **period.dates("paid_from", "paid_to"),
                                                     "status": "live"})

    table = _table("cases", "救助案件与发放", columns, communities, values, link=link)
    table["by_kind"] = _kind_state(by_kind, period)
    if len(set(subdistrict_of.values())) > 1:  # JSON keys are text
        table["by_kind_of"] = {str(pk): _kind_state(counts, period, {"subdistrict": pk})
                               for pk, counts in by_subdistrict.items() if pk is not None}
    table["states"] = [{"key": key, "label": label} for key, label in CaseState.choices]
    return table


def _case_counts(user, period: Period, ids) -> dict:
    """Per community (of `ids`, None: the whole scope): cases opened in the period, in progress and in aid at
    its end, its live payments and their sum, and every case by kind and the state it was in (`kinds`)."""
    start, end = day_range(period.first, period.as_of)
    cases = _within(Case.objects.visible_to(user), "resident__community_id", ids)
    if period.current:
        state = F("state")
    else:  # the state each case was in at the month's end, from its transitions
        cases = cases.filter(opened_at__lt=end)
        state = Subquery(CaseTransition.objects.filter(case=OuterRef("pk"), at__lt=end)
                         .order_by("-at", "-id").values("to_state")[:1])
    # Over the whole scope each case's community is read by its resident's key (a probe each), not by a join:
    # over the district's cases the planner hashed the million residents for it (213 ms at a million; 20,000
    # probes cost less). A few communities' cases are found through their residents, joined already.
    community = (Subquery(Resident.objects.filter(pk=OuterRef("resident_id")).order_by().values("community_id"))
                 if ids is None else F("resident__community_id"))
    values: dict = {}
    for community_id, kind, now, n in (cases.annotate(then=state, place=community).values_list("place", "kind", "then")
                                       .annotate(n=Count("id")).order_by()):
        found = values.setdefault(community_id, {})
        group = "in_aid" if now in IN_AID else "in_progress" if now in IN_PROGRESS else None
        if group:
            found[group] = found.get(group, 0) + n
        states = found.setdefault("kinds", {}).setdefault(kind, {})
        states[now] = states.get(now, 0) + n
    for community_id, n in (cases.filter(opened_at__gte=start, opened_at__lt=end)
                            .values_list("resident__community_id").annotate(n=Count("id")).order_by()):
        values.setdefault(community_id, {})["opened"] = n
    # What was paid: a voided payment counts in no month, however long after it was voided (the list shows
    # it, marked; the figures' links ask for the live ones, so the list shows the same number).
    for row in (_within(Disbursement.objects.visible_to(user).live(), "case__resident__community_id", ids)
                .filter(paid_on__gte=period.first, paid_on__lte=period.as_of)
                .values("case__resident__community_id").annotate(disbursements=Count("id"), disbursed=Sum("amount"))
                .order_by()):
        values.setdefault(row.pop("case__resident__community_id"), {}).update(row)
    return values


def _children(user, communities, period: Period, cells=None) -> dict:
    """Child programmes by the community of their point: those running some day of the month, their places,
    who was enrolled and who waited at the month's end (today in the current month), and the month's
    attendance. A point of the whole sub-district has a row of its own."""
    url = _linker()
    values = dict((cells or _counted)("children", lambda ids: _child_counts(user, period, ids), rest=True))
    columns = [Column("programmes", "课程"), Column("places", "名额", measure="places"),
               Column("enrolled", "已录取"), Column("waiting", "候补"),
               Column("came", "出勤人次", measure=None), Column("taken", "应到人次", measure=None),
               Column("attendance_rate", "出勤率 %", kind="percent", measure=None),
               Column("packs_due", "营养包应送"), Column("packs_delivered", "已送达"), Column("packs_missed", "未送达"),
               *(Column(f"wishes_{state}", f"心愿{label}") for state, label in WishState.choices)]
    dates = period.dates("active_from", "active_to")
    statuses = {"enrolled": "enrolled", "waiting": "waitlisted"}
    packs = {"packs_due": {}, "packs_delivered": {"status": DeliveryStatus.DELIVERED},
             "packs_missed": {"status": DeliveryStatus.MISSED}}
    wishes = {f"wishes_{state}": {"for_child": "true", "state": state} for state in WishState.values}

    def link(col, where):
        if col.measure is None:  # attendance has no list of its own
            return None
        if col.key in packs:
            return url("children:delivery_list", {**where, **packs[col.key], "due_from": period.first.isoformat(),
                                                   "due_to": period.last.isoformat()})
        if col.key in wishes:  # the wish list shows the states as they are now: a past month's have no list
            return url("assistance:wish_list", {**where, **wishes[col.key]}) if period.current else None
        if col.key in statuses:  # who is enrolled or waiting now: a past month's have no list
            return url("children:enrolment_list", {**where, **dates, "status": statuses[col.key]}) \
                if period.current else None
        return url("children:programme_list", {**where, **dates})

    extra = values.pop(None, None)
    table = _table("children", "儿童服务", columns, communities, values, link=link,
                   extra_rows=[("街道直属服务点", extra, None)] if extra else [])
    for row in table["rows"]:  # a rate is not summed: each row's from its own counts
        row["values"]["attendance_rate"] = visit_rate(row["values"]["came"], row["values"]["taken"])
    return table


def _child_counts(user, period: Period, ids) -> dict:
    """Per community (of `ids`, None: the whole scope; None among them: the points of no community)."""
    end = day_range(period.as_of, period.as_of)[1]
    start = day_range(period.first, period.first)[0]
    running = Q(starts_on__lte=period.as_of, ends_on__gte=period.first)
    values: dict = {}
    for row in (_within(Programme.objects.visible_to(user), "point__community_id", ids).filter(running)
                .values("point__community_id").annotate(programmes=Count("id"), places=Sum("capacity")).order_by()):
        values[row.pop("point__community_id")] = row
    # As it stood at `end`: enrolled by then and not withdrawn by then; waiting, not yet enrolled nor withdrawn.
    not_gone = Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=end)
    for row in (_within(Enrolment.objects.visible_to(user), "programme__point__community_id", ids).filter(
            programme__starts_on__lte=period.as_of, programme__ends_on__gte=period.first)
            .values("programme__point__community_id")
            .annotate(enrolled=Count("id", filter=Q(enrolled_at__lt=end) & not_gone),
                      waiting=Count("id", filter=Q(created_at__lt=end) & not_gone
                                    & (Q(enrolled_at__isnull=True) | Q(enrolled_at__gte=end)))).order_by()):
        values.setdefault(row.pop("programme__point__community_id"), {}).update(row)
    for row in (_within(Attendance.objects.visible_to(user), "session__programme__point__community_id", ids)
                .filter(session__starts_at__gte=start, session__starts_at__lt=end)
                .values("session__programme__point__community_id")
                .annotate(came=Count("id", filter=Q(present=True)), taken=Count("id")).order_by()):
        values.setdefault(row.pop("session__programme__point__community_id"), {}).update(row)
    # Nutrition packs by the child's community: the month's rounds, brought and missed; children's wishes
    # (微心愿) by the state each was in at the month's end. Every child has a community.
    places = None if ids is None else [pk for pk in ids if pk is not None]
    for community_id, counts in nutrition_figures(user, period.first, places).items():
        values.setdefault(community_id, {}).update({f"packs_{key}": n for key, n in counts.items()})
    for community_id, counts in wish_figures(user, period.first, places).items():
        values.setdefault(community_id, {}).update({f"wishes_{state}": n for state, n in counts.items()})
    return values


def _volunteers(user, communities, period: Period, cells=None) -> dict:
    """志愿服务: volunteers by their home community, activities by their team's, orders and pairings by their
    resident's. What serves the whole sub-district (a volunteer or team without a community) is its own row,
    街道（不分社区）, before the (sub)total. Six questions, however many communities."""
    url = _linker()
    values = dict((cells or _counted)("volunteers", lambda ids: _volunteer_counts(user, period, ids), rest=True))
    unplaced = values.pop(None, {})  # subdistrict id → column → n (no community)
    points = {pk: found.get("points", 0) for pk, found in values.items()}  # each row's average from its sum
    columns = [Column("registered", "登记志愿者"), Column("active", "在册志愿者"), Column("served", "当月活跃"),
               Column("hours", "当月服务时长（小时）", kind="hours", measure="hours"), Column("activities", "当月活动"),
               Column("orders", "当月点单"),
               *(Column(f"orders_{s}", f"其中{OrderState(s).label}") for s in ORDER_STATES),
               Column("done", "当月完成"), Column("on_time", "按期完成"),
               Column("on_time_rate", "按期完成率 %", kind="percent", measure=None),
               Column("rated", "当月评价"), Column("rating", "平均评分", kind="average", measure="rating"),
               Column("pairings", "结对（进行中）"), Column("pairings_kept", "按期走访"),
               Column("pairing_rate", "结对走访率 %", kind="percent", measure=None)]
    dates = {"served": period.dates("served_from", "served_to"), "created": period.dates("created_from", "created_to"),
             "done": period.dates("done_from", "done_to"), "rated": period.dates("rated_from", "rated_to"),
             "starts": period.dates("starts_from", "starts_to")}
    as_of = period.as_of.isoformat()

    def link(col, where):
        key = col.key
        if key in ("registered", "active"):  # a status has no history: a past month's 在册 has no list
            if key == "active" and not period.current:
                return None
            status = {"status": VolunteerStatus.ACTIVE} if key == "active" else {}
            return url("volunteers:volunteer_list", {**where, "registered_to": as_of, **status})
        if key in ("served", "hours"):
            return url("volunteers:volunteer_list", {**where, **dates["served"]})
        if key == "activities":
            return url("volunteers:activity_list", {**where, **dates["starts"]})
        if key == "orders":
            return url("volunteers:order_list", {**where, **dates["created"]})
        if key.startswith("orders_"):  # the list shows the states as they are now: a past month's have no list
            return url("volunteers:order_list", {**where, **dates["created"], "state": key[len("orders_"):]}) \
                if period.current else None
        if key in ("done", "on_time"):
            return url("volunteers:order_list", {**where, **dates["done"], **({"on_time": "true"}
                                                                              if key == "on_time" else {})})
        if key in ("rated", "rating"):
            return url("volunteers:order_list", {**where, **dates["rated"]})
        if key in ("pairings", "pairings_kept"):
            return url("volunteers:pairing_list", {**where, "current_on": as_of,
                                                    **({"kept_on": as_of} if key == "pairings_kept" else {})})
        return None  # the rates: from the counts beside them

    table = _table("volunteers", "志愿服务", columns, communities, values, link=link, unplaced=unplaced)
    subdistrict_of = {c.id: c.subdistrict_id for c in communities}
    for row in table["rows"]:  # rates and averages are not summed: each row's from its own counts
        cells = row["values"]
        cells["on_time_rate"] = visit_rate(cells["on_time"], cells["done"])
        cells["pairing_rate"] = visit_rate(cells["pairings_kept"], cells["pairings"])
        if row["community"] is not None:
            total = points.get(row["community"], 0)
        elif row["subtotal"]:
            total = sum(n for c, n in points.items() if subdistrict_of.get(c) == row["subdistrict"])
        elif row["subdistrict"] is None:  # the total
            total = sum(points.values())
        else:  # 街道（不分社区）: its orders are in their residents' communities
            total = 0
        cells["rating"] = average_rating(total, cells["rated"])
    table["note"] = ("志愿者按其所在社区、活动按服务队的服务社区统计，服务全街道的记在“街道（不分社区）”；"
                     "服务单与结对按居民所在社区统计。当月活跃：当月有服务时长或签到记录；服务时长按调整后的时长计。"
                     "点单按月末（本月为当前）状态分列；按期完成率 = 按期完成 ÷ 当月完成；平均评分为当月评价的平均分；"
                     "在册志愿者按当前状态统计。" + RHYTHM_NOTE)
    return table


def _volunteer_counts(user, period: Period, ids) -> dict:
    """Per community (of `ids`, None: the whole scope; None among them: what has no community, by its
    sub-district under the key None)."""
    start, end = day_range(period.first, period.as_of)
    values: dict = {}  # community id → column → n
    unplaced: dict = {}  # subdistrict id → column → n (no community)

    def add(subdistrict_id, community_id, found):
        (values.setdefault(community_id, {}) if community_id else unplaced.setdefault(subdistrict_id, {})).update(
            {k: v for k, v in found.items() if v is not None})

    volunteers = _within(Volunteer.objects.visible_to(user), "community_id", ids)
    for row in (volunteers.values("subdistrict_id", "community_id").annotate(
            registered=Count("id", filter=Q(created_at__lt=end)),
            active=Count("id", filter=Q(created_at__lt=end, status=VolunteerStatus.ACTIVE)),
            served=Count("id", filter=served_between(period.first, period.as_of))).order_by()):
        add(row.pop("subdistrict_id"), row.pop("community_id"), row)
    for row in (hours_between(period.first, period.as_of).filter(volunteer__in=volunteers.values("pk"))
                .values("volunteer__subdistrict_id", "volunteer__community_id").annotate(hours=Sum("hours"))
                .order_by()):
        add(row.pop("volunteer__subdistrict_id"), row.pop("volunteer__community_id"), row)
    for row in (_within(Activity.objects.visible_to(user), "team__community_id", ids)
                .filter(starts_at__gte=start, starts_at__lt=end)
                .values("team__subdistrict_id", "team__community_id").annotate(activities=Count("id")).order_by()):
        add(row.pop("team__subdistrict_id"), row.pop("team__community_id"), row)
    # Orders taken in the month by the state each was in at the month's end (now, in the current month).
    orders = _within(ServiceOrder.objects.visible_to(user), "resident__community_id", ids)
    if period.current:
        state = F("state")
    else:
        state = Subquery(OrderTransition.objects.filter(order=OuterRef("pk"), at__lt=end)
                         .order_by("-at", "-id").values("to_state")[:1])
    for community_id, now, n in (orders.filter(created_at__gte=start, created_at__lt=end).annotate(then=state)
                                 .values_list("resident__community_id", "then").annotate(n=Count("id")).order_by()):
        found = values.setdefault(community_id, {})
        found["orders"] = found.get("orders", 0) + n
        if now in ORDER_STATES:
            found[f"orders_{now}"] = found.get(f"orders_{now}", 0) + n
    done = Q(done_at__gte=start, done_at__lt=end)
    rated = Q(rated_at__gte=start, rated_at__lt=end, rating__isnull=False)
    for row in (orders.filter(done | rated).values("resident__community_id").annotate(
            done=Count("id", filter=done), on_time=Count("id", filter=done & Q(done_at__lte=F("deadline"))),
            rated=Count("id", filter=rated), points=Sum("rating", filter=rated)).order_by()):
        row["points"] = row["points"] or 0  # the sum of the month's ratings (for each row's average)
        values.setdefault(row.pop("resident__community_id"), {}).update(row)
    pairings = _within(Pairing.objects.visible_to(user), "resident__community_id", ids).filter(
        current_on(period.as_of))
    for row in (pairings.values("resident__community_id").annotate(
            pairings=Count("id"), pairings_kept=Count("id", filter=kept_rhythm(period.as_of))).order_by()):
        values.setdefault(row.pop("resident__community_id"), {}).update(row)
    if unplaced:
        values[None] = unplaced
    return values


def _kind_state(by_kind: dict, period: Period, where: dict | None = None) -> list[dict]:
    """Cases by kind and state (the dashboard's stacked chart), each cell linked to the case list."""
    url = _linker()
    rows = []
    for kind, label in CaseKind.choices:
        if kind not in by_kind:
            continue
        states = by_kind[kind]
        rows.append({"kind": kind, "label": label,
                     "states": {s: states.get(s, 0) for s in CaseState.values},
                     "links": {s: url("assistance:case_list", {**(where or {}), "kind": kind, "state": s})
                               for s in CaseState.values} if period.current else {}})
    return rows


def _linker() -> Callable[[str, dict], str]:
    """url(name, params): the list's path and `urlencode(params)`, with the path's URLconf read once and each
    pair encoded once per process: the district's dashboard links some 13,000 cells with a few hundred
    distinct pairs (reading the URLconf and encoding were 140 ms of a read)."""
    path = paths()

    def url(name: str, params: dict) -> str:
        return f"{path(name)}?{'&'.join(_pair(k, str(v)) for k, v in params.items())}" if params else path(name)
    return url


@lru_cache(maxsize=4096)
def _pair(key: str, value: str) -> str:
    return urlencode({key: value})


def _overdue(user, period: Period, communities: list | None = None) -> tuple[int, dict]:
    """How many visits are overdue now and the most overdue of them (the current month only: a past month has no
    'now')."""
    if not period.current:
        return 0, {"count": None, "items": []}
    # A sub-district's or the district's scope is whole communities: the dates are read by community.
    if _scope(user) is None:
        communities = None
    elif communities is None:
        communities = list(Community.objects.visible_to(user).values_list("pk", flat=True))
    else:
        communities = [c.pk for c in communities]
    # A curtain sign is never overdue (it is due today, and alarms by the hour): not read here.
    count, shown = schedule.overdue(Resident.objects.visible_to(user), communities=communities, first=OVERDUE_SHOWN)
    people = Resident.objects.visible_to(user).select_related("grid").in_bulk([i.resident_id for i in shown])
    return count, {"count": count, "link": reverse("visits:overview"), "items": [
        {"resident": i.resident_id, "name": people[i.resident_id].name, "grid": people[i.resident_id].grid.name,
         "method": Method(i.method).label, "overdue_days": i.overdue_days,
         "link": reverse("residents:resident_detail", args=[i.resident_id])}
        for i in shown if i.resident_id in people]}  # a date stored for someone since moved out of scope: not shown


def _schedule(user, period: Period, planned: dict | None = None, communities: list | None = None) -> dict:
    """The on-time rate of the month's visits and, in the current month, what is overdue now. `planned`:
    the month's planned visits, when counted already (the dashboard's, by day); `communities`, the scope's,
    when read already."""
    overdue, summary = _overdue(user, period, communities)
    if planned is None:
        planned = planned_visits(Visit.objects.visible_to(user), period.first, period.as_of)
    rate = compliance_of(planned, overdue)
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
    happened = (_any_in_order(Visit.objects.visible_to(user).filter(visited_at__gte=start, visited_at__lt=end),
                              "visited_at")
                or _any_in_order(Meal.objects.visible_to(user).filter(date__gte=first, date__lte=today), "date")
                or _any_in_order(Case.objects.visible_to(user).filter(opened_at__gte=start, opened_at__lt=end),
                                 "opened_at")
                or _any_in_order(Disbursement.objects.visible_to(user).filter(paid_on__gte=first, paid_on__lte=today),
                                 "paid_on"))
    return (first, False) if happened else (add_months(first, -1), True)


def _any_in_order(rows, field: str) -> bool:
    """Whether `rows` (filtered to a span of `field`) has one, asked as its first row in `field`'s order: the
    database walks the span in the column's index, checking the scope row by row, and stops at the first. Asked
    as EXISTS, the planner read the table in storage order, oldest first (8 ms to reach this month's first meal
    at 100,000), or every case of the scope to find none paid this month (179 ms for a sub-district at a
    million, on every dashboard read of a month's first days)."""
    return rows.order_by(field).values_list("pk", flat=True).first() is not None


def monthly_figures(user, month: date, *, fresh: bool = False) -> dict:
    """Every figure of the dashboard and the report pack for `month`, in `user`'s scope.

    Each part is cached for its scope, month and day until a row it reads is saved or deleted
    (figures_changed), so a cached figure is never one the database no longer gives; within a part, each
    community's counts are cached apart (_cached_cells), so that a change in one community counts that one
    again, not the scope's. `fresh` skips the cache (the report pack is built from the database itself)."""
    period = Period.of(month)
    communities = list(Community.objects.visible_to(user).select_related("subdistrict")
                       .order_by("subdistrict__name", "name"))

    def part(name, compute):
        return compute() if fresh else _cached(name, user, period, compute)

    def cells(name, compute, rest=False):
        return _counted(name, compute) if fresh else _cached_cells(name, user, period, communities, compute, rest)

    visits = _visit_days(user, communities, period, part, cells)
    schedule = part("schedule", lambda: _schedule(user, period, visits["planned"], communities))
    return {
        "month": period.first.strftime("%Y-%m"), "as_of": period.as_of.isoformat(), "current": period.current,
        "areas": [part("population", lambda: _population(user, communities, period, cells)),
                  _visits(user, communities, period, visits),
                  _meals(user, communities, period, part, cells),
                  part("cases", lambda: _cases(user, communities, period, cells)),
                  part("children", lambda: _children(user, communities, period, cells)),
                  part("volunteers", lambda: _volunteers(user, communities, period, cells))],
        **schedule,
    }


def _counted(name: str, compute, rest: bool = False) -> dict:
    """A part's counts for the whole scope, uncached (the report pack; a test's look at one part)."""
    return compute(None)


def _within(rows, field: str, ids):
    """`rows` whose `field` (a community) is one of `ids`; None among them: also those of no community. `ids`
    None: all of them (the scope's own filter is enough)."""
    if ids is None:
        return rows
    asked = Q(**{f"{field}__in": [pk for pk in ids if pk is not None]})
    return rows.filter(asked | Q(**{f"{field}__isnull": True}) if None in ids else asked)


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
    "visits_today": {"visits.visit", "residents.resident", "residents.residenttag"},
    "meals": {"elderly_care.meal", "residents.servicepoint", "residents.resident"},
    "meals_today": {"elderly_care.meal", "residents.servicepoint", "residents.resident"},
    "cases": {"assistance.case", "assistance.casetransition", "assistance.disbursement", "residents.resident"},
    "children": {"child_services.programme", "child_services.enrolment", "child_services.attendance",
                 "child_services.session", "residents.servicepoint", "child_services.nutritiondelivery",
                 "child_services.nutritionplan", "assistance.wish", "assistance.wishtransition",
                 "residents.resident"},
    "volunteers": {"volunteers.volunteer", "volunteers.hoursentry", "volunteers.attendance", "volunteers.activity",
                   "volunteers.team", "volunteers.serviceorder", "volunteers.ordertransition", "volunteers.pairing",
                   "volunteers.pairingvisit", "residents.resident"},
    "schedule": {"visits.visit", "visits.careplan", "visits.visitrule", "visits.duedate", "residents.resident",
                 "residents.grid", "residents.residenttag"},
}
# What each part reads of a resident's own row (besides their tags): a saved resident whose values of these
# are unchanged (a phone number, an address, a note) starts no part afresh. Every part counts by community.
REGISTER = {"community_id", "status", "status_date", "created_at"}
RESIDENT_FIELDS = {
    "population": REGISTER | {"birth_date"},
    "visits": REGISTER | {"birth_date", "care_dependency", "disability_grade"},
    "visits_today": REGISTER | {"birth_date", "care_dependency", "disability_grade"},
    "schedule": REGISTER | {"grid_id", "care_tier", "care_tier_since", "name"},
}
COMMUNITY_ONLY = {"community_id"}
# Every part names communities; a renamed or new one starts them all afresh.
ALL_PARTS = {"residents.community", "residents.subdistrict"}


def figures_changed(model, instance=None, fields: set[str] | None = None,
                    subdistricts: set[int] | None = None, communities: set[int] | None = None) -> None:
    """A row of `model` (`instance`, when one row is known; `fields`, the resident's fields whose values
    changed, when known; `subdistricts` and `communities`, every sub-district and community the write touched,
    when the caller knows them) was written: the cached parts that read it get a new generation (their old
    entries are never read again and expire). A meal of today's is only in today's slice of the meals (the
    canteens check in all day: the month's earlier days stay cached). A row whose sub-district is known starts
    afresh only the figures of that sub-district and the district's: a check-in at one sub-district's canteen
    leaves the nine others' dashboards warm. Within them, a row whose community is known starts afresh that
    community's counts alone (_cached_cells); else every community's of its sub-district."""
    label = model._meta.label_lower
    names = [name for name, sources in PART_SOURCES.items() if label in sources or label in ALL_PARTS]
    if label == "elderly_care.meal" and instance is not None and instance.date == timezone.localdate():
        names = ["meals_today"]
    elif (label == "visits.visit" and instance is not None
          and timezone.localdate(instance.visited_at) == timezone.localdate()):
        names = ["visits_today", "schedule"]  # and what is overdue now
    elif label == "residents.resident" and fields is not None:
        names = [name for name in names if fields & RESIDENT_FIELDS.get(name, COMMUNITY_ONLY)]
    if subdistricts:
        where = set(subdistricts)
    else:
        # A resident who moved (or one whose changes are not known) may leave one sub-district for another; the
        # places themselves are named in every scope's figures.
        moved = label in ALL_PARTS or label == "residents.resident" and (fields is None or "community_id" in fields)
        one = None if moved else _subdistrict_of(instance)
        where = None if one is None else {one}
    if where is None:
        scopes = ["all"]
    else:
        if communities is None and label != "residents.resident":
            communities = _communities_of(label, instance)
        places = ([f"community{pk}" for pk in sorted(communities)] if communities is not None
                  else [f"places{pk}" for pk in sorted(where)])
        whole = [*(f"subdistrict{pk}" for pk in sorted(where)), "district"]
        # What is in none of a scope's communities (its rest: guests and other sub-districts' diners, the points
        # and volunteers of a whole sub-district) is not changed by a resident or her tags while she stays within
        # one sub-district: a move inside 和平里 counts its two communities again, not its canteens' guests.
        kept = label in COUNTED_BY_HER and communities is not None and len(where) == 1
        scopes = [*whole, *([] if kept else [f"{scope}:rest" for scope in whole]), *places]

    def bump():
        # A fresh, never-reused value rather than a counter: if the cache lost the generation, a counter
        # restarting at 1 could meet an old entry again.
        cache.set_many({f"figures:generation:{name}:{scope}": time_ns() for name in names for scope in scopes},
                       None)

    # Now, and again once the transaction commits: a reader between the two would otherwise cache the
    # old figures under the new generation (outside a transaction, on_commit runs at once).
    bump()
    transaction.on_commit(bump)


# Rows whose write, while she stays in one sub-district, changes her communities' counts alone.
COUNTED_BY_HER = {"residents.resident", "residents.residenttag"}

# The resident a written row is counted by, in every part that reads it (its diner, its visited, its case's
# applicant): her community is the row's. Rows the parts count by another community (a programme by its point's,
# a volunteer by their own) are not here: a write of them starts afresh every community of its sub-district.
COUNTED_BY = {"residents.residenttag": "resident", "visits.visit": "resident", "elderly_care.meal": "resident",
              "assistance.case": "resident", "assistance.disbursement": "case.resident",
              "assistance.casetransition": "case.resident"}


def _communities_of(label: str, instance) -> set[int] | None:
    """The community a written row is counted in, when what was loaded with it tells it (never a query); an
    empty set for a row of no resident (a guest's meal: counted with the scope's rest); None when not known."""
    path = COUNTED_BY.get(label)
    if path is None or instance is None:
        return None
    obj = instance
    for step in path.split("."):
        field = obj._meta.get_field(step)
        if getattr(obj, field.attname) is None:
            return set()
        if not field.is_cached(obj):
            return None
        obj = getattr(obj, step)
    return {obj.community_id}


# Where a written row names its sub-district, nearest first: its own column, its canteen or service point, its
# community, its resident's community (a meal, a visit, a case, an enrolment's child …), its case's resident's (a
# case's step, a payment).
SUBDISTRICT_PATHS = ("subdistrict_id", "point.subdistrict_id", "community.subdistrict_id",
                     "resident.community.subdistrict_id", "child.community.subdistrict_id",
                     "case.resident.community.subdistrict_id")


def _subdistrict_of(instance) -> int | None:
    """The sub-district of a written row when what was loaded with it tells it (never a query: a check-in
    keeps its eight); None when it does not."""
    if instance is None:
        return None
    for path in SUBDISTRICT_PATHS:
        obj, *steps = instance, *path.split(".")
        for step in steps[:-1]:
            try:
                field = obj._meta.get_field(step)
            except FieldDoesNotExist:
                break
            if not (field.many_to_one and field.is_cached(obj)):
                break
            obj = getattr(obj, step)
            if obj is None:
                break
        else:
            found = getattr(obj, steps[-1], None)
            if isinstance(found, int):
                return found
    return None


def _scope(user) -> str | None:
    """The cached scopes, each the whole of its communities: the district, or an admin's or leader's
    sub-district."""
    if is_district_officer(user):
        return "district"
    if reads_reports(user) and user.subdistrict_id:
        return f"subdistrict{user.subdistrict_id}"
    return None


# Moves on when what a part caches changes shape, so that a deployment never reads an entry an older
# release left (2: the visits and meals parts hold the sums of their days, not their tables; 3: the register
# links name status=active; 4: the meals parts keep no total, it is their rows' sum; 5: counts per community).
FIGURES_SHAPE = 5


def _generations(name: str, scopes) -> dict:
    """{scope: generation} of a part, each made (now) where the cache has none yet."""
    keys = {scope: f"figures:generation:{name}:{scope}" for scope in scopes}
    found = cache.get_many(list(keys.values()))
    missing = {key: time_ns() for key in keys.values() if key not in found}
    if missing:
        cache.set_many(missing, None)
        found.update(missing)
    return {scope: found[key] for scope, key in keys.items()}


def _counting(generation: int):
    """Where to count a part started afresh at `generation` (the time of the write that started it): moments
    ago, on the primary; a replica a moment behind would cache the figures from before that write under the
    new generation for FIGURES_CACHE_SECONDS. Later misses may read the replica."""
    just_written = time_ns() - generation < settings.REPLICA_LAG_SECONDS * 1_000_000_000
    return reading_primary() if just_written else nullcontext()


def _cached(name: str, user, period: Period, compute):
    scope = _scope(user)
    if scope is None:  # other scopes are not cached (they do not read the dashboard)
        return compute()
    # Two generations: a write anywhere (or in a place not known) moves the first, a write in this scope's
    # sub-district the second.
    generations = _generations(name, ["all", scope])
    key = (f"figures:{name}:{FIGURES_SHAPE}:{scope}:{period.first:%Y-%m}:{timezone.localdate():%Y%m%d}:"
           f"{generations['all']}.{generations[scope]}")
    found = cache.get(key)
    if found is None:
        with _counting(max(generations.values())):
            found = compute()
        cache.set(key, found, settings.FIGURES_CACHE_SECONDS)
    return found


# Counted by their residents alone, a community's counts are the same in every scope that holds it: the district
# reads those 和平里's leader counted (and hers, the district's). The meals (a sub-district counts its own
# canteens'), the children's and the volunteers' (by a point's or a team's scope) are each scope's own.
SHARED_CELLS = {"population", "visits", "cases"}


def _cached_cells(name: str, user, period: Period, communities, compute, rest: bool) -> dict:
    """A part's counts per community ({community id: counts}), each community's cached apart under three
    generations: the one for every scope, its sub-district's communities' (`places`) and its own. A write whose
    community is known (a resident moved or registered, a tag, a visit or a meal of hers, a case) starts afresh
    that community's counts only, and the part is then counted for that community alone: one of a district's
    two hundred, not its million residents. `compute(ids)` counts the communities `ids` (None: all of them).
    `rest`: the part also counts what is in none of the scope's communities (key None: guests, a point of the
    whole sub-district), cached with the scope's rest's generation (`<scope>:rest`): any write in the scope may
    change it but a resident's or her tags' within one sub-district (figures_changed)."""
    scope = _scope(user)
    if scope is None:
        return compute(None)
    generations = _generations(name, {"all", f"{scope}:rest", *(f"places{c.subdistrict_id}" for c in communities),
                                      *(f"community{c.id}" for c in communities)})
    head = f"figures:cell:{name}:{FIGURES_SHAPE}:{{}}:{period.first:%Y-%m}:{timezone.localdate():%Y%m%d}"
    mine = {c.id: ("all", f"places{c.subdistrict_id}", f"community{c.id}") for c in communities}
    if rest:
        mine[None] = ("all", f"{scope}:rest")
    keys = {pk: head.format("any" if pk is not None and name in SHARED_CELLS else scope) + f":{pk or 'rest'}:"
            + ".".join(str(generations[g]) for g in names) for pk, names in mine.items()}
    found = cache.get_many(list(keys.values()))
    counts = {pk: found[key] for pk, key in keys.items() if key in found}
    missing = [pk for pk in keys if pk not in counts]
    if missing:
        with _counting(max(generations[g] for pk in missing for g in mine[pk])):
            fresh = compute(None if len(missing) == len(keys) else missing)
        counted = {pk: fresh.get(pk, {}) for pk in missing}
        cache.set_many({keys[pk]: value for pk, value in counted.items()}, settings.FIGURES_CACHE_SECONDS)
        counts.update(counted)
    return counts


# ---------------------------------------------------------------------------------------------------
# Everything a person receives, in one place, and the overlaps the rules forbid or flag: the resident
# page's benefits panel (reports/templatetags/resident_panels.py).
# ---------------------------------------------------------------------------------------------------

def benefits_of(resident: Resident) -> dict:
    """Cases and (live) payments of the resident, as applicant and as a member of their household, the meal
    subsidies they ate, and warnings: 低保 and 特困 at once, two temporary payments in one month, any
    benefit dated after a death."""
    # The household's cases through their residents' household, in the cases' own query (the members' ids were
    # a query of their own); every member counts, in the viewer's scope or not.
    mine = Q(resident__household_id=resident.household_id) if resident.household_id else Q(resident=resident)
    cases = list(Case.objects.filter(mine).select_related("resident").prefetch_related("disbursements")
                 .order_by("-opened_at"))
    # The live payments (a voided one was not paid) are read from the cases' own, already fetched: the page
    # asked for them again, and for their two totals, in three more queries.
    payments = [p for c in cases for p in c.disbursements.all() if p.voided_at is None]
    own = [p for p in payments if p.case.resident_id == resident.pk]
    meals = Meal.objects.filter(resident=resident).aggregate(subsidy=Sum("subsidy"), meals=Count("id"))
    warnings = []
    live = {c.kind for c in cases if c.state in IN_AID and c.resident_id == resident.pk}
    if {CaseKind.DIBAO, CaseKind.TEKUN} <= live:
        warnings.append("同时享受低保和特困供养：两者不能同时享受，请核查。")
    temporary = Counter(p.paid_on.strftime("%Y-%m") for p in own if p.case.kind == CaseKind.TEMPORARY)
    for month, n in sorted(temporary.items()):
        if n > 1:
            warnings.append(f"{month} 有 {n} 笔临时救助发放：同一月内一般只发放一次，请核查。")
    if resident.status == Status.DECEASED and resident.status_date:
        after = sum(p.paid_on > resident.status_date for p in own)
        late_meals = Meal.objects.filter(resident=resident, date__gt=resident.status_date).count()
        if after or late_meals:
            warnings.append(f"居民已于 {resident.status_date:%Y-%m-%d} 去世，之后仍有 {after} 笔发放、"
                            f"{late_meals} 次助餐补贴，请核查。")
    return {
        "cases": cases, "warnings": warnings,
        "paid_total": fen(sum(p.amount for p in own)),
        "household_paid_total": fen(sum(p.amount for p in payments if p.case.resident_id != resident.pk)),
        "meal_subsidy": fen(meals["subsidy"]), "meal_count": meals["meals"] or 0,
    }
