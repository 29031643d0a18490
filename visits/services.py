"""Writes of the visits app: recording visits and hazards, plans and rules, and the reminder job."""

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from jiedao import audit
from jiedao.models import AuditAction, Role, User
from jiedao.scope import can_manage_places
from residents.models import Resident

from . import schedule
from .delivery import backend
from .models import (
    CarePlan,
    Hazard,
    HazardStatus,
    Method,
    Notification,
    NotificationKind,
    Visit,
    VisitRule,
)

VISIT_RECORDERS = {Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_STAFF, Role.GRID_WORKER}
PLAN_EDITORS = {Role.SUBDISTRICT_ADMIN, Role.COMMUNITY_STAFF}


def can_record_visits(user) -> bool:
    return bool(user and user.is_authenticated and user.role in VISIT_RECORDERS)


def can_edit_plans(user) -> bool:
    return bool(user and user.is_authenticated and user.role in PLAN_EDITORS)


def _resident_in_scope(actor, resident: Resident) -> None:
    if not Resident.objects.visible_to(actor).filter(pk=resident.pk).exists():
        raise ValidationError({"resident": "该居民不在您的管辖范围内。"})


@transaction.atomic
def visit_record(*, actor, resident: Resident, method: str, visited_at: datetime | None = None,
                 hazards: list[dict[str, str]] | None = None, **findings: Any) -> Visit:
    """Record a visit (and the hazards found on it) by `actor` to a resident of their scope."""
    if not can_record_visits(actor):
        raise PermissionDenied("您的角色不能记录走访。")
    _resident_in_scope(actor, resident)
    now = timezone.now()
    visited_at = visited_at or now
    if visited_at > now + timedelta(minutes=5):
        raise ValidationError({"visited_at": "走访时间不能晚于现在。"})
    if resident.status != "active":
        raise ValidationError({"resident": "该居民已归档，不能再记录走访。"})
    visit = Visit(resident=resident, method=method, visited_at=visited_at, visitor=actor,
                  overdue_days=schedule.overdue_days_for(resident, method, timezone.localdate(visited_at)),
                  **{k: v for k, v in findings.items() if k in FINDINGS})
    visit.full_clean()
    visit.save()
    for hazard in hazards or []:
        found = Hazard(visit=visit, resident=resident, kind=hazard.get("kind", ""),
                       description=hazard.get("description", ""))
        try:
            found.full_clean()
        except ValidationError as e:
            raise ValidationError({"hazards": e.messages}) from None
        found.save()
    audit.record(actor=actor, action=AuditAction.CREATE, target=visit,
                 changes={"resident": resident.pk, "method": method, "hazards": len(hazards or [])})
    return visit


FINDINGS = ["ok", "health", "living", "needs", "notes", "next_action"]

HAZARD_NEXT = {HazardStatus.OPEN: {HazardStatus.IN_HAND, HazardStatus.CLOSED},
               HazardStatus.IN_HAND: {HazardStatus.CLOSED}, HazardStatus.CLOSED: set()}


@transaction.atomic
def hazard_transition(*, actor, hazard: Hazard, status: str) -> Hazard:
    """Follow a hazard up: open → in hand → closed (or open → closed); closed is final."""
    if not can_record_visits(actor):
        raise PermissionDenied("您的角色不能处理隐患。")
    hazard = Hazard.objects.select_for_update().get(pk=hazard.pk)
    if status not in HAZARD_NEXT.get(hazard.status, set()):
        raise ValidationError({"status": f"隐患当前为“{hazard.get_status_display()}”，不能改为该状态。"})
    before = hazard.status
    hazard.status = status
    if status == HazardStatus.CLOSED:
        hazard.closed_by, hazard.closed_at = actor, timezone.now()
    hazard.save()
    audit.record(actor=actor, action=AuditAction.UPDATE, target=hazard, changes={"status": [before, status]})
    return hazard


@transaction.atomic
def care_plan_save(*, actor, resident: Resident, responsible: User | None, curtain_pact: bool,
                   curtain_deadline) -> CarePlan:
    if not can_edit_plans(actor):
        raise PermissionDenied("您的角色不能修改关爱计划。")
    _resident_in_scope(actor, resident)
    if responsible is not None and not (responsible.role in VISIT_RECORDERS and responsible.is_active
                                        and Resident.objects.visible_to(responsible).filter(pk=resident.pk).exists()):
        raise ValidationError({"responsible": "责任人须是能看到该居民的网格员或社区工作人员。"})
    plan, _ = CarePlan.objects.get_or_create(resident=resident)
    before = audit.snapshot(plan, PLAN_FIELDS)
    plan.responsible, plan.curtain_pact, plan.curtain_deadline = responsible, curtain_pact, curtain_deadline
    plan.save()
    audit.record_save(actor=actor, obj=plan, before=before, after=audit.snapshot(plan, PLAN_FIELDS))
    return plan


PLAN_FIELDS = ["responsible_id", "curtain_pact", "curtain_deadline"]
RULE_FIELDS = ["care_tier", "method", "frequency", "every_n_days", "escalate_after_days"]


@transaction.atomic
def visit_rule_save(*, actor, rule: VisitRule) -> VisitRule:
    """The sub-district admin sets how often each tier is visited, and by which method."""
    if not can_manage_places(actor):
        raise PermissionDenied("只有街道管理员可以设置探访规则。")
    stored = VisitRule.objects.filter(pk=rule.pk).first() if rule.pk else None
    if stored is not None and stored.subdistrict_id != actor.subdistrict_id:
        raise PermissionDenied("只能修改本街道的规则。")
    rule.subdistrict_id = actor.subdistrict_id
    if rule.frequency != "every_n_days":
        rule.every_n_days = None
    rule.full_clean()
    rule.save()
    audit.record_save(actor=actor, obj=rule, before=stored and audit.snapshot(stored, RULE_FIELDS),
                      after=audit.snapshot(rule, RULE_FIELDS))
    return rule


DEFAULT_RULES = [
    # (tier, method, frequency, every_n_days): the key tier is phoned daily and visited weekly, down to
    # a monthly call for the general tier (what sub-district reports describe).
    ("key", Method.PHONE, "daily", None),
    ("key", Method.HOME, "weekly", None),
    ("regular", Method.PHONE, "every_n_days", 3),
    ("regular", Method.HOME, "monthly", None),
    ("general", Method.PHONE, "monthly", None),
    ("general", Method.HOME, "quarterly", None),
]


def default_rules_ensure(*, subdistrict) -> None:
    """Give a sub-district the default plan if it has none (seed and new sub-districts)."""
    if not VisitRule.objects.filter(subdistrict=subdistrict).exists():
        VisitRule.objects.bulk_create([VisitRule(subdistrict=subdistrict, care_tier=t, method=m, frequency=f,
                                                 every_n_days=n) for t, m, f, n in DEFAULT_RULES])


# --- reminders ---------------------------------------------------------------------------------------

def responsible_workers(resident_ids) -> dict[int, int]:
    """{resident: user} — the plan's named worker, else the first grid worker of the resident's grid."""
    named = dict(CarePlan.objects.filter(resident_id__in=resident_ids, responsible__isnull=False,
                                         responsible__is_active=True).values_list("resident_id", "responsible_id"))
    grid_of = dict(Resident.objects.filter(pk__in=resident_ids).values_list("pk", "grid_id"))
    first_worker: dict[int, int] = {}
    for user_id, grid_id in (User.grids.through.objects.filter(
            grid_id__in=set(grid_of.values()), user__role=Role.GRID_WORKER, user__is_active=True)
            .order_by("user_id").values_list("user_id", "grid_id")):
        first_worker.setdefault(grid_id, user_id)
    return {rid: named.get(rid) or first_worker.get(grid) for rid, grid in grid_of.items()
            if named.get(rid) or first_worker.get(grid)}


def community_staff(community_ids) -> dict[int, list[int]]:
    staff: dict[int, list[int]] = defaultdict(list)
    for user_id, community_id in (User.communities.through.objects.filter(
            community_id__in=set(community_ids), user__role=Role.COMMUNITY_STAFF, user__is_active=True)
            .values_list("user_id", "community_id")):
        staff[community_id].append(user_id)
    return staff


def reminders_run(*, now: datetime | None = None) -> dict[str, int]:
    """Write what is due, overdue and missed into the inboxes, then deliver what is new.

    Idempotent: each reminder has a key naming what it is about (resident, method, due date,
    recipient), unique in the database, so a second run, or two workers at once, write nothing twice;
    delivery takes each undelivered reminder under a row lock, so none is sent twice either.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    items = schedule.due_items(Resident.objects.all(), today=today)
    resident_ids = {i.resident_id for i in items}
    workers = responsible_workers(resident_ids)
    info = {pk: (name, community_id) for pk, name, community_id in
            Resident.objects.filter(pk__in=resident_ids).values_list("pk", "name", "community_id")}
    staff = community_staff(c for _, c in info.values())
    escalate_hours = getattr(settings, "CURTAIN_ESCALATE_AFTER_HOURS", 2)
    done_today = set(Visit.objects.filter(resident_id__in=resident_ids, method=Method.HOME,
                                          visited_at__date=today).values_list("resident_id", flat=True))
    rows: list[Notification] = []

    def add(recipient, kind, item, message, key):
        rows.append(Notification(recipient_id=recipient, kind=kind, resident_id=item.resident_id,
                                 method=item.method, due_date=item.due_date, message=message[:300], key=key[:120]))

    for item in items:
        name, community_id = info[item.resident_id]
        method = Method(item.method).label
        worker = workers.get(item.resident_id)
        to_worker = [worker] if worker else staff.get(community_id, [])  # no worker: the community hears
        if item.method == Method.CURTAIN_SIGN:
            if not schedule.curtain_missed(item, now):
                continue
            for user in to_worker:
                add(user, NotificationKind.CURTAIN_MISSED, item,
                    f"{name} 今天 {item.deadline:%H:%M} 前没有开窗帘，请立即上门查看。",
                    f"curtain:{item.resident_id}:{today}:{user}")
            late = datetime.combine(today, item.deadline, tzinfo=timezone.get_current_timezone()) + \
                timedelta(hours=escalate_hours)
            if now >= late and item.resident_id not in done_today:
                for user in staff.get(community_id, []):
                    add(user, NotificationKind.ESCALATION, item,
                        f"{name} 今天没有开窗帘，{escalate_hours} 小时内也没有上门记录，请社区跟进。",
                        f"curtain-esc:{item.resident_id}:{today}:{user}")
            continue
        kind = NotificationKind.OVERDUE if item.is_overdue else NotificationKind.DUE
        text = (f"{name} 的{method}探访已逾期 {item.overdue_days} 天。" if item.is_overdue
                else f"{name} 今天应进行{method}探访。")
        for user in to_worker:
            add(user, kind, item, text, f"due:{item.resident_id}:{item.method}:{item.due_date}:{user}")
        if item.overdue_days > item.escalate_after_days:
            for user in staff.get(community_id, []):
                add(user, NotificationKind.ESCALATION, item,
                    f"{name} 的{method}探访已逾期 {item.overdue_days} 天，超过 {item.escalate_after_days} 天，请督办。",
                    f"esc:{item.resident_id}:{item.method}:{item.due_date}:{user}")
    Notification.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    delivered = notifications_deliver()
    return {"due_items": len(items), "written": len(rows), "delivered": delivered}


def notifications_deliver(batch: int = 500) -> int:
    """Send every undelivered reminder once through the configured backend."""
    sender, sent = backend(), 0
    while True:
        with transaction.atomic():
            pending = list(Notification.objects.select_for_update(skip_locked=True)
                           .filter(delivered_at__isnull=True).order_by("id")[:batch])
            if not pending:
                return sent
            for notification in pending:
                sender.send(notification)
            Notification.objects.filter(pk__in=[n.pk for n in pending]).update(delivered_at=timezone.now())
            sent += len(pending)


def notification_read(*, actor, notification: Notification) -> Notification:
    if notification.recipient_id != actor.pk:
        raise PermissionDenied("只能标记自己的提醒。")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification
