"""The demo's child programmes (seed_demo calls this after the registry's own seed): a 向日葵亲子小屋 in every
community, each running an early-education class for the under-threes of its community (more children than
places: a waiting list), a summer class at the first hut for school children, sessions twice a week from six
weeks ago to six weeks ahead, and the past sessions' registers (a few children missing three running).

The demo's nutrition packs (seed_demo calls this after the registry's own seed): the tagged children of
the demo, up to twenty, on plans since a few months, each past round brought (a few missed, with a reason),
and this month's latest rounds still waiting for their worker."""
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jiedao.dates import add_months
from jiedao.models import Role, User
from residents.models import PointKind, Resident, ServicePoint, Status, Subdistrict

from . import services
from .choices import EnrolmentStatus, ProgrammeKind
from .models import DeliveryStatus, Enrolment, NutritionDelivery, NutritionPlan, Programme, Session

HUT_NAME = "{community}向日葵亲子小屋"


# One commit, not one per enrolment and register: each commit also runs the audit chain's linker.
@transaction.atomic
def seed_programmes(*, subdistrict: Subdistrict, seed: int = 1) -> int:
    """Programmes, enrolments and attendance for the demo; returns the enrolments written. A second call adds
    nothing."""
    if Programme.objects.filter(point__subdistrict=subdistrict).exists():
        return 0
    admin = User.objects.filter(subdistrict=subdistrict, role=Role.SUBDISTRICT_ADMIN, is_active=True).order_by("pk")
    admin = admin.first()
    if admin is None:
        return 0
    rng = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()
    huts = []
    for community in subdistrict.communities.order_by("pk"):
        hut = ServicePoint.objects.filter(community=community, kind=PointKind.PARENT_CHILD_HUT).order_by("pk").first()
        if hut is None:
            hut = ServicePoint.objects.create(
                subdistrict=subdistrict, community=community, kind=PointKind.PARENT_CHILD_HUT,
                name=HUT_NAME.format(community=community.name.removesuffix("社区")), rooms="游戏区、绘本角、哺乳室",
                opening_hours="周二、周四 9:30–11:00", capacity=20)
        huts.append(hut)
    opened = now - timedelta(days=50)
    written = 0
    for n, hut in enumerate(huts):
        early = services.programme_save(actor=admin, programme=Programme(
            point=hut, name="亲子早教班", kind=ProgrammeKind.EARLY_EDUCATION, age_min_months=0, age_max_months=36,
            starts_on=today - timedelta(days=42), ends_on=today + timedelta(days=42), capacity=rng.choice([8, 10, 12]),
            enrol_opens_at=opened, enrol_closes_at=now + timedelta(days=30), fee=Decimal("0"),
            description="家长志愿者带领的亲子游戏、绘本共读与早期发展指导"))
        services.sessions_from_pattern(actor=admin, programme=early, weekdays=[1, 3], start=time(9, 30),
                                       end=time(11))
        written += _enrol(early, admin, rng, months=(0, 36), extra=4, community=hut.community_id, opened=opened)
        if n == 0:
            summer = services.programme_save(actor=admin, programme=Programme(
                point=hut, name="暑期阅读公益班", kind=ProgrammeKind.HOLIDAY_CLASS, age_min_months=72,
                age_max_months=144, starts_on=today - timedelta(days=20), ends_on=today + timedelta(days=20),
                capacity=15, enrol_opens_at=opened, enrol_closes_at=now + timedelta(days=10), fee=Decimal("0"),
                description="阅读、绘画、手工，社区志愿者授课"))
            services.sessions_from_pattern(actor=admin, programme=summer, weekdays=[5], start=time(14),
                                           end=time(16))
            written += _enrol(summer, admin, rng, months=(72, 144), extra=8, community=None, opened=opened)
    _registers(subdistrict, admin, rng)
    return written


def _enrol(programme, admin, rng, *, months, extra, community, opened) -> int:
    """The programme's places and `extra` more children waiting, in a random order of arrival."""
    today = timezone.localdate()
    earliest = today - timedelta(days=int(months[1] * 30.4))
    latest = today - timedelta(days=int(months[0] * 30.4))
    children = Resident.objects.filter(community__subdistrict_id=programme.point.subdistrict_id, status=Status.ACTIVE,
                                       birth_date__gt=earliest, birth_date__lte=latest)
    if community is not None:
        children = children.filter(community_id=community)
    chosen = list(children.order_by("pk").values_list("pk", flat=True))
    rng.shuffle(chosen)
    written = 0
    for n, pk in enumerate(chosen[:programme.capacity + extra]):
        child = Resident.objects.get(pk=pk)
        try:
            services.enrolment_create(actor=admin, programme=programme, child=child, guardian_name="家长",
                                      guardian_phone=f"1380000{rng.randint(1000, 9999)}",
                                      now=opened + timedelta(minutes=n))
            written += 1
        except ValidationError:  # an age just over the edge, a clash: the demo simply leaves that child out
            continue
    return written


def _registers(subdistrict, admin, rng) -> None:
    """The past sessions' registers: most children come, one in six of them has stopped coming lately."""
    sessions = Session.objects.filter(programme__point__subdistrict=subdistrict,
                                      starts_at__lt=timezone.now()).order_by("starts_at")
    enrolled = {}
    for programme_id, pk in Enrolment.objects.filter(programme__point__subdistrict=subdistrict,
                                                     status=EnrolmentStatus.ENROLLED).values_list("programme_id", "pk"):
        enrolled.setdefault(programme_id, []).append(pk)
    stopped = {pk for pks in enrolled.values() for pk in pks if rng.random() < 1 / 6}
    recent = timezone.now() - timedelta(days=12)
    for session in sessions:
        present = [pk for pk in enrolled.get(session.programme_id, [])
                   if not (pk in stopped and session.starts_at >= recent) and rng.random() < 0.85]
        services.attendance_record(actor=admin, session=session, present=present)


MISSED_REASONS = ["全家回老家探亲", "孩子住院，改期补送", "家中无人，联系不上监护人"]


@transaction.atomic
def seed_nutrition(*, subdistrict: Subdistrict, seed: int = 1, months: int = 3) -> int:
    """Plans for up to twenty children in difficulty (困境儿童, 孤儿, 留守儿童 tags), started `months` months ago,
    each brought by the grid's worker (else the community's staff); every round of the past months created by
    the daily job as it would have run on its day, and recorded: brought that afternoon, one in ten missed.
    Rounds of the last three days stay open. Returns the rounds made; a second call adds nothing."""
    if NutritionPlan.objects.filter(child__community__subdistrict=subdistrict).exists():
        return 0
    rng = random.Random(seed)
    staff = list(User.objects.filter(subdistrict=subdistrict, role=Role.COMMUNITY_STAFF, is_active=True)
                 .prefetch_related("communities").order_by("id"))
    workers = list(User.objects.filter(subdistrict=subdistrict, role=Role.GRID_WORKER, is_active=True)
                   .prefetch_related("grids").order_by("id"))
    if not staff:
        return 0
    today = timezone.localdate()
    start = add_months(today.replace(day=1), -months)
    children = (Resident.objects.filter(community__subdistrict=subdistrict).active()
                .filter(tag_links__tag__in=services.PACK_TAGS).distinct().order_by("id"))
    planned = []
    for child in children:
        if child.age >= services.CHILD_AGE or len(planned) == 20:
            continue
        worker = next((w for w in workers if child.grid_id in {g.pk for g in w.grids.all()}), None)
        planner = next((s for s in staff if child.community_id in {c.pk for c in s.communities.all()}), None)
        if planner is None:
            continue
        planned.append(services.plan_create(actor=planner, child=child, worker=worker or planner, starts_on=start))
    made = 0
    day = start
    while day <= today:
        if day.day in {d for plan in planned for d in plan.days}:
            made += services.nutrition_run(today=day)["created"]
            if (today - day).days > 3:
                for delivery in NutritionDelivery.objects.filter(plan__in=planned, due_on=day,
                                                                 status=DeliveryStatus.DUE).select_related("plan"):
                    _record(rng, delivery, day)
        day += timedelta(days=1)
    return made


def _record(rng: random.Random, delivery: NutritionDelivery, day: date) -> None:
    worker = delivery.plan.worker
    if rng.random() < 0.1:
        services.delivery_miss(actor=worker, delivery=delivery, reason=rng.choice(MISSED_REASONS))
        return
    at = datetime.combine(day, time(15, rng.randint(0, 59)), tzinfo=timezone.get_current_timezone())
    services.delivery_confirm(actor=worker, delivery=delivery, delivered_at=at,
                              received_by=rng.choice(["奶奶", "爷爷", "母亲", "父亲", "本人"]))
