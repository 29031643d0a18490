"""Reads across the programme's rows: who came to each session and the rate, and the children absent three
sessions running (to be called), each in a fixed number of queries.

Reads of child services that span rows: the figures the dashboard's child-services sheet shows."""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q
from django.utils import timezone

from jiedao.dates import month_end

from .choices import EnrolmentStatus
from .models import Attendance, DeliveryStatus, Enrolment, NutritionDelivery, Programme, Session

ABSENT_RUN = 3  # sessions missed in a row before the family is called


def rate(present: int, taken: int) -> float | None:
    """Attendance rate in percent, one decimal; None when nothing was taken."""
    return round(100 * present / taken, 1) if taken else None


def programme_sessions(user, programme: Programme):
    """The programme's sessions, each with how many came and how many did not (one query)."""
    return (Session.objects.visible_to(user).filter(programme=programme)
            .annotate(came=Count("attendance", filter=Q(attendance__present=True)),
                      missed=Count("attendance", filter=Q(attendance__present=False)))
            .order_by("starts_at"))


def programme_totals(sessions) -> dict:
    came = sum(s.came for s in sessions)
    taken = came + sum(s.missed for s in sessions)
    return {"came": came, "missed": taken - came, "rate": rate(came, taken),
            "taken_sessions": sum(1 for s in sessions if s.came or s.missed)}


@dataclass(frozen=True)
class AbsentRun:
    enrolment_id: int
    child_name: str
    programme_id: int
    programme_name: str
    point_name: str
    missed: int  # sessions missed in a row, latest first
    last_session: object


def absent_runs(user, programme: Programme | None = None, run: int = ABSENT_RUN) -> list[AbsentRun]:
    """Enrolled children whose last `run` registers taken (or more) all say absent: two queries (the
    enrolments, their attendance of sessions already held, latest first)."""
    enrolments = Enrolment.objects.visible_to(user).filter(status=EnrolmentStatus.ENROLLED)
    if programme is not None:
        enrolments = enrolments.filter(programme=programme)
    rows = {e.pk: e for e in enrolments.select_related("child", "programme__point").only(
        "id", "child__name", "programme__name", "programme__point__name")}
    marks = defaultdict(list)
    for enrolment_id, present, starts_at in (
            Attendance.objects.filter(enrolment__in=enrolments.values("pk"), session__starts_at__lte=timezone.now())
            .order_by("enrolment_id", "-session__starts_at").values_list("enrolment_id", "present",
                                                                         "session__starts_at")):
        marks[enrolment_id].append((present, starts_at))
    found = []
    for enrolment_id, seen in marks.items():
        missed = 0
        for present, _ in seen:
            if present:
                break
            missed += 1
        if missed >= run:
            e = rows[enrolment_id]
            found.append(AbsentRun(enrolment_id, e.child.name, e.programme_id, e.programme.name,
                                   e.programme.point.name, missed, seen[0][1]))
    return sorted(found, key=lambda a: (-a.missed, a.programme_name, a.child_name))


PACK_COUNTS = {
    "due": Count("id"),
    "delivered": Count("id", filter=Q(status=DeliveryStatus.DELIVERED)),
    "missed": Count("id", filter=Q(status=DeliveryStatus.MISSED)),
    "open": Count("id", filter=Q(status=DeliveryStatus.DUE)),
}


def nutrition_figures(user, month: date, communities=None) -> dict[int, dict[str, int]]:
    """Per community of the user's scope (community id → counts), the nutrition packs of `month`: the rounds
    that fell due in it (`due`), and of them how many were `delivered`, `missed`, and are still `open`. One
    query. A community without a round is absent (the sheet shows 0). Each figure is the delivery list
    filtered by community, due_from/due_to the month and (but for `due`) its status, so a link shows the
    same number. `communities`: only theirs (ids)."""
    first = month.replace(day=1)
    rounds = NutritionDelivery.objects.visible_to(user).filter(due_on__gte=first, due_on__lte=month_end(first))
    if communities is not None:
        rounds = rounds.filter(plan__child__community_id__in=communities)
    return {row.pop("plan__child__community_id"): row
            for row in rounds.values("plan__child__community_id").annotate(**PACK_COUNTS).order_by()}
