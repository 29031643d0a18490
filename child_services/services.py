"""Writes of the child programmes: programmes and their sessions, enrolment (one service for the staff page,
the API and the parents' public sign-up), withdrawal with the waiting list moving up, and attendance.

Writes of child services (nutrition packs): a child's plan, each round's delivery, the daily job that
creates rounds and reminds whoever has not confirmed one."""
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from jiedao import audit
from jiedao.models import AuditAction, Notification, NotificationKind, Role, User
from jiedao.notifications import notifications_deliver, notifications_write
from jiedao.scope import (
    NUTRITION_DELIVERERS,
    covers,
    delivers_nutrition,
    manages_programmes,
    plans_nutrition,
    takes_child_attendance,
)
from jiedao.signals import rows_changed
from residents.models import PHONE, Resident, ResidentTag, ServicePoint, Status, Tag
from residents.selectors import community_supervisors

from .choices import CHILD_AGE_LIMIT_MONTHS, EnrolmentChannel, EnrolmentStatus
from .models import (
    LAST_ROUND_DAY,
    PACK_VALUE_CAP,
    Attendance,
    DeliveryStatus,
    Enrolment,
    NutritionDelivery,
    NutritionPlan,
    Programme,
    Session,
)

PROGRAMME_FIELDS = ["point", "name", "kind", "age_min_months", "age_max_months", "starts_on", "ends_on", "capacity",
                    "enrol_opens_at", "enrol_closes_at", "fee", "description"]
MAX_SESSIONS = 400  # a weekly pattern over more than a few years is a typing mistake, not a programme


def age_in_months(birth: date, on: date) -> int:
    """Whole months of age on a day (a child born on 31 Jan is one month old on 28 Feb only at month's end)."""
    months = (on.year - birth.year) * 12 + on.month - birth.month
    return months - 1 if on.day < birth.day else months


def months_label(months: int) -> str:
    """How people say a child's age: 18 个月 under three, 6 岁 / 6 岁 3 个月 above."""
    if months < 36:
        return f"{months} 个月"
    years, rest = divmod(months, 12)
    return f"{years} 岁" + (f" {rest} 个月" if rest else "")


# --- programmes and sessions ---------------------------------------------------------------------------

def _point_in_scope(actor, point: ServicePoint) -> None:
    if not ServicePoint.objects.visible_to(actor).filter(pk=point.pk).exists():
        raise ValidationError({"point": "该服务点不在您的管辖范围内。"})


def _programme_in_scope(actor, programme: Programme) -> None:
    if not Programme.objects.visible_to(actor).filter(pk=programme.pk).exists():
        raise PermissionDenied("该课程不在您的管辖范围内。")


@transaction.atomic
def programme_save(*, actor, programme: Programme) -> Programme:
    """Create or change a programme at a point of the actor's scope; only the changed fields are logged. A
    larger capacity gives the places it adds to the first children waiting, at once."""
    if not manages_programmes(actor):
        raise PermissionDenied("您的角色不能管理儿童课程。")
    if programme.point_id:
        _point_in_scope(actor, programme.point)

    def guard(stored):
        if stored is not None and not Programme.objects.visible_to(actor).filter(pk=stored.pk).exists():
            raise PermissionDenied("该课程不在您的管辖范围内。")

    if programme.pk:
        Programme.objects.select_for_update().filter(pk=programme.pk).first()  # the enrolments' own lock
        enrolled = Enrolment.objects.filter(programme_id=programme.pk, status=EnrolmentStatus.ENROLLED).count()
        if programme.capacity is not None and programme.capacity < enrolled:
            # A place is a child's once given: fewer places are made by withdrawing children, each with a reason.
            raise ValidationError({"capacity": f"已录取 {enrolled} 名儿童，名额不能少于 {enrolled}；"
                                               "如需减少，请先为儿童办理退出。"})
    audit.audited_save(actor=actor, obj=programme, fields=PROGRAMME_FIELDS, guard=guard)
    _fill_places(programme)
    return programme


@transaction.atomic
def session_create(*, actor, programme: Programme, starts_at: datetime, ends_at: datetime) -> Session:
    if not manages_programmes(actor):
        raise PermissionDenied("您的角色不能管理儿童课程。")
    _programme_in_scope(actor, programme)
    session = Session(programme=programme, starts_at=starts_at, ends_at=ends_at)
    _check_session(programme, session)
    if Session.objects.filter(programme=programme, starts_at=starts_at).exists():
        raise ValidationError({"starts_at": "该课程在这一时间已有一次课。"})
    session.save()
    audit.record(actor=actor, action=AuditAction.CREATE, target=session,
                 changes={"programme": audit.ref(programme), "starts_at": starts_at.isoformat(),
                          "ends_at": ends_at.isoformat()})
    return session


def _check_session(programme: Programme, session: Session) -> None:
    session.clean_fields(exclude=["programme"])  # times a person may name (the model validators)
    if session.ends_at <= session.starts_at:
        raise ValidationError({"ends_at": "结束时间须晚于开始时间。"})
    if session.ends_at - session.starts_at > timedelta(hours=24):
        raise ValidationError({"ends_at": "一次课不能超过 24 小时。"})
    day = timezone.localdate(session.starts_at)
    if not programme.starts_on <= day <= programme.ends_on:
        raise ValidationError({"starts_at": f"课次须在课程日期内（{programme.starts_on} 至 {programme.ends_on}）。"})


@transaction.atomic
def sessions_from_pattern(*, actor, programme: Programme, weekdays: list[int], start: time, end: time) -> list[Session]:
    """Every `weekdays` (0 = Monday) of the programme's dates, from `start` to `end`; days already holding a
    session at that time are left as they are, so running the pattern twice adds nothing."""
    if not manages_programmes(actor):
        raise PermissionDenied("您的角色不能管理儿童课程。")
    _programme_in_scope(actor, programme)
    if not weekdays or any(d not in range(7) for d in weekdays):
        raise ValidationError({"weekdays": "请选择每周上课的日子（周一至周日）。"})
    if end <= start:
        raise ValidationError({"end": "结束时间须晚于开始时间。"})
    days = [programme.starts_on + timedelta(days=n) for n in range((programme.ends_on - programme.starts_on).days + 1)]
    starts = [timezone.make_aware(datetime.combine(day, start)) for day in days if day.weekday() in set(weekdays)]
    if len(starts) > MAX_SESSIONS:
        raise ValidationError({"weekdays": f"一次最多生成 {MAX_SESSIONS} 次课，请缩短课程日期。"})
    existing = set(Session.objects.filter(programme=programme, starts_at__in=starts)
                   .values_list("starts_at", flat=True))
    length = datetime.combine(date.min, end) - datetime.combine(date.min, start)
    new = [Session(programme=programme, starts_at=s, ends_at=s + length) for s in starts if s not in existing]
    Session.objects.bulk_create(new)
    if new:
        audit.record(actor=actor, action=AuditAction.CREATE, target=programme,
                     changes={"sessions": len(new), "weekdays": sorted(set(weekdays)),
                              "start": start.isoformat(), "end": end.isoformat()})
        rows_changed.send(sender=Session)  # bulk_create sends no post_save
    return new


# --- enrolment -----------------------------------------------------------------------------------------

def refusal_for_window(programme: Programme, now: datetime) -> str | None:
    if now < programme.enrol_opens_at:
        return f"报名尚未开始：{timezone.localtime(programme.enrol_opens_at):%Y-%m-%d %H:%M} 开始报名。"
    if now >= programme.enrol_closes_at:
        return f"报名已于 {timezone.localtime(programme.enrol_closes_at):%Y-%m-%d %H:%M} 截止。"
    return None


def refusal_for_age(programme: Programme, child: Resident, today: date) -> str | None:
    """The child's age, in months, on the day the class starts (or today, if it runs already)."""
    months = age_in_months(child.birth_date, max(programme.starts_on, today))
    if months >= CHILD_AGE_LIMIT_MONTHS:
        return "只有未满 18 周岁的儿童可以报名。"
    if not programme.age_min_months <= months <= programme.age_max_months:
        return (f"年龄不符：本课程招收{months_label(programme.age_min_months)}至"
                f"{months_label(programme.age_max_months)}的儿童，该儿童届时{months_label(max(months, 0))}。")
    return None


def clashing_session(programme: Programme, child: Resident) -> Session | None:
    """A session of another programme the child is enrolled in that overlaps one of this programme's."""
    others = Session.objects.filter(
        programme__enrolments__child=child, programme__enrolments__status=EnrolmentStatus.ENROLLED,
    ).exclude(programme=programme)
    overlapping = others.filter(starts_at__lt=OuterRef("ends_at"), ends_at__gt=OuterRef("starts_at"))
    mine = Session.objects.filter(programme=programme).filter(Exists(overlapping)).order_by("starts_at").first()
    if mine is None:
        return None
    return others.filter(starts_at__lt=mine.ends_at, ends_at__gt=mine.starts_at).select_related("programme").first()


def enrolment_create(*, actor, programme: Programme, child: Resident, guardian: Resident | None = None,
                     guardian_name: str = "", guardian_phone: str = "",
                     channel: str = EnrolmentChannel.STAFF, now: datetime | None = None) -> Enrolment:
    """Enrol a child in a programme, or put them on its waiting list: first come, first served.

    The one way in for the staff's page, the API and the parents' public sign-up (`actor` None: the page has
    checked the child's number and the guardian's phone against the registry). The programme's row is locked
    (SELECT … FOR UPDATE) before the places are counted, so enrolments take places, and then positions, in the
    order they commit, however many arrive at the opening minute. Refused, with the reason at its field:
    a child outside the age range, already enrolled or waiting here, enrolled in another programme with a
    clashing session, or the window not open or closed.
    """
    if actor is not None:
        if not manages_programmes(actor):
            raise PermissionDenied("您的角色不能为儿童报名。")
        _programme_in_scope(actor, programme)
        if not Resident.objects.visible_to(actor).filter(pk=child.pk).exists():
            raise ValidationError({"child": "该儿童不在您的管辖范围内。"})
        if guardian is not None and not Resident.objects.visible_to(actor).filter(pk=guardian.pk).exists():
            raise ValidationError({"guardian": "该监护人不在您的管辖范围内。"})
    now = now or timezone.now()
    if child.status != Status.ACTIVE:
        raise ValidationError({"child": "该儿童已不在册，不能报名。"})
    if (why := refusal_for_age(programme, child, timezone.localdate(now))) is not None:
        raise ValidationError({"child": why})
    guardian_name, guardian_phone = (guardian_name or "").strip(), (guardian_phone or "").strip()
    if guardian is None:
        if not guardian_name:
            raise ValidationError({"guardian_name": "请选择监护人，或填写监护人姓名和电话。"})
        if not guardian_phone:
            raise ValidationError({"guardian_phone": "请填写监护人电话。"})
    elif guardian.pk == child.pk:
        raise ValidationError({"guardian": "监护人不能是儿童本人。"})
    if guardian_phone:
        try:
            PHONE(guardian_phone)
        except ValidationError as e:
            raise ValidationError({"guardian_phone": e.messages}) from None
    if (why := refusal_for_window(programme, now)) is not None:
        raise ValidationError({"programme": why})
    try:
        with transaction.atomic():
            enrolment = _enrol_locked(programme=programme, child=child, guardian=guardian,
                                      guardian_name=guardian_name, guardian_phone=guardian_phone, channel=channel,
                                      actor=actor)
    except IntegrityError:
        # Only the partial unique index can get here (the lock orders everyone else): a second request for
        # the same child that raced the first.
        raise ValidationError({"child": ALREADY}) from None
    return enrolment


ALREADY = "该儿童已报名或在候补中，不能重复报名。"


def _enrol_locked(*, programme, child, guardian, guardian_name, guardian_phone, channel, actor) -> Enrolment:
    # The clash is looked for before the lock: it is about other programmes, whose enrolments this programme's
    # lock does not hold back anyway. Under the lock, as little as can be: one read of the places, one insert,
    # its audit entry.
    clash = clashing_session(programme, child)
    if clash is not None:
        at = timezone.localtime(clash.starts_at)
        raise ValidationError({"child": f"时间冲突：该儿童已报名的“{clash.programme.name}”在 {at:%m-%d %H:%M} "
                                        "有课，与本课程的课次重叠。"})
    programme = Programme.objects.select_for_update(of=("self",)).select_related("point").get(pk=programme.pk)
    places = Enrolment.objects.filter(programme=programme).live().aggregate(
        mine=Count("pk", filter=Q(child=child)), enrolled=Count("pk", filter=Q(status=EnrolmentStatus.ENROLLED)),
        last=Max("position"))
    if places["mine"]:
        raise ValidationError({"child": ALREADY})
    enrolment = Enrolment(programme=programme, child=child, guardian=guardian, guardian_name=guardian_name,
                          guardian_phone=guardian_phone, channel=channel, created_by=actor)
    if places["enrolled"] < programme.capacity:
        enrolment.status, enrolment.enrolled_at = EnrolmentStatus.ENROLLED, timezone.now()
    else:
        enrolment.status, enrolment.position = EnrolmentStatus.WAITLISTED, (places["last"] or 0) + 1
    enrolment.full_clean(exclude=["programme", "child", "guardian", "created_by"], validate_constraints=False)
    enrolment.save()
    audit.record(actor=actor, action=AuditAction.CREATE, target=enrolment,
                 subdistrict_id=programme.point.subdistrict_id,
                 changes={"programme": audit.ref(programme), "child": audit.ref(child), "channel": channel,
                          "status": enrolment.status, "position": enrolment.position})
    return enrolment


def _fill_places(programme: Programme) -> list[Enrolment]:
    """Move the first waiting children up while there are places (the caller holds the programme's lock),
    and close the gap their positions leave. Returns the children moved up."""
    live = Enrolment.objects.filter(programme=programme).live()
    free = programme.capacity - live.filter(status=EnrolmentStatus.ENROLLED).count()
    if free <= 0:
        return []
    moved = list(live.filter(status=EnrolmentStatus.WAITLISTED).order_by("position")[:free])
    if not moved:
        return []
    now = timezone.now()
    Enrolment.objects.filter(pk__in=[e.pk for e in moved]).update(status=EnrolmentStatus.ENROLLED, position=None,
                                                                   enrolled_at=now)
    Enrolment.objects.filter(programme=programme, status=EnrolmentStatus.WAITLISTED).update(
        position=F("position") - len(moved))
    for enrolment in moved:
        audit.record(actor=None, action=AuditAction.UPDATE, target=enrolment,
                     changes={"status": [EnrolmentStatus.WAITLISTED, EnrolmentStatus.ENROLLED],
                              "position": [enrolment.position, None]})
        enrolment.status, enrolment.position, enrolment.enrolled_at = EnrolmentStatus.ENROLLED, None, now
    rows_changed.send(sender=Enrolment)  # update() sends no post_save
    return moved


@transaction.atomic
def enrolment_withdraw(*, actor, enrolment: Enrolment, reason: str = "") -> Enrolment:
    """Withdraw a child: a place taken goes at once to the first child waiting, the positions behind move up
    by one, and the programme's staff (the point's community staff, and its operator) hear of it in the inbox."""
    if not manages_programmes(actor):
        raise PermissionDenied("您的角色不能办理退出。")
    if not Enrolment.objects.visible_to(actor).filter(pk=enrolment.pk).exists():
        raise PermissionDenied("该报名不在您的管辖范围内。")
    reason = (reason or "").strip()
    if len(reason) > Enrolment._meta.get_field("withdraw_reason").max_length:
        raise ValidationError({"reason": "退出原因最多 200 字。"})
    programme = Programme.objects.select_for_update().select_related("point").get(pk=enrolment.programme_id)
    enrolment = Enrolment.objects.select_related("child").get(pk=enrolment.pk)
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        raise ValidationError({"detail": "该报名已退出。"})
    before, position = enrolment.status, enrolment.position
    enrolment.status, enrolment.position = EnrolmentStatus.WITHDRAWN, None
    enrolment.withdrawn_at, enrolment.withdraw_reason = timezone.now(), reason
    enrolment.save(update_fields=["status", "position", "withdrawn_at", "withdraw_reason"])
    audit.record(actor=actor, action=AuditAction.UPDATE, target=enrolment,
                 changes={"status": [before, EnrolmentStatus.WITHDRAWN], "position": [position, None],
                          "reason": reason})
    if position is not None:
        Enrolment.objects.filter(programme=programme, status=EnrolmentStatus.WAITLISTED,
                                 position__gt=position).update(position=F("position") - 1)
        rows_changed.send(sender=Enrolment)
    moved = _fill_places(programme)
    _tell_staff(programme, enrolment, moved)
    return enrolment


def programme_staff(point: ServicePoint) -> list[int]:
    """Who hears of a programme's changes: its point's community staff (the sub-district's admins for a
    point of the whole sub-district, or a community with no staff) and the point's own operators."""
    if point.community_id:
        people = list(community_supervisors({point.community_id}).get(point.community_id, []))
    else:
        people = list(User.objects.filter(role=Role.SUBDISTRICT_ADMIN, is_active=True,
                                          subdistrict_id=point.subdistrict_id).values_list("pk", flat=True))
    people += User.objects.filter(role=Role.POINT_OPERATOR, is_active=True, service_point=point).values_list(
        "pk", flat=True)
    return sorted(set(people))


def _tell_staff(programme: Programme, enrolment: Enrolment, moved: list[Enrolment]) -> None:
    names = Resident.objects.in_bulk([e.child_id for e in moved])
    message = f"{enrolment.child.name} 退出了“{programme.name}”"
    message += (f"，候补的 {'、'.join(names[e.child_id].name for e in moved)} 已转为录取，请通知家长。" if moved
                else "。")
    link = reverse("children:programme_detail", args=[programme.pk])
    notifications_write([Notification(recipient_id=user, kind=NotificationKind.ENROLMENT, message=message[:300],
                                      link=link, key=f"enrolment:withdraw:{enrolment.pk}:{user}")
                         for user in programme_staff(programme.point)])


# --- attendance ----------------------------------------------------------------------------------------

@transaction.atomic
def attendance_record(*, actor, session: Session, present: list[int]) -> dict[str, int]:
    """A session's register: every enrolled child is marked present (their enrolment's id is in `present`) or
    absent. Taking it again corrects it; only the rows that change are written."""
    if not takes_child_attendance(actor):
        raise PermissionDenied("您的角色不能记录出勤。")
    if not Session.objects.visible_to(actor).filter(pk=session.pk).exists():
        raise PermissionDenied("该课次不在您的管辖范围内。")
    if session.starts_at > timezone.now() + timedelta(hours=1):
        raise ValidationError({"session": "这次课还没有开始，不能记录出勤。"})
    enrolled = set(Enrolment.objects.filter(programme_id=session.programme_id, status=EnrolmentStatus.ENROLLED)
                   .values_list("pk", flat=True))
    present_ids = set(present)
    strangers = present_ids - enrolled
    if strangers:
        raise ValidationError({"present": "只能为本课程已录取的儿童记录出勤。"})
    stored = {a.enrolment_id: a for a in Attendance.objects.select_for_update().filter(session=session)}
    new, changed = [], []
    for enrolment_id in sorted(enrolled):
        came = enrolment_id in present_ids
        row = stored.get(enrolment_id)
        if row is None:
            new.append(Attendance(session=session, enrolment_id=enrolment_id, present=came, recorded_by=actor))
        elif row.present != came:
            row.present, row.recorded_by, row.recorded_at = came, actor, timezone.now()  # bulk_update skips auto_now
            changed.append(row)
    Attendance.objects.bulk_create(new)
    if changed:
        Attendance.objects.bulk_update(changed, ["present", "recorded_by", "recorded_at"])
    if new or changed:
        audit.record(actor=actor, action=AuditAction.UPDATE if stored else AuditAction.CREATE, target=session,
                     changes={"present": len(present_ids), "absent": len(enrolled - present_ids),
                              "written": len(new) + len(changed)})
        rows_changed.send(sender=Attendance)
    return {"present": len(present_ids), "absent": len(enrolled - present_ids), "written": len(new) + len(changed)}


CHILD_AGE = 18
# The registry's tags that make a child one "in difficulty" for a pack plan; without one, the staff say why.
PACK_TAGS = [Tag.CHILD_IN_DIFFICULTY, Tag.ORPHAN, Tag.LEFT_BEHIND_CHILD]
# A round not confirmed this many days after it fell due reminds its worker; as many days again, the community.
REMIND_AFTER_DAYS = 3
ESCALATE_AFTER_DAYS = 6
PLAN_FIELDS = ["days", "worker", "contents", "value", "reason", "active"]


def clean_days(days) -> list[int]:
    """A plan's days of the month: one to four whole days from 1 to 28 (every month has them), in order."""
    if not isinstance(days, list | tuple) or not days:
        raise ValidationError({"days": "请填写每月发放日，如 1 和 15。"})
    if any(isinstance(d, bool) or not isinstance(d, int) for d in days):
        raise ValidationError({"days": "每月发放日应为整数。"})
    cleaned = sorted(set(days))
    if any(d < 1 or d > LAST_ROUND_DAY for d in cleaned):
        raise ValidationError({"days": f"每月发放日应在 1 到 {LAST_ROUND_DAY} 日之间（每个月都有的日子）。"})
    if len(cleaned) > 4:
        raise ValidationError({"days": "每月最多发放 4 次。"})
    return cleaned


def _worker_for(child: Resident, worker: User | None) -> User:
    """The plan's responsible worker: an active account that brings packs and whose scope holds the child."""
    if worker is None:
        raise ValidationError({"worker": "请指定责任人。"})
    place = {"subdistrict_id": child.community.subdistrict_id, "community_id": child.community_id,
             "grid_id": child.grid_id}
    if not worker.is_active or worker.role not in NUTRITION_DELIVERERS or not covers(worker, **place):
        raise ValidationError({"worker": "责任人须是负责该儿童所在社区或网格的工作人员。"})
    return worker


def _money(value, field: str = "value") -> Decimal:
    try:
        amount = Decimal(value)
    except (ArithmeticError, TypeError, ValueError):
        raise ValidationError({field: "请填写金额，如 200.00。"}) from None
    if not amount.is_finite() or amount <= 0 or amount > PACK_VALUE_CAP or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: f"金额应在 0.01 到 {PACK_VALUE_CAP} 元之间，精确到分。"})
    return amount


@transaction.atomic
def plan_create(*, actor, child: Resident, worker: User | None, days=None, contents: str = "",
                value: Decimal | None = None, reason: str = "", starts_on: date | None = None) -> NutritionPlan:
    """Put a child in difficulty on a pack plan: a resident under 18 of the actor's scope who holds one of
    the PACK_TAGS, or for whom the staff give their reason."""
    if not plans_nutrition(actor):
        raise PermissionDenied("只有社区工作人员和街道管理员可以建立营养包计划。")
    if not Resident.objects.visible_to(actor).filter(pk=child.pk).exists():
        raise ValidationError({"child": "该儿童不在您的管辖范围内。"})
    if child.status != Status.ACTIVE:
        raise ValidationError({"child": "该居民已归档。"})
    if child.age >= CHILD_AGE:
        raise ValidationError({"child": "营养包只发给未满 18 周岁的儿童。"})
    reason = (reason or "").strip()
    tagged = ResidentTag.objects.filter(resident=child, tag__in=PACK_TAGS).exists()
    if not tagged and not reason:
        raise ValidationError({"reason": "该儿童没有困境儿童、孤儿或留守儿童标签：请写明纳入理由。"})
    if NutritionPlan.objects.select_for_update().filter(child=child, active=True).exists():
        raise ValidationError({"child": "该儿童已有在发放的营养包计划。"})
    plan = NutritionPlan(child=child, worker=_worker_for(child, worker), created_by=actor, reason=reason[:200],
                         days=clean_days([1, 15] if days is None else days),
                         starts_on=starts_on or timezone.localdate())
    if contents:
        plan.contents = contents.strip()
    if value is not None:
        plan.value = _money(value)
    plan.full_clean()
    plan.save()
    audit.record(actor=actor, action=AuditAction.CREATE, target=plan, changes={"after": audit.snapshot(plan, [
        "child", *PLAN_FIELDS])})
    return plan


@transaction.atomic
def plan_update(*, actor, plan: NutritionPlan, values: dict[str, Any]) -> NutritionPlan:
    """Change a plan's days, worker, contents, value, reason or stop it (active false); only what changed is
    written, and logged. Rounds already due keep what they were."""
    if not plans_nutrition(actor):
        raise PermissionDenied("只有社区工作人员和街道管理员可以修改营养包计划。")
    plan = NutritionPlan.objects.select_for_update().select_related("child__community").get(pk=plan.pk)
    before = audit.snapshot(plan, PLAN_FIELDS)
    for field, value in values.items():
        if field not in PLAN_FIELDS:
            continue
        if field == "days":
            value = clean_days(value)
        elif field == "worker":
            value = _worker_for(plan.child, value)
        elif field == "value":
            value = _money(value)
        elif field in ("contents", "reason"):
            value = (value or "").strip()
        setattr(plan, field, value)
    if values.get("active") and not before["active"] and NutritionPlan.objects.filter(
            child_id=plan.child_id, active=True).exclude(pk=plan.pk).exists():
        raise ValidationError({"active": "该儿童已有另一份在发放的营养包计划。"})
    changed = [f for f, v in audit.snapshot(plan, PLAN_FIELDS).items() if v != before[f]]
    if not changed:
        return plan
    plan.full_clean()
    plan.save(update_fields=[f"{f}_id" if f == "worker" else f for f in changed])
    audit.record_save(actor=actor, obj=plan, before=before, after=audit.snapshot(plan, PLAN_FIELDS))
    return plan


def _open(delivery: NutritionDelivery, actor) -> NutritionDelivery:
    if not delivers_nutrition(actor):
        raise PermissionDenied("您的角色不能登记营养包发放。")
    delivery = NutritionDelivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status != DeliveryStatus.DUE:
        raise ValidationError({"detail": f"这一次营养包已登记为“{delivery.get_status_display()}”，不能再改。"})
    return delivery


@transaction.atomic
def delivery_confirm(*, actor, delivery: NutritionDelivery, delivered_at: datetime | None = None,
                     received_by: str) -> NutritionDelivery:
    """Record a pack as brought: when (default now; not before its day, not in the future), by the actor,
    and who received it (the child or the guardian at home)."""
    delivery = _open(delivery, actor)
    now = timezone.now()
    delivered_at = delivered_at or now
    if not 2000 <= delivered_at.year <= 2100:  # before anything converts it (year 1 has no UTC before it)
        raise ValidationError({"delivered_at": "送达时间有误，请核对。"})
    if timezone.is_naive(delivered_at):
        delivered_at = timezone.make_aware(delivered_at)
    if delivered_at > now + timedelta(minutes=5):
        raise ValidationError({"delivered_at": "送达时间不能晚于现在。"})
    if timezone.localtime(delivered_at).date() < delivery.due_on:
        raise ValidationError({"delivered_at": f"送达时间不能早于应送日期 {delivery.due_on:%Y-%m-%d}。"})
    received_by = (received_by or "").strip()
    if not received_by:
        raise ValidationError({"received_by": "请填写签收人（儿童本人或监护人）。"})
    if len(received_by) > 50:
        raise ValidationError({"received_by": "签收人请控制在 50 字以内。"})
    delivery.status, delivery.delivered_at, delivery.delivered_by = DeliveryStatus.DELIVERED, delivered_at, actor
    delivery.received_by, delivery.recorded_by, delivery.recorded_at = received_by, actor, now
    delivery.save(update_fields=["status", "delivered_at", "delivered_by", "received_by", "recorded_by",
                                 "recorded_at"])
    _answered(delivery)
    audit.record(actor=actor, action=AuditAction.UPDATE, target=delivery, changes={
        "status": [DeliveryStatus.DUE, DeliveryStatus.DELIVERED], "delivered_at": delivered_at.isoformat()})
    return delivery


@transaction.atomic
def delivery_miss(*, actor, delivery: NutritionDelivery, reason: str) -> NutritionDelivery:
    """Record a round as not brought, with the reason (the family away, in hospital)."""
    delivery = _open(delivery, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请写明未送达的原因。"})
    if len(reason) > 200:
        raise ValidationError({"reason": "原因请控制在 200 字以内。"})
    delivery.status, delivery.missed_reason = DeliveryStatus.MISSED, reason
    delivery.recorded_by, delivery.recorded_at = actor, timezone.now()
    delivery.save(update_fields=["status", "missed_reason", "recorded_by", "recorded_at"])
    _answered(delivery)
    audit.record(actor=actor, action=AuditAction.UPDATE, target=delivery, changes={
        "status": [DeliveryStatus.DUE, DeliveryStatus.MISSED], "reason": reason})
    return delivery


def _answered(delivery: NutritionDelivery) -> None:
    """The reminders about a round just recorded are read for everyone who had them: nothing waits for it."""
    Notification.objects.filter(key__startswith=f"nutrition:{delivery.pk}:", read_at__isnull=True).update(
        read_at=timezone.now())


def rounds_due(plan: NutritionPlan, today: date) -> list[date]:
    """The days of this month, up to today, on which the plan has a round (from its start on)."""
    return [day for d in plan.days if (day := today.replace(day=d)) <= today and day >= plan.starts_on]


def nutrition_run(*, today: date | None = None) -> dict[str, int]:
    """The daily job: create each active plan's rounds fallen due this month (today's, and any day a late or
    missed run left behind: the unique (plan, due_on) makes a second run create nothing), then remind.

    A round still due REMIND_AFTER_DAYS after its day reminds its worker (their inbox, once per round); after
    ESCALATE_AFTER_DAYS the community's staff (or the sub-district's admins) are told too. A worker who no
    longer covers the child is not told: the community is, at once."""
    today = today or timezone.localdate()
    # A child moved away or deceased gets no new round (the plan waits for the staff to stop it).
    plans = list(NutritionPlan.objects.active().filter(starts_on__lte=today, child__status=Status.ACTIVE))
    new = [NutritionDelivery(plan=plan, due_on=day, contents=plan.contents, value=plan.value)
           for plan in plans for day in rounds_due(plan, today)]
    with transaction.atomic():
        before = NutritionDelivery.objects.count()
        NutritionDelivery.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        created = NutritionDelivery.objects.count() - before
    if created:
        rows_changed.send(sender=NutritionDelivery)  # bulk_create sends no post_save
    late = list(NutritionDelivery.objects.filter(status=DeliveryStatus.DUE,
                                                 due_on__lte=today - timedelta(days=REMIND_AFTER_DAYS))
                .select_related("plan__child__community", "plan__worker")
                .prefetch_related("plan__worker__grids", "plan__worker__communities"))
    supervisors = community_supervisors({d.plan.child.community_id for d in late})
    rows = []
    for delivery in late:
        child, worker = delivery.plan.child, delivery.plan.worker
        place = {"subdistrict_id": child.community.subdistrict_id, "community_id": child.community_id,
                 "grid_id": child.grid_id}
        link = reverse("children:delivery", args=[delivery.pk])
        days = (today - delivery.due_on).days
        to_worker = [worker.pk] if covers(worker, **place) else supervisors.get(child.community_id, [])
        rows += [Notification(recipient_id=user, kind=NotificationKind.NUTRITION, resident_id=child.pk,
                              due_date=delivery.due_on, link=link, key=f"nutrition:{delivery.pk}:remind:{user}",
                              message=f"{child.name} {delivery.due_on:%m-%d} 的营养包已过 {days} 天未确认送达。")
                 for user in to_worker]
        if days >= ESCALATE_AFTER_DAYS:
            message = f"{child.name} {delivery.due_on:%m-%d} 的营养包 {days} 天未确认送达，请社区督办。"
            rows += [Notification(recipient_id=user, kind=NotificationKind.ESCALATION, resident_id=child.pk,
                                  due_date=delivery.due_on, link=link, message=message,
                                  key=f"nutrition:{delivery.pk}:escalate:{user}")
                     for user in supervisors.get(child.community_id, [])]
    written = notifications_write(rows)
    delivered, failed = notifications_deliver()
    return {"created": created, "written": written, "delivered": delivered, "failed": failed}
