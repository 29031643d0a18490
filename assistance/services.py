"""Writes of assistance: opening a case, moving it along its path, paying it."""

import re
import unicodedata
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from jiedao import audit
from jiedao.dates import add_months, month_end
from jiedao.models import AuditAction, Notification, NotificationKind
from jiedao.money import yuan
from jiedao.notifications import notifications_deliver, notifications_write
from jiedao.roles import Role
from jiedao.scope import can_add_case_documents, can_collect_wishes, can_manage_places, can_open_cases, covers
from jiedao.signals import rows_changed
from jiedao.uploads import checked_scan
from residents.models import Resident, ResidentTag, Status, Tag
from residents.selectors import community_supervisors

from . import workflow
from .models import (
    AMOUNT_CAP,
    MEANS_TESTED,
    Case,
    CaseDocument,
    CaseKind,
    CaseState,
    CaseTransition,
    Disbursement,
    ReliefSettings,
    Wish,
    WishState,
    WishTransition,
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
def case_transition(*, actor, case: Case, to: str, comment: str = "", approved_amount: Decimal | None = None) -> Case:
    """Move a case one step along its path (or reject it), by the role of that step, with the comment kept.

    The approval records the approved amount: `approved_amount` when the approver gives one, else the
    requested amount. Raises PermissionDenied when the actor's role may not take this step, ValidationError
    when the step itself is not allowed (skipped, backwards, after the end, publicity not over, rejection
    without reason, an approved amount out of bounds, paid on without a live payment or turned down with one).
    """
    case = _locked(case)  # two reviewers at once: one wins, one is told
    if case.kind in RETIRED_KINDS:
        # Moved to a wish (one live record, not two): the wish carries the work on.
        raise ValidationError({"to": "微心愿已迁入“微心愿”管理，请在微心愿中办理，原案件仅供查阅。"})
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
    if approved_amount is not None and to != CaseState.APPROVED:
        raise ValidationError({"approved_amount": "批准金额只在审批这一步填写。"})
    today = timezone.localdate()
    if to == CaseState.APPROVED and case.publicized_on and today < publicity_ends(case):
        raise ValidationError({"to": f"公示期到 {publicity_ends(case):%Y-%m-%d} 结束，结束后才能审批。"})
    live = case.disbursements.live()
    if to == CaseState.DISBURSED and not live.exists():
        raise ValidationError({"to": "请先登记发放记录。"})
    if to == CaseState.REJECTED and live.exists():
        raise ValidationError({"to": "案件已有有效的发放记录，不能驳回：请先作废发放记录。"})
    before = case.state
    changes: dict[str, Any] = {"state": [before, to], "comment": comment}
    case.state = to
    if to == CaseState.APPROVED:
        # What was asked, unless the approver says otherwise (a request of 0 or none approves no money).
        case.approved_amount = (_approved(approved_amount) if approved_amount is not None
                                else case.requested_amount or None)
        changes["approved_amount"] = None if case.approved_amount is None else str(case.approved_amount)
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
    audit.record(actor=actor, action=AuditAction.UPDATE, target=case, changes=changes)
    return case


def _approved(amount: Decimal) -> Decimal:
    """The amount an approver gave, or why it cannot be approved."""
    amount = Decimal(amount)
    if amount <= 0:
        raise ValidationError({"approved_amount": "批准金额须大于 0 元。"})
    if amount > AMOUNT_CAP:
        raise ValidationError({"approved_amount": f"批准金额不能超过 {yuan(AMOUNT_CAP)} 元，请核对。"})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({"approved_amount": "批准金额精确到分（两位小数）。"})
    return amount


# A resident's 低保 / 特困 tags are not typed in: they follow their approved, open cases (the registry
# refuses them by hand: residents.choices.CASE_BACKED_TAGS, the same two).
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
    rows_changed.send(sender=ResidentTag, subdistricts={resident.community.subdistrict_id},
                      communities={resident.community_id})  # no post_save
    audit.record(actor=actor, action=AuditAction.UPDATE, target=resident,
                 changes={"tags": [sorted(have), sorted(want)], "via": "救助案件"})


def relief_settings(subdistrict_id: int) -> ReliefSettings:
    """The sub-district's standards (the defaults until its admin sets them)."""
    return ReliefSettings.objects.filter(subdistrict_id=subdistrict_id).first() or ReliefSettings(
        subdistrict_id=subdistrict_id)


# 微心愿 has its own record and path (Wish, workflow.WISH_PATH) since assistance 0005: no longer opened as a
# case; the cases of that kind from before stay readable as they were (their wishes name them).
RETIRED_KINDS = {CaseKind.MICRO_WISH}


def enabled_kinds(subdistrict_id: int) -> list[str]:
    kinds = relief_settings(subdistrict_id).kinds or list(CaseKind.values)
    return [kind for kind in kinds if kind not in RETIRED_KINDS]


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


PAYERS_ONLY = "只有{}可以登记、作废或更正发放记录。"


def payer_only(actor) -> None:
    """Refuse (PermissionDenied) a user whose role does not record payments (assistance.workflow.PAYERS)."""
    if not workflow.records_payments(actor):
        raise PermissionDenied(PAYERS_ONLY.format("、".join(Role(r).label for r in sorted(workflow.PAYERS))))


def _locked(case: Case) -> Case:
    # Every step and every write of a case's payments takes its row first: two clerks at once wait for each other,
    # and each checks what the other wrote (the state as stored, not as the caller last saw it). Her community
    # comes with it, her row locked too: the dashboard then counts that community's cases again, not the scope's,
    # and a move of hers being saved is waited for (resident_update locks her row), so the community named is hers.
    return (Case.objects.select_for_update(of=("self", "resident")).select_related("resident__community")
            .get(pk=case.pk))


@transaction.atomic
def disbursement_add(*, actor, case: Case, amount: Decimal, paid_on: date, method: str,
                     period_from: date | None = None, period_to: date | None = None) -> Disbursement:
    """Record a payment on an approved case, never above its approved amount. A one-off case is paid once;
    a monthly one (低保, 特困) once per month, so its period is required (to the month's end unless given).

    The case's row is locked while this is checked, and the database's partial unique indexes have the
    last word: a double click, or two clerks at once, record one payment and the other is told why."""
    payer_only(actor)
    return _record(actor=actor, case=_locked(case), amount=amount, paid_on=paid_on, method=method,
                   period_from=period_from, period_to=period_to)


def _record(*, actor, case: Case, amount: Decimal, paid_on: date, method: str, period_from: date | None,
            period_to: date | None, replaces: Disbursement | None = None) -> Disbursement:
    if case.state not in workflow.IN_AID:
        raise ValidationError({"case": "案件审批通过后才能发放。"})
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": "发放日期不能晚于今天。"})
    if period_to and not period_from:
        raise ValidationError({"period_from": "填写了所属期止，请同时填写所属期起。"})
    if period_from and period_to and period_to < period_from:
        raise ValidationError({"period_to": "所属期止不能早于所属期起。"})
    if case.ongoing:
        if period_from is None:
            raise ValidationError({"period_from": f"{case.get_kind_display()}按月发放，"
                                                  "请填写所属期起（发放的是哪个月）。"})
        period_to = period_to or month_end(period_from)
    if amount <= 0:
        raise ValidationError({"amount": "发放金额须大于 0 元。"})
    if case.approved_amount is not None and amount > case.approved_amount:
        raise ValidationError({"amount": f"发放金额 {yuan(amount)} 元超过批准金额 {yuan(case.approved_amount)} 元。"})
    payment = Disbursement(case=case, amount=amount, paid_on=paid_on, method=method, period_from=period_from,
                           period_to=period_to, by=actor, replaces=replaces)
    payment.period_month = payment.keyed_month()
    _refuse_second_payment(case, payment.period_month, period_from, period_to)
    # The constraints are the database's (below): a second payment is refused by the check above with its
    # details, or, when two requests passed it at once, by the unique indexes.
    payment.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError as e:
        if "check constraint" in str(e).lower():
            raise
        field = "case" if payment.period_month is None else "period_from"
        raise ValidationError({field: "同一笔发放已经登记（重复提交），本次未重复登记。"}) from None
    changes = {"case": audit.ref(case), "amount": str(amount), "paid_on": paid_on.isoformat()}
    if replaces is not None:
        changes["replaces"] = audit.ref(replaces)
    audit.record(actor=actor, action=AuditAction.CREATE, target=payment, changes=changes)
    return payment


def _refuse_second_payment(case: Case, period_month: date | None, period_from: date | None,
                           period_to: date | None) -> None:
    """A one-off case has one live payment; a monthly case one per month, and no two periods overlap."""
    live = case.disbursements.live()
    if period_month is None:
        first = live.first()
        if first is not None:
            raise ValidationError({"case": f"{case.get_kind_display()}已于 {first.paid_on:%Y-%m-%d} 发放 "
                                           f"{yuan(first.amount)} 元，不能重复发放；如有误，请更正原记录。"})
        return
    same = live.filter(period_month=period_month).first()
    if same is not None:
        raise ValidationError({"period_from": f"{period_month:%Y-%m} 已于 {same.paid_on:%Y-%m-%d} 发放 "
                                              f"{yuan(same.amount)} 元，不能重复发放；如有误，请更正原记录。"})
    overlap = live.filter(Q(period_to__gte=period_from) | Q(period_to__isnull=True, period_from__gte=period_from),
                          period_from__lte=period_to).first()
    if overlap is not None:
        raise ValidationError({"period_from": f"所属期与 {overlap.period_from:%Y-%m-%d} 起的已发放记录重叠。"})


@transaction.atomic
def disbursement_void(*, actor, payment: Disbursement, reason: str) -> Disbursement:
    """Void a wrong payment, with a reason (never deleted: it stays listed, marked, counting in no total).

    A case that has moved on to 发放 keeps a live payment: there the wrong one is corrected instead
    (disbursement_correct), which voids it and records the right one in one step."""
    payer_only(actor)
    case = _locked(payment.case)
    payment = _voidable(case, payment, reason)
    if case.state == CaseState.DISBURSED and not case.disbursements.live().exclude(pk=payment.pk).exists():
        raise ValidationError("案件已进入“发放”，须保留一笔有效发放：金额或日期有误，"
                              "请用“更正”作废原记录并登记正确的一笔。")
    return _void(actor, payment, reason)


@transaction.atomic
def disbursement_correct(*, actor, payment: Disbursement, reason: str, amount: Decimal, paid_on: date | None = None,
                         method: str | None = None, period_from: date | None = None,
                         period_to: date | None = None) -> Disbursement:
    """Void a wrong payment and record the right one, in one transaction (so a case that has moved on to
    发放 is never without a live payment). What is not given is taken from the wrong payment. If the new
    payment breaks a rule (above the approved amount, say), nothing changes."""
    payer_only(actor)
    case = _locked(payment.case)
    wrong = _voidable(case, payment, reason)
    _void(actor, wrong, reason)
    if period_from is None:
        period_from, period_to = wrong.period_from, wrong.period_to
    return _record(actor=actor, case=case, amount=amount, paid_on=paid_on or wrong.paid_on,
                   method=method or wrong.method, period_from=period_from, period_to=period_to, replaces=wrong)


def _voidable(case: Case, payment: Disbursement, reason: str) -> Disbursement:
    payment = (Disbursement.objects.select_for_update(of=("self", "case__resident"))
               .select_related("case__resident__community").get(pk=payment.pk))
    if payment.voided:
        raise ValidationError(f"该发放记录已于 {timezone.localtime(payment.voided_at):%Y-%m-%d %H:%M} 作废，"
                              "不能再作废或更正。")
    if case.state not in workflow.IN_AID:
        raise ValidationError(f"案件已{case.get_state_display()}，发放记录不能再作废或更正。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请写明作废原因。"})
    if len(reason) > 200:
        raise ValidationError({"reason": "作废原因请控制在 200 字以内。"})
    return payment


def _void(actor, payment: Disbursement, reason: str) -> Disbursement:
    payment.voided_at, payment.voided_by, payment.void_reason = timezone.now(), actor, reason.strip()
    payment.save(update_fields=["voided_at", "voided_by", "void_reason"])
    audit.record(actor=actor, action=AuditAction.UPDATE, target=payment,
                 changes={"voided_at": payment.voided_at.isoformat(), "void_reason": payment.void_reason,
                          "amount": str(payment.amount), "case": audit.ref(payment.case)})
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


@transaction.atomic
def case_document_add(*, actor, case: Case, upload, doc_type: str) -> CaseDocument:
    """Attach a scan to a case of the actor's scope: at most 5 MB, and a PDF that parses and does nothing when
    opened, or a PNG or JPEG, which is kept as Pillow writes it afresh (jiedao.uploads.checked_scan)."""
    if not can_add_case_documents(actor):
        raise PermissionDenied("您的角色不能上传申请材料。")
    if upload is None:
        raise ValidationError({"file": "请选择要上传的文件。"})
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError({"file": "文件不能超过 5 MB。"})
    scan = checked_scan(upload.read())
    original = str(upload.name)[:200]
    stored = ContentFile(scan.content, name=f"case{case.pk}{scan.extension}")  # our name, never the uploader's
    document = CaseDocument(case=case, doc_type=doc_type, file=stored, original_name=original,
                            content_type=scan.content_type, size=len(scan.content), uploaded_by=actor)
    document.full_clean()
    document.save()
    audit.record(actor=actor, action=AuditAction.CREATE, target=document, changes={"case": audit.ref(case),
                                                                                    "type": doc_type})
    return document


# --- 微心愿 -------------------------------------------------------------------------------------------

CHILD_AGE = 18  # a wish collected for a resident under 18 is a child's wish (Wish.for_child)
WISH_FIELDS = ["wish", "value", "story"]


# Shown to donors: no number of seven digits or more (a phone, an ID number), however it is spaced or typed
# (full-width digits, dashes, dots between the digits), and no address of a building, unit or room.
_LONG_NUMBER = re.compile(r"\d(?:[\s\-‐－—.·]*\d){6,}")
_ADDRESS = re.compile(r"\d+\s*(?:号楼|栋|幢|单元|室|号院)")
IDENTITY_IN_TEXT = "心愿和故事会公开展示，请不要写姓名、住址、电话或身份证号（{}）。"


def _identity_in_text(resident: Resident, data: dict) -> ValidationError | None:
    """The wish and its story are shown to donors (the public list): they must not name the person, nor say
    where they live or how to reach them. Read as people type: spaces between the characters of a name,
    full-width digits, numbers broken by spaces or dashes."""
    name = re.sub(r"\s+", "", resident.name or "")
    estate = re.sub(r"\s+", "", resident.estate or "")
    found = {}
    for field in ("wish", "story"):
        text = unicodedata.normalize("NFKC", str(data.get(field) or ""))
        packed = re.sub(r"\s+", "", text)
        what = ("姓名" if name and name in packed else "号码" if _LONG_NUMBER.search(text)
                else "住址" if _ADDRESS.search(text) or len(estate) >= 2 and estate in packed else "")
        if what:
            found[field] = IDENTITY_IN_TEXT.format(f"这里写了{what}")
    return ValidationError(found) if found else None


@transaction.atomic
def wish_collect(*, actor, resident: Resident, data: dict[str, Any]) -> Wish:
    """A grid worker or community staff member collects (征集) a wish for a resident of their scope."""
    if not can_collect_wishes(actor):
        raise PermissionDenied("只有网格员和社区工作人员可以征集微心愿。")
    if not Resident.objects.visible_to(actor).filter(pk=resident.pk).exists():
        raise ValidationError({"resident": "该居民不在您的管辖范围内。"})
    if resident.status != Status.ACTIVE:
        raise ValidationError({"resident": "该居民已归档，不能征集心愿。"})
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items() if k in WISH_FIELDS}
    if (refused := _identity_in_text(resident, values)) is not None:
        raise refused
    wish = Wish(resident=resident, created_by=actor, created_at=timezone.now(), for_child=resident.age < CHILD_AGE,
                **values)
    wish.full_clean()
    wish.save()
    WishTransition.objects.create(wish=wish, from_state="", to_state=WishState.COLLECTED, by=actor, comment="征集心愿")
    audit.record(actor=actor, action=AuditAction.CREATE, target=wish,
                 changes={"resident": {"id": resident.pk}, "wish": wish.wish, "value": str(wish.value),
                          "state": WishState.COLLECTED})
    return wish


def _text(value, field: str, limit: int, label: str, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: f"请填写{label}。"})
    if len(value) > limit:
        raise ValidationError({field: f"{label}请控制在 {limit} 字以内。"})
    return value


@transaction.atomic
def wish_transition(*, actor, wish: Wish, to: str, comment: str = "", donor: str = "", donor_contact: str = "",
                    fulfilled_on: date | None = None, note: str = "", photo=None) -> Wish:
    """Move a wish one step along workflow.WISH_PATH (or withdraw it, the comment its reason), by the role of
    that step. The claim names the donor and a contact; the fulfilment its date and a note or a photo.
    Raises PermissionDenied when the role may not take the step, ValidationError when the step is refused."""
    wish = Wish.objects.select_for_update().get(pk=wish.pk)  # two clicks at once: one moves it, one is told
    why = workflow.WISH_PATH.refusal(wish.state, to, actor.role)
    if why is not None:
        message, is_role = why
        if is_role:
            raise PermissionDenied(message)
        raise ValidationError({"to": message})
    comment = _text(comment, "comment", 500, "意见", required=to == WishState.WITHDRAWN)
    given = {"donor": donor, "donor_contact": donor_contact, "fulfilled_on": fulfilled_on, "note": note,
             "photo": photo}
    allowed = {WishState.CLAIMED: {"donor", "donor_contact"}, WishState.FULFILLED: {"fulfilled_on", "note", "photo"}}
    for field, value in given.items():
        if value not in (None, "") and field not in allowed.get(to, set()):
            step = "认领" if field in ("donor", "donor_contact") else "实现"
            raise ValidationError({field: f"这一项只在“{step}”这一步填写。"})
    before = wish.state
    changes: dict[str, Any] = {"state": [before, to], "comment": comment}
    if to == WishState.CLAIMED:
        wish.donor = _text(donor, "donor", 100, "认领人或认领单位", required=True)
        wish.donor_contact = _text(donor_contact, "donor_contact", 100, "认领人联系方式", required=True)
        changes["donor"] = wish.donor  # the donor's contact stays on the wish, not in the log
    if to == WishState.FULFILLED:
        if fulfilled_on is None:
            raise ValidationError({"fulfilled_on": "请填写心愿实现的日期。"})
        if fulfilled_on > timezone.localdate():
            raise ValidationError({"fulfilled_on": "实现日期不能晚于今天。"})
        if fulfilled_on < timezone.localtime(wish.created_at).date():
            raise ValidationError({"fulfilled_on": "实现日期不能早于征集日期。"})
        wish.fulfilled_on = fulfilled_on
        wish.note = _text(note, "note", 500, "实现情况")
        if photo is not None:
            wish.photo = _wish_photo(wish, photo)
        if not wish.note and not wish.photo:
            raise ValidationError({"note": "请写一句实现情况，或上传一张照片。"})
        changes.update(fulfilled_on=fulfilled_on.isoformat(), photo=bool(wish.photo))
    if to == WishState.WITHDRAWN:
        wish.withdrawn_reason = comment
    wish.state = to
    wish.save()
    WishTransition.objects.create(wish=wish, from_state=before, to_state=to, by=actor, comment=comment)
    audit.record(actor=actor, action=AuditAction.UPDATE, target=wish, changes=changes)
    return wish


MAX_PHOTO_BYTES = 5 * 1024 * 1024


def _wish_photo(wish: Wish, upload) -> ContentFile:
    """A PNG or JPEG (Pillow writes it afresh) or a PDF, at most 5 MB, under our name; sealed by the storage."""
    if upload.size > MAX_PHOTO_BYTES:
        raise ValidationError({"photo": "照片不能超过 5 MB。"})
    try:
        scan = checked_scan(upload.read())
    except ValidationError as e:
        raise ValidationError({"photo": e.message_dict.get("file", e.messages)}) from None
    return ContentFile(scan.content, name=f"wish{wish.pk}{scan.extension}")


def wish_public_text(*, age: int, gender: str, wish: str, value) -> str:
    """A published wish as a donor reads it: "8 岁男孩，想要一套水彩笔，价值 60 元" — an age, a word for the
    person, the wish and its value; never a name, a number, a school or a place."""
    if age < CHILD_AGE:
        person = "男孩" if gender == "M" else "女孩"
    elif age >= 60:
        person = "老人"
    else:
        person = "居民"
    wish = wish.strip()
    wanted = wish if wish.startswith(("想要", "希望", "想")) else f"想要{wish}"
    if value is None:  # a wish moved from a case that named no sum
        return f"{age} 岁{person}，{wanted}"
    amount = Decimal(value)
    shown = f"{amount:,.0f}" if amount == amount.to_integral_value() else yuan(amount)
    return f"{age} 岁{person}，{wanted}，价值 {shown} 元"
