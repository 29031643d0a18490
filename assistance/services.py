"""Writes of assistance: opening a case, moving it along its path, paying it."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from jiedao import audit
from jiedao.dates import add_months
from jiedao.models import AuditAction, Notification, NotificationKind
from jiedao.notifications import notifications_deliver, notifications_write
from jiedao.scope import can_add_case_documents, can_manage_places, can_open_cases, covers
from jiedao.signals import rows_changed
from residents.models import Resident, ResidentTag, Status, Tag
from residents.selectors import community_supervisors

from . import workflow
from .models import (
    MEANS_TESTED,
    Case,
    CaseDocument,
    CaseKind,
    CaseState,
    CaseTransition,
    Disbursement,
    ReliefSettings,
)

CASE_FIELDS = ["reason", "requested_amount", "requested_service", "household_size", "monthly_income"]


@transaction.atomic
def case_open(*, actor, resident: Resident, kind: str, data: dict[str, Any]) -> Case:
    """A grid worker or community staff member registers an application for a resident of their scope."""
    if not can_open_cases(actor):
        raise PermissionDenied("只有网格员和社区工作人员可以受理申请。")
    if not Resident.objects.visible_to(actor).filter(pk=resident.pk).exists():
        raise ValidationError({"resident": "该居民不在您的管辖范围内。"})
    if resident.status != Status.ACTIVE:
        raise ValidationError({"resident": "该居民已归档，不能受理申请。"})
    if kind not in enabled_kinds(resident.community.subdistrict_id):
        raise ValidationError({"kind": "本街道不受理该类别的救助。"})
    case = Case(resident=resident, kind=kind, created_by=actor, **{k: v for k, v in data.items() if k in CASE_FIELDS})
    if kind in MEANS_TESTED:
        missing = {f: "该类别须填写家庭人口和家庭月收入。" for f in ("household_size", "monthly_income")
                   if getattr(case, f) in (None, "")}
        if missing:
            raise ValidationError(missing)
    case.publicity_days = relief_settings(resident.community.subdistrict_id).publicity_days
    case.full_clean()
    case.save()
    CaseTransition.objects.create(case=case, from_state="", to_state=CaseState.APPLIED, by=actor, comment="受理申请")
    audit.record(actor=actor, action=AuditAction.CREATE, target=case, changes={"kind": kind, "state": "applied"})
    return case


@transaction.atomic
def case_transition(*, actor, case: Case, to: str, comment: str = "") -> Case:
    """Move a case one step along its path (or reject it), by the role of that step, with the comment kept.

    Raises PermissionDenied when the actor's role may not take this step, ValidationError when the step
    itself is not allowed (skipped, backwards, after the end, publicity not over, rejection without reason).
    """
    case = Case.objects.select_for_update().get(pk=case.pk)  # two reviewers at once: one wins, one is told
    comment = (comment or "").strip()
    why = workflow.refusal(case.state, to, actor.role)
    if why is not None:
        message, is_role = why
        if is_role:
            raise PermissionDenied(message)
        raise ValidationError({"to": message})
    if to == CaseState.REJECTED and not comment:
        raise ValidationError({"comment": "驳回须写明理由。"})
    if len(comment) > 500:
        raise ValidationError({"comment": "意见请控制在 500 字以内。"})
    today = timezone.localdate()
    if to == CaseState.APPROVED and case.publicized_on and today < publicity_ends(case):
        raise ValidationError({"to": f"公示期到 {publicity_ends(case):%Y-%m-%d} 结束，结束后才能审批。"})
    if to == CaseState.DISBURSED and not case.disbursements.exists():
        raise ValidationError({"to": "请先登记发放记录。"})
    before = case.state
    case.state = to
    if to == CaseState.PUBLICIZED:
        case.publicized_on = today
    if to == CaseState.APPROVED and case.ongoing:
        case.review_due = add_months(today, relief_settings(case.resident.community.subdistrict_id).review_months)
    if to in (CaseState.CLOSED, CaseState.REJECTED):
        case.review_due = None
    case.save()
    CaseTransition.objects.create(case=case, from_state=before, to_state=to, by=actor, comment=comment)
    if case.kind in CASE_TAGS:
        sync_case_tags(actor=actor, resident=case.resident)
    audit.record(actor=actor, action=AuditAction.UPDATE, target=case, changes={"state": [before, to],
                                                                                "comment": comment})
    return case


# A resident's 低保 / 特困 tags are not typed in: they follow their approved, open cases (the registry
# refuses them by hand: residents.services.CASE_BACKED_TAGS, the same two).
CASE_TAGS = {CaseKind.DIBAO: Tag.DIBAO, CaseKind.TEKUN: Tag.TEKUN}


def sync_case_tags(*, actor, resident: Resident) -> None:
    """Give the resident exactly the case-backed tags their live cases justify, and log any change."""
    live = set(Case.objects.filter(resident=resident, state__in=workflow.IN_AID, kind__in=list(CASE_TAGS))
               .values_list("kind", flat=True))
    have = set(ResidentTag.objects.filter(resident=resident, tag__in=CASE_TAGS.values()).values_list("tag", flat=True))
    want = {CASE_TAGS[kind] for kind in live}
    if want == have:
        return
    ResidentTag.objects.filter(resident=resident, tag__in=have - want).delete()
    ResidentTag.objects.bulk_create([ResidentTag(resident=resident, tag=t) for t in want - have])
    rows_changed.send(sender=ResidentTag)  # bulk_create sends no post_save
    audit.record(actor=actor, action=AuditAction.UPDATE, target=resident,
                 changes={"tags": [sorted(have), sorted(want)], "via": "救助案件"})


def relief_settings(subdistrict_id: int) -> ReliefSettings:
    """The sub-district's standards (the defaults until its admin sets them)."""
    return ReliefSettings.objects.filter(subdistrict_id=subdistrict_id).first() or ReliefSettings(
        subdistrict_id=subdistrict_id)


def enabled_kinds(subdistrict_id: int) -> list[str]:
    return relief_settings(subdistrict_id).kinds or list(CaseKind.values)


def means_test(case: Case) -> dict | None:
    """Per-capita monthly income against the local 低保 standard, for the kinds decided on means."""
    if case.kind not in MEANS_TESTED or not case.household_size or case.monthly_income is None:
        return None
    per_capita = (case.monthly_income / case.household_size).quantize(Decimal("0.01"))
    threshold = relief_settings(case.resident.community.subdistrict_id).dibao_threshold
    return {"per_capita": per_capita, "threshold": threshold, "below": per_capita < threshold}


@transaction.atomic
def relief_settings_save(*, actor, values: dict) -> ReliefSettings:
    if not can_manage_places(actor):
        raise PermissionDenied("只有街道管理员可以设置救助标准。")
    record, _ = ReliefSettings.objects.get_or_create(subdistrict_id=actor.subdistrict_id)
    before = audit.snapshot(record, list(values))
    for field, value in values.items():
        setattr(record, field, value)
    record.full_clean()
    record.save()
    audit.record_save(actor=actor, obj=record, before=before, after=audit.snapshot(record, list(values)))
    return record


def publicity_ends(case: Case) -> date:
    return case.publicized_on + timedelta(days=case.publicity_days)


@transaction.atomic
def disbursement_add(*, actor, case: Case, amount: Decimal, paid_on: date, method: str,
                     period_from: date | None = None, period_to: date | None = None) -> Disbursement:
    """Record a payment: once approved; ongoing kinds (低保, 特困) are paid every month until closed."""
    if "disbursed" not in workflow.allowed_moves(CaseState.APPROVED, actor.role):
        raise PermissionDenied("只有街道管理员可以登记发放。")
    case = Case.objects.select_for_update().get(pk=case.pk)  # the state as stored, not as the caller last saw it
    if case.state not in workflow.IN_AID:
        raise ValidationError({"case": "案件审批通过后才能发放。"})
    if case.state == CaseState.DISBURSED and not case.ongoing:
        raise ValidationError({"case": "一次性救助已发放，不能重复发放。"})
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": "发放日期不能晚于今天。"})
    payment = Disbursement(case=case, amount=amount, paid_on=paid_on, method=method, period_from=period_from,
                           period_to=period_to, by=actor)
    payment.full_clean()
    payment.save()
    audit.record(actor=actor, action=AuditAction.CREATE, target=payment,
                 changes={"case": case.pk, "amount": str(amount), "paid_on": paid_on.isoformat()})
    return payment


def case_reviews_run(*, today: date | None = None) -> dict[str, int]:
    """Remind the worker who opened each ongoing case that is due for its periodic review, once per due
    date (the reminder's key), then deliver what is new. A worker who no longer covers the resident (moved
    to another grid, another role) is not told about them: the community's staff are, as escalations go.
    Run daily by beat and by `run_case_reviews`."""
    today = today or timezone.localdate()
    due = list(Case.objects.filter(state__in=workflow.IN_AID, review_due__lte=today)
               .select_related("resident__community", "created_by").prefetch_related("created_by__grids",
                                                                                       "created_by__communities"))
    supervisors = community_supervisors({case.resident.community_id for case in due})
    rows = []
    for case in due:
        resident, opener = case.resident, case.created_by
        place = {"subdistrict_id": resident.community.subdistrict_id, "community_id": resident.community_id,
                 "grid_id": resident.grid_id}
        recipients = [opener.pk] if covers(opener, **place) else supervisors.get(resident.community_id, [])
        message = f"{resident.name} 的{case.get_kind_display()}应于 {case.review_due:%Y-%m-%d} 复核。"
        rows += [Notification(recipient_id=user, kind=NotificationKind.CASE_REVIEW, resident_id=resident.pk,
                              due_date=case.review_due, message=message,
                              link=reverse("assistance:case_detail", args=[case.pk]),
                              key=f"review:{case.pk}:{case.review_due}:{user}")
                 for user in recipients]
    written = notifications_write(rows)
    delivered, failed = notifications_deliver()
    return {"written": written, "delivered": delivered, "failed": failed}


MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
# What a scan may be, told by its first bytes (a renamed .exe is not a PDF).
SIGNATURES = {b"%PDF-": ("application/pdf", ".pdf"), b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
              b"\xff\xd8\xff": ("image/jpeg", ".jpg")}


@transaction.atomic
def case_document_add(*, actor, case: Case, upload, doc_type: str) -> CaseDocument:
    """Attach a scan (PDF, PNG or JPEG, at most 5 MB) to a case of the actor's scope."""
    if not can_add_case_documents(actor):
        raise PermissionDenied("您的角色不能上传申请材料。")
    if upload is None:
        raise ValidationError({"file": "请选择要上传的文件。"})
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError({"file": "文件不能超过 5 MB。"})
    head = upload.read(16)
    upload.seek(0)
    kind = next((found for magic, found in SIGNATURES.items() if head.startswith(magic)), None)
    if kind is None:
        raise ValidationError({"file": "只能上传 PDF、PNG 或 JPG 格式的扫描件。"})
    content_type, extension = kind
    original = str(upload.name)[:200]
    upload.name = f"case{case.pk}{extension}"  # the stored name is ours, never the uploader's
    document = CaseDocument(case=case, doc_type=doc_type, file=upload, original_name=original,
                            content_type=content_type, size=upload.size, uploaded_by=actor)
    document.full_clean()
    document.save()
    audit.record(actor=actor, action=AuditAction.CREATE, target=document, changes={"case": case.pk,
                                                                                    "type": doc_type})
    return document
