"""Writes of the visits app: recording visits and hazards, plans and rules, and the reminder job."""

import logging
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jiedao import audit
from jiedao.filters import day_range
from jiedao.models import AuditAction, Role, User
from jiedao.scope import can_manage_places
from jiedao.selectors import figures_changed
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

logger = logging.getLogger("jiedao.notifications")

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
    if visited_at < now - timedelta(days=366):
        raise ValidationError({"visited_at": "走访时间不能早于一年前（更早的纸质记录请在备注中说明）。"})
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


@transaction.atomic
def visit_rule_delete(*, actor, rule: VisitRule) -> None:
    if not can_manage_places(actor) or rule.subdistrict_id != actor.subdistrict_id:
        raise PermissionDenied("只能删除本街道的规则。")
    audit.record(actor=actor, action=AuditAction.UPDATE, target=rule,
                 changes={"deleted": audit.snapshot(rule, RULE_FIELDS)})
    rule.delete()


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
        figures_changed(VisitRule)  # bulk_create sends no post_save


# --- reminders ---------------------------------------------------------------------------------------

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

    def still_theirs(user, grid, community, subdistrict) -> bool:
        # The scope rule of jiedao.scope, applied to ids already loaded (no query per resident).
        if user.role == Role.GRID_WORKER:
            return grid in {g.pk for g in user.grids.all()}
        if user.role == Role.COMMUNITY_STAFF:
            return community in {c.pk for c in user.communities.all()}
        return user.subdistrict_id == subdistrict

    out = {}
    for pk, (grid, community, subdistrict) in places.items():
        user = people.get(named.get(pk))
        if user is not None and still_theirs(user, grid, community, subdistrict):
            out[pk] = user.pk
        elif grid in first_worker:
            out[pk] = first_worker[grid]
    return out


def community_supervisors(community_ids) -> dict[int, list[int]]:
    """Who hears escalations: the community's staff; where it has none, the sub-district's admins."""
    staff: dict[int, list[int]] = defaultdict(list)
    for user_id, community_id in (User.communities.through.objects.filter(
            community_id__in=set(community_ids), user__role=Role.COMMUNITY_STAFF, user__is_active=True)
            .values_list("user_id", "community_id")):
        staff[community_id].append(user_id)
    orphans = set(community_ids) - set(staff)
    if orphans:
        from residents.models import Community

        subdistrict_of = dict(Community.objects.filter(pk__in=orphans).values_list("pk", "subdistrict_id"))
        admins = defaultdict(list)
        for user_id, subdistrict_id in User.objects.filter(
                role=Role.SUBDISTRICT_ADMIN, is_active=True, subdistrict_id__in=set(subdistrict_of.values())
        ).values_list("pk", "subdistrict_id"):
            admins[subdistrict_id].append(user_id)
        for community_id, subdistrict_id in subdistrict_of.items():
            staff[community_id] = admins.get(subdistrict_id, [])
    return staff


def reminders_run(*, now: datetime | None = None) -> dict[str, int]:
    """Write what is due, overdue and missed into the inboxes, then deliver what is new.

    Idempotent: each reminder has a key naming what it is about (kind, resident, method, due date,
    recipient), unique in the database, so a second run, or two workers at once, write nothing twice;
    delivery claims each undelivered reminder under a row lock, so none is sent twice either.
    A worker hears of a visit on the day it falls due and once more the day after, when it is overdue.
    """
    now = now or timezone.now()
    if timezone.is_naive(now):
        now = timezone.make_aware(now)
    today = timezone.localdate(now)
    items = schedule.due_items(Resident.objects.all(), today=today)
    resident_ids = {i.resident_id for i in items}
    workers = responsible_workers(resident_ids)
    info = {pk: (name, community_id) for pk, name, community_id in
            Resident.objects.filter(pk__in=resident_ids).values_list("pk", "name", "community_id")}
    supervisors = community_supervisors({c for _, c in info.values()})
    escalate_hours = getattr(settings, "CURTAIN_ESCALATE_AFTER_HOURS", 2)
    end = day_range(today, today)[1]
    rows: list[Notification] = []

    def add(recipients, kind, item, message, scope_key):
        for user in recipients:
            rows.append(Notification(recipient_id=user, kind=kind, resident_id=item.resident_id, method=item.method,
                                     due_date=item.due_date, message=message[:300],
                                     key=f"{kind}:{scope_key}:{user}"[:120]))

    for item in items:
        name, community_id = info[item.resident_id]
        method = Method(item.method).label
        worker = workers.get(item.resident_id)
        to_worker = [worker] if worker else supervisors.get(community_id, [])  # no worker: the community hears
        to_supervisors = supervisors.get(community_id, [])
        if item.method == Method.CURTAIN_SIGN:
            if not schedule.curtain_missed(item, now):
                continue
            what = "窗帘签到为“未开”" if item.curtain_closed else f"今天 {item.deadline:%H:%M} 前没有开窗帘"
            add(to_worker, NotificationKind.CURTAIN_MISSED, item, f"{name} {what}，请立即上门查看。",
                f"{item.resident_id}:{today}")
            deadline = datetime.combine(today, item.deadline, tzinfo=now.tzinfo)
            # Still missed when the hours allowed have passed (a home visit today would have ended it):
            # the community is told, by midnight at the latest, since the next day's pact starts afresh.
            late = min(deadline + timedelta(hours=escalate_hours), end - timedelta(minutes=1))
            if now >= late:
                add(to_supervisors, NotificationKind.ESCALATION, item,
                    f"{name} {what}，{escalate_hours} 小时内没有上门记录，请社区跟进。",
                    f"curtain:{item.resident_id}:{today}")
            continue
        if item.is_overdue:
            add(to_worker, NotificationKind.OVERDUE, item, f"{name} 的{method}探访已逾期 {item.overdue_days} 天。",
                f"{item.resident_id}:{item.method}:{item.due_date}")
        else:
            add(to_worker, NotificationKind.DUE, item, f"{name} 今天应进行{method}探访。",
                f"{item.resident_id}:{item.method}:{item.due_date}")
        if item.overdue_days > item.escalate_after_days:
            add(to_supervisors, NotificationKind.ESCALATION, item,
                f"{name} 的{method}探访已逾期 {item.overdue_days} 天，超过 {item.escalate_after_days} 天，请督办。",
                f"{item.resident_id}:{item.method}:{item.due_date}")
    from assistance.services import case_review_reminders

    rows += case_review_reminders(today=today)  # ongoing relief cases due for review: the same inbox, once
    with transaction.atomic():  # one commit, not one per batch
        before = Notification.objects.count()
        Notification.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
        written = Notification.objects.count() - before
    delivered, failed = notifications_deliver()
    return {"due_items": len(items), "written": written, "delivered": delivered, "failed": failed}


MAX_DELIVERY_ATTEMPTS = 5


def notifications_deliver(batch: int = 2000) -> tuple[int, int]:
    """Send every undelivered reminder through the configured backend: (sent, failed).

    Each batch is claimed under a row lock (so two workers never take the same reminder) and sent
    after the claim is committed (no lock is held while an SMS gateway thinks). A send that fails is
    handed back with its error, to be tried again by the next runs, at most five times; the others go on.
    """
    sender, sent, failed, cursor = backend(), 0, 0, 0
    while True:
        with transaction.atomic():
            # Walk forward by id, so a message handed back after failing waits for the next run.
            claimed = list(Notification.objects.select_for_update(skip_locked=True)
                           .filter(delivered_at__isnull=True, attempts__lt=MAX_DELIVERY_ATTEMPTS, id__gt=cursor)
                           .order_by("id")[:batch])
            if not claimed:
                return sent, failed
            Notification.objects.filter(pk__in=[n.pk for n in claimed]).update(
                delivered_at=timezone.now(), attempts=F("attempts") + 1)
        cursor = claimed[-1].pk
        for notification in claimed:
            try:
                sender.send(notification)
                sent += 1
            except Exception as error:  # one broken message must not stop the others
                failed += 1
                logger.warning("提醒 %s 推送失败：%s", notification.pk, error)
                Notification.objects.filter(pk=notification.pk).update(delivered_at=None,
                                                                       last_error=str(error)[:200])


def notification_read(*, actor, notification: Notification) -> Notification:
    if notification.recipient_id != actor.pk:
        raise PermissionDenied("只能标记自己的提醒。")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification
