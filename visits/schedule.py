"""What is due and what is overdue: the one definition that the grid worker's day, the API, the
dashboard and the reminders all use (screens that each decide "overdue" for themselves show users
numbers that contradict each other).

A resident's plan is the visit rules of their care tier in their sub-district, plus a daily curtain
sign when they are in the curtain pact. For each (resident, method) the next visit is due one
interval after the last visit of that method (daily: the next day; weekly: 7 days; every N days;
monthly and quarterly: the same day one or three months on). Never visited: due from the day the
resident's tier began (`care_tier_since`; today if unknown), so a forgotten resident grows overdue.
Nothing is due by a rule before the day it was set (`counts_from`).
Only a curtain sign that says the curtain was open, or a home visit that day, keeps the pact; a sign
that the curtain was closed is an alarm at once, like a missed deadline.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Max, Q, QuerySet, Window
from django.utils import timezone

from jiedao.dates import add_months, day_range
from residents.models import Resident, Status

from .models import CarePlan, DueDate, Frequency, Method, Visit, VisitRule

CURTAIN_ESCALATE_AFTER_DAYS = 0  # a missed curtain is urgent at once; see reminders for the hours


@dataclass(frozen=True)
class DueItem:
    resident_id: int
    method: str
    due_date: date
    last_visit: date | None
    overdue_days: int  # 0: due today
    escalate_after_days: int
    deadline: time | None = None  # curtain pact: the sign is due by this time of day
    curtain_closed: bool = False  # the sign was recorded: the curtain is closed

    @property
    def is_overdue(self) -> bool:
        return self.overdue_days > 0


def next_due(last: date | None, frequency: str, every_n_days: int | None, today: date,
             since: date | None = None) -> date:
    if last is None:
        return min(since or today, today)
    if frequency == Frequency.DAILY:
        return last + timedelta(days=1)
    if frequency == Frequency.WEEKLY:
        return last + timedelta(days=7)
    if frequency == Frequency.EVERY_N_DAYS:
        return last + timedelta(days=every_n_days or 1)
    if frequency == Frequency.MONTHLY:
        return add_months(last, 1)
    return add_months(last, 3)


def last_visits(resident_ids, methods) -> dict[tuple[int, str], date]:
    """{(resident, method): local date of the latest visit} in one grouped query. A curtain sign
    counts only when the curtain was open."""
    rows = (Visit.objects.filter(resident_id__in=resident_ids, method__in=list(methods))
            .exclude(method=Method.CURTAIN_SIGN, ok=False)
            .values_list("resident_id", "method").annotate(last=Max("visited_at")).order_by())
    local = timezone.get_current_timezone()  # once: timezone.localdate() per row was a third of the time
    return {(pk, method): last.astimezone(local).date() for pk, method, last in rows}


def _rule_due(previous: date | None, rule: VisitRule, today: date, since: date | None) -> date:
    due = next_due(previous, rule.frequency, rule.every_n_days, today, since)
    if rule.counts_from is not None and due < rule.counts_from:
        due = rule.counts_from  # a rule is late only from the day it was set
    return due


def _rules() -> dict[tuple[int, str], list[VisitRule]]:
    rules: dict[tuple[int, str], list[VisitRule]] = {}
    for rule in VisitRule.objects.all():
        rules.setdefault((rule.subdistrict_id, rule.care_tier), []).append(rule)
    return rules


def planned_dates(residents: QuerySet) -> list[DueDate]:
    """The stored next-due date of every rule of these residents' plans (what DueDate holds): one interval
    after the last visit by the rule's method, or empty when never visited (then due_items reads it from the
    day the tier began, since it moves with today until then). Three queries, whatever the number."""
    rules = _rules()
    residents = residents.filter(status=Status.ACTIVE, care_tier__in={tier for _, tier in rules})
    people = list(residents.values_list("id", "care_tier", "community__subdistrict_id", "care_tier_since",
                                        "community_id"))
    if not people:
        return []
    last = last_visits(residents.values("pk"), {r.method for rs in rules.values() for r in rs})
    rows = []
    for pk, tier, subdistrict_id, since, community_id in people:
        for rule in rules.get((subdistrict_id, tier), []):
            previous = last.get((pk, rule.method))
            # With a last visit the date does not depend on today (nor on the day the tier began).
            due = _rule_due(previous, rule, previous, None) if previous is not None else None
            rows.append(DueDate(resident_id=pk, rule=rule, method=rule.method, last_visit=previous, due_date=due,
                                since=since, community_id=community_id))
    return rows


def due_items(residents: QuerySet, today: date | None = None, *, curtains: bool = True,
              communities: list[int] | None = None) -> list[DueItem]:
    """Everything due today or overdue for these residents (a Resident queryset, already scoped),
    most urgent first. A fixed number of queries, whatever the number of residents: the rules' dates are
    read from DueDate (only those due by today), the curtain pact's from today's signs. `curtains=False`
    leaves the pact's daily signs out (never overdue: what counts only the overdue need not read them).
    `communities`: the ids of the communities that `residents` is the whole of (a sub-district's or the
    district's scope), read from the dates' own community instead of through the residents."""
    today = today or timezone.localdate()
    residents = residents.filter(status=Status.ACTIVE)
    rules = VisitRule.objects.in_bulk()
    items = []
    stored = _stored(residents, communities)
    for pk, rule_id, previous, due, since in (
            stored
            .filter(Q(due_date__lte=today) | Q(due_date__isnull=True))
            .values_list("resident_id", "rule_id", "last_visit", "due_date", "since")):
        rule = rules[rule_id]
        if due is None:
            due = _rule_due(None, rule, today, since)
        if due <= today:
            items.append(DueItem(pk, rule.method, due, previous, (today - due).days, rule.escalate_after_days))
    if curtains:
        curtains = dict(CarePlan.objects.filter(resident__in=residents, curtain_pact=True)
                        .values_list("resident_id", "curtain_deadline"))
    else:
        curtains = {}
    if curtains:
        last = last_visits(list(curtains), {Method.CURTAIN_SIGN, Method.HOME})
        start, end = day_range(today, today)
        closed = set(Visit.objects.filter(resident_id__in=list(curtains), method=Method.CURTAIN_SIGN, ok=False,
                                          visited_at__gte=start, visited_at__lt=end)
                     .values_list("resident_id", flat=True))
    for pk, deadline in curtains.items():
        previous = last.get((pk, Method.CURTAIN_SIGN))
        # The pact is a sign every day, whatever the tier's rules; a worker at the door today keeps it too.
        if previous != today and last.get((pk, Method.HOME)) != today:
            items.append(DueItem(pk, Method.CURTAIN_SIGN, today, previous, 0, CURTAIN_ESCALATE_AFTER_DAYS, deadline,
                                 curtain_closed=pk in closed))
    items.sort(key=lambda i: (i.method != Method.CURTAIN_SIGN, -i.overdue_days, i.due_date, i.resident_id))
    return items


def overdue(residents: QuerySet, today: date | None = None, *, communities: list[int] | None = None,
            first: int = 10) -> tuple[int, list[DueItem]]:
    """How many of the rules' visits are overdue for these residents, and the `first` most overdue, in the
    order due_items gives them (what is overdue of due_items, counted without building each item: a district
    at a million has some ten thousand overdue, 200 ms as DueItems). A stored date is overdue when it is before
    today; one never visited is due from the day the tier began, which moves with today, so is read here as
    due_items reads it. Two queries: the first rows with the count of all (a window), and those never visited."""
    today = today or timezone.localdate()
    stored = _stored(residents.filter(status=Status.ACTIVE), communities)
    count, items = 0, []
    for pk, method, escalate, previous, due, late in (
            stored.filter(due_date__lt=today).annotate(late=Window(Count("id")))
            .order_by("due_date", "resident_id", "rule_id")
            .values_list("resident_id", "method", "rule__escalate_after_days", "last_visit", "due_date", "late")
            [:max(first, 1)]):  # one row at least: it carries the count
        count = late
        items.append(DueItem(pk, method, due, previous, (today - due).days, escalate))
    for row in stored.filter(due_date__isnull=True).select_related("rule"):
        due = _rule_due(None, row.rule, today, row.since)
        if due < today:
            count += 1
            items.append(DueItem(row.resident_id, row.rule.method, due, None, (today - due).days,
                                 row.rule.escalate_after_days))
    items.sort(key=lambda i: (-i.overdue_days, i.resident_id))
    return count, items[:first]


def _stored(residents: QuerySet, communities: list[int] | None) -> QuerySet:
    """The stored dates of `residents` (active ones: only theirs are stored), read from the dates' own
    community when `communities` are the whole of them (a sub-district's or the district's scope)."""
    return (DueDate.objects.filter(resident__in=residents.values("pk")) if communities is None
            else DueDate.objects.filter(community_id__in=communities))


def curtain_missed(item: DueItem, now: datetime) -> bool:
    """No open curtain by the deadline today, or a sign that it is closed: someone goes to the door now."""
    if item.method != Method.CURTAIN_SIGN:
        return False
    return item.curtain_closed or (item.deadline is not None and timezone.localtime(now).time() >= item.deadline)


def overdue_days_for(resident, method: str, on: date) -> int:
    """How late a visit made on `on` is against the plan (recorded with the visit, for compliance)."""
    items = [i for i in due_items(Resident.objects.filter(pk=resident.pk), today=on) if i.method == method]
    return items[0].overdue_days if items else 0
