"""Writes of the visits app: recording visits and hazards, plans and rules, and the reminder job."""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone

from jiedao import audit
from jiedao.dates import day_range
from jiedao.models import AuditAction, Notification, NotificationKind, User
from jiedao.notifications import notifications_deliver, notifications_resolve, notifications_write
from jiedao.routers import reading_primary
from jiedao.scope import can_edit_plans, can_manage_places, can_record_visits
from jiedao.signals import rows_changed
from residents.models import CareTier, Resident, Status
from residents.selectors import community_supervisors

from . import schedule
from .choices import method_phrase
from .models import (
    FINDINGS,
    NO_PLAN_MESSAGE,
    CarePlan,
    DueDate,
    Frequency,
    Hazard,
    HazardStatus,
    Method,
    Visit,
    VisitRule,
)
from .selectors import responsible_workers


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
    if resident.status != Status.ACTIVE:
        raise ValidationError({"resident": "该居民已归档，不能再记录走访。"})
    if not findings.get("ok", True) and method != Method.CURTAIN_SIGN and not hazards and not any(
            str(findings.get(field) or "").strip() for field in FINDINGS if field != "ok"):
        # Unticked 情况正常 with nothing written said nothing: the next worker must know what to look at.
        raise ValidationError({"notes": "情况异常时请写明异常之处（健康状况、居住环境、需求或情况记录）。"})
    # The resident's row is the lock: two taps of the same form, in two requests, see each other's visit.
    Resident.objects.select_for_update().filter(pk=resident.pk).first()
    minute = visited_at.replace(second=0, microsecond=0)
    if Visit.objects.filter(resident=resident, method=method, visited_at__gte=minute,
                            visited_at__lt=minute + timedelta(minutes=1)).exists():
        raise ValidationError({"visited_at": DOUBLE_VISIT})
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
                 changes={"resident": audit.ref(resident), "method": method, "hazards": len(hazards or [])})
    if method != Method.CURTAIN_SIGN or visit.ok:
        notifications_resolve(resident_id=resident.pk, methods=ANSWERS.get(method, {method}),
                              on=timezone.localdate(visited_at))
    return visit


DOUBLE_VISIT = "同一居民在这一分钟已有一条同样方式的走访记录（可能是重复提交），本次未重复登记。"
# What a visit answers: a home visit keeps the day's curtain pact too (the worker was at the door).
ANSWERS = {Method.HOME: {Method.HOME, Method.CURTAIN_SIGN}}


HAZARD_NEXT = {HazardStatus.OPEN: {HazardStatus.IN_HAND, HazardStatus.CLOSED},
               HazardStatus.IN_HAND: {HazardStatus.CLOSED}, HazardStatus.CLOSED: set()}


@transaction.atomic
def hazard_transition(*, actor, hazard: Hazard, status: str, note: str = "") -> Hazard:
    """Follow a hazard up: open → in hand → closed (or open → closed); closed is final, and says what was
    done about it (the next visit, and the auditor, read it)."""
    if not can_record_visits(actor):
        raise PermissionDenied("您的角色不能处理隐患。")
    hazard = Hazard.objects.select_for_update().get(pk=hazard.pk)
    if status not in HAZARD_NEXT.get(hazard.status, set()):
        raise ValidationError({"status": f"隐患当前为“{hazard.get_status_display()}”，不能改为该状态。"})
    note = (note or "").strip()
    if status == HazardStatus.CLOSED and not note:
        raise ValidationError({"note": "请写明隐患是如何处理的（如：已更换燃气软管）。"})
    if len(note) > Hazard._meta.get_field("resolution").max_length:
        raise ValidationError({"note": "处理情况最多 300 字。"})
    before = hazard.status
    hazard.status = status
    changes = {"status": [before, status]}
    if status == HazardStatus.CLOSED:
        hazard.closed_by, hazard.closed_at, hazard.resolution = actor, timezone.now(), note
        changes["resolution"] = note
    hazard.save()
    audit.record(actor=actor, action=AuditAction.UPDATE, target=hazard, changes=changes)
    return hazard


@transaction.atomic
def care_plan_save(*, actor, resident: Resident, responsible: User | None, curtain_pact: bool,
                   curtain_deadline) -> CarePlan:
    if not can_edit_plans(actor):
        raise PermissionDenied("您的角色不能修改关爱计划。")
    _resident_in_scope(actor, resident)
    if responsible is not None and not (can_record_visits(responsible) and responsible.is_active
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
# A change to any of these is a new plan, counted from the day it is made; the escalation limit is not.
COUNTING_FIELDS = ["care_tier", "method", "frequency", "every_n_days"]


@transaction.atomic
def visit_rule_save(*, actor, rule: VisitRule) -> VisitRule:
    """The sub-district admin sets how often each tier is visited, and by which method."""
    if not can_manage_places(actor):
        raise PermissionDenied("只有街道管理员可以设置探访规则。")

    if rule.care_tier == CareTier.NONE:
        raise ValidationError({"care_tier": NO_PLAN_MESSAGE})
    rule.subdistrict_id = actor.subdistrict_id
    if rule.frequency != Frequency.EVERY_N_DAYS:
        rule.every_n_days = None
    stored = VisitRule.objects.filter(pk=rule.pk).first() if rule.pk else None
    if stored is None or any(getattr(stored, f) != getattr(rule, f) for f in COUNTING_FIELDS):
        rule.counts_from = timezone.localdate()
    return audit.audited_save(actor=actor, obj=rule, fields=RULE_FIELDS,
                              guard=audit.own_subdistrict(actor, "只能修改本街道的规则。"))


@transaction.atomic
def visit_rule_delete(*, actor, rule: VisitRule) -> None:
    if not can_manage_places(actor) or rule.subdistrict_id != actor.subdistrict_id:
        raise PermissionDenied("只能删除本街道的规则。")
    audit.record(actor=actor, action=AuditAction.DELETE, target=rule,
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


def default_rules_ensure(*, subdistrict, refill: bool = True) -> None:
    """Give a sub-district the default plan if it has none (seed and new sub-districts). `refill=False`: the
    caller stores the residents' next-due dates itself, once its visits are written (the district's seed)."""
    if not VisitRule.objects.filter(subdistrict=subdistrict).exists():
        VisitRule.objects.bulk_create([VisitRule(subdistrict=subdistrict, care_tier=t, method=m, frequency=f,
                                                 every_n_days=n) for t, m, f, n in DEFAULT_RULES])
        rows_changed.send(sender=VisitRule)  # bulk_create sends no post_save
        if refill:
            due_dates_refill(residents=Resident.objects.filter(community__subdistrict=subdistrict))


@transaction.atomic
def due_dates_refill(*, residents: QuerySet | None = None) -> int:
    """Store afresh the next-due dates of these residents' plans (all residents when None): what a visit,
    a resident's tier, status or community, or a rule changes (visits.signals), and what refill_due_dates
    rebuilds. Returns the rows stored."""
    with reading_primary():  # what is stored after a write is read where the write went, never on a replica
        rows = sorted(schedule.planned_dates(Resident.objects.all() if residents is None else residents),
                      key=lambda row: (row.resident_id, row.rule_id))  # one order of row locks for every writer
        # Written over, not deleted and inserted: two refills at once (a visit's and a rule's, say) would each
        # delete what the other had not yet committed, and the second insert break the one-per-rule constraint.
        DueDate.objects.bulk_create(rows, batch_size=5000, update_conflicts=True, unique_fields=["resident", "rule"],
                                    update_fields=["community", "method", "last_visit", "due_date", "since"])
        stored = (DueDate.objects.all() if residents is None
                  else DueDate.objects.filter(resident__in=residents.values("pk")))
        # No longer planned: the resident left the plan (status, tier, sub-district) or the rule is another tier's.
        stored.exclude(resident__status=Status.ACTIVE, resident__care_tier=F("rule__care_tier"),
                       resident__community__subdistrict_id=F("rule__subdistrict_id")).delete()
    if residents is None:  # the rebuild follows no other write that the figures heard of
        rows_changed.send(sender=DueDate)
    return len(rows)


# --- reminders ---------------------------------------------------------------------------------------

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
                                     due_date=item.due_date, message=message[:300], link=record_link(item),
                                     key=f"{kind}:{scope_key}:{user}"[:120]))

    for item in items:
        name, community_id = info[item.resident_id]
        method = method_phrase(item.method)
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
            add(to_worker, NotificationKind.OVERDUE, item, f"{name} 的{method}已逾期 {item.overdue_days} 天。",
                f"{item.resident_id}:{item.method}:{item.due_date}")
        else:
            add(to_worker, NotificationKind.DUE, item, f"{name} 今天应{method}。",
                f"{item.resident_id}:{item.method}:{item.due_date}")
        if item.overdue_days > item.escalate_after_days:
            add(to_supervisors, NotificationKind.ESCALATION, item,
                f"{name} 的{method}已逾期 {item.overdue_days} 天，超过 {item.escalate_after_days} 天，请督办。",
                f"{item.resident_id}:{item.method}:{item.due_date}")
    written = notifications_write(rows)
    delivered, failed = notifications_deliver()
    return {"due_items": len(items), "written": written, "delivered": delivered, "failed": failed}


def record_link(item) -> str:
    """The visit form for this resident and method: where a reminder's 去记录 leads."""
    return f"{reverse('visits:record', args=[item.resident_id])}?method={item.method}"
