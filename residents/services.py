"""Writes to the registry. Pages, API, imports and seed all call these, so each rule lives once."""

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from jiedao import audit
from jiedao.crypto import set_indexes
from jiedao.models import AuditAction
from jiedao.scope import can_manage_places, can_write_registry
from jiedao.signals import rows_changed

from . import id_numbers
from .choices import CASE_BACKED_TAGS
from .models import Community, Grid, Household, RelationToHead, Resident, ResidentTag, ServicePoint, Status
from .pinyin import name_keys
from .selectors import resident_by_id_number
from .signals import service_point_saved

EDITABLE_FIELDS = [
    "name", "id_number", "phone", "residence_type", "grid", "household", "relation_to_head",
    "estate", "building", "unit", "room", "care_tier", "care_dependency", "disability_type",
    "disability_grade", "notes",
]


def id_number_check(*, user, raw: str, exclude_pk: int | None = None) -> id_numbers.IdInfo:
    """Parse a new or changed ID number and refuse one already registered.

    The clash names the other resident only when `user` may see them; otherwise it says only
    that the number is taken, so the message leaks no one outside the user's scope.
    """
    info = id_numbers.parse(raw)
    existing = resident_by_id_number(info.number)
    if existing is not None and existing.pk != exclude_pk:
        if Resident.objects.visible_to(user).filter(pk=existing.pk).exists():
            raise ValidationError(
                "该身份证号已登记：%(name)s（%(community)s）。", code="duplicate",
                params={"name": existing.name, "community": existing.community.name})
        # Registered outside the user's scope: where, or that it is anywhere, is not theirs to learn. The
        # attempt is logged (callers run this before their transaction, so the entry stays).
        audit.record(actor=user, action=AuditAction.DENIED,
                     changes={"reason": "身份证号不能在此登记", "id_number": id_numbers.mask(info.number)})
        raise ValidationError("该身份证号不能在此登记，请联系街道管理员核实。", code="duplicate")
    return info


def set_derived_fields(resident: Resident) -> None:
    """What the ID number, phone, name and grid determine: keyed indexes, birth date, sex, pinyin keys,
    community."""
    info = id_numbers.parse(resident.id_number)
    resident.id_number = info.number
    set_indexes(resident)  # the keyed indexes of the ID number and the phone (jiedao.crypto)
    resident.birth_date = info.birth_date
    resident.gender = info.gender
    resident.name_pinyin, resident.name_initials = name_keys(resident.name)
    resident.community_id = resident.grid.community_id


def _audit_state(resident: Resident, tags: list[str]) -> dict[str, Any]:
    state = {f: audit.ref(getattr(resident, f)) if f in ("grid", "household") else getattr(resident, f)
             for f in EDITABLE_FIELDS}
    state.update(gender=resident.gender, birth_date=resident.birth_date, status=resident.status,
                 status_date=resident.status_date, status_reason=resident.status_reason, tags=sorted(tags))
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in state.items()}


def _masked(changes: dict[str, Any]) -> dict[str, Any]:
    """ID numbers and phones go into the log masked: the auditor needs to see that they changed,
    not what they are. (Compared unmasked first, so a change that keeps the last four still shows.)"""
    maskers = {"id_number": id_numbers.mask, "phone": id_numbers.mask_phone}
    out = {}
    for key, value in changes.items():
        if key in maskers and isinstance(value, list):
            value = [maskers[key](v or "") for v in value]
        elif key in maskers:
            value = maskers[key](value or "")
        out[key] = value
    return out


def _check_one_head(resident: Resident) -> None:
    if not (resident.household_id and resident.relation_to_head == RelationToHead.SELF):
        return
    other = (Resident.objects.filter(household_id=resident.household_id, relation_to_head=RelationToHead.SELF,
                                     status=Status.ACTIVE).exclude(pk=resident.pk).first())
    if other is not None:
        raise ValidationError({"relation_to_head": f"该户已有户主（{other.name}），请先修改其与户主关系。"})


# The case-backed tags are kept by relief cases (assistance.services.sync_case_tags), never typed in.
def _keep_case_backed_tags(submitted: list[str], current: list[str]) -> list[str]:
    if set(submitted) & CASE_BACKED_TAGS != set(current) & CASE_BACKED_TAGS:
        raise ValidationError({"tags": "低保、特困由救助案件自动维护（审批通过后加上，结案后去掉），不能直接修改。"})
    return submitted


def _check_writable(*, actor, grid: Grid, household: Household | None) -> None:
    if not can_write_registry(actor):
        raise PermissionDenied("您的角色不能修改居民信息。")
    if not Grid.objects.visible_to(actor).filter(pk=grid.pk).exists():
        raise ValidationError({"grid": "该网格不在您的管辖范围内。"})
    if household is not None and household.grid_id != grid.pk:
        raise ValidationError({"household": "所选户不在该居民的网格内。"})


# What set_derived_fields writes from the ID number, the name and the grid.
DERIVED_FIELDS = ["id_number_index", "id_last4_index", "phone_index", "phone_last4_index",
                  "birth_date", "gender", "name_pinyin", "name_initials", "community"]


def _save(resident: Resident, *, actor, tags: list[str] | None, update_fields: list[str] | None = None) -> None:
    _check_one_head(resident)
    try:
        resident.full_clean(exclude=["id_number", "community", "created_by", "updated_by"], validate_unique=False)
    except ValidationError as e:
        # The pinyin keys are derived from the name: their errors are the name's.
        errors = e.update_error_dict({})
        for derived in ("name_pinyin", "name_initials"):
            if derived in errors:
                errors.setdefault("name", []).extend(["姓名过长或含有无法识别的字符。"])
                del errors[derived]
        raise ValidationError(errors) from None
    try:
        with transaction.atomic():
            resident.save(update_fields=update_fields)  # None: a new resident, every field
    except IntegrityError:
        # Two people registering the same number at once: the database's unique index decides.
        if resident_by_id_number(resident.id_number) is not None:
            raise ValidationError({"id_number": "该身份证号已登记。"}) from None
        raise
    # A household's head is the member marked 本人; one who leaves or stops being 本人 is no longer head.
    Household.objects.filter(head=resident).exclude(
        pk=resident.household_id if resident.relation_to_head == RelationToHead.SELF else None).update(head=None)
    if resident.household_id and resident.relation_to_head == RelationToHead.SELF:
        Household.objects.filter(pk=resident.household_id).update(head=resident)
    if tags is not None:
        getattr(resident, "_prefetched_objects_cache", {}).pop("tag_links", None)
        ResidentTag.objects.filter(resident=resident).exclude(tag__in=tags).delete()
        have = set(ResidentTag.objects.filter(resident=resident).values_list("tag", flat=True))
        ResidentTag.objects.bulk_create([ResidentTag(resident=resident, tag=t) for t in tags if t not in have])
        # bulk_create sends no post_save; her community is the one loaded with her, or one indexed read
        rows_changed.send(sender=ResidentTag, subdistricts={resident.community.subdistrict_id},
                      communities={resident.community_id})


def resident_create(*, actor, data: dict[str, Any]) -> Resident:
    """Register a resident from cleaned data (`name`, `id_number`, `grid` required; `tags` a list)."""
    data = dict(data)
    tags = _keep_case_backed_tags(sorted(set(data.pop("tags", None) or [])), [])
    grid = data["grid"]
    _check_writable(actor=actor, grid=grid, household=data.get("household"))
    try:
        info = id_number_check(user=actor, raw=data["id_number"])  # before the transaction: see there
    except ValidationError as e:
        raise ValidationError({"id_number": e.messages}) from None
    with transaction.atomic():
        return _resident_create(actor=actor, data=data, tags=tags, info=info)


def _resident_create(*, actor, data, tags, info) -> Resident:
    resident = Resident(**{k: v for k, v in data.items() if k in EDITABLE_FIELDS})
    resident.id_number = info.number
    resident.created_by = resident.updated_by = actor
    resident.care_tier_since = timezone.localdate()
    set_derived_fields(resident)
    _save(resident, actor=actor, tags=tags)
    audit.record(actor=actor, action=AuditAction.CREATE, target=resident,
                 changes={"after": _masked(_audit_state(resident, tags))})
    return resident


class StaleEdit(Exception):
    """The resident was saved by someone else since `expected_version` was read: nothing was written."""

    def __init__(self, current: Resident):
        super().__init__("该居民信息已被他人修改。")
        self.current = current


def resident_update(*, actor, resident: Resident, data: dict[str, Any],
                    expected_version: int | None = None) -> Resident:
    """Change the given fields, and only those whose value differs from what is stored now: two people
    changing different fields at once both keep their change. With `expected_version` (the version a form
    or client read), a resident saved by someone else since is refused with StaleEdit, writing nothing.
    The audit entry lists each changed field with before and after. Returns the resident as now stored."""
    data = dict(data)
    if "id_number" in data and id_numbers.normalize(data["id_number"]) != resident.id_number:
        try:  # before the transaction (id_number_check logs a refusal that must stay)
            data["id_number"] = id_number_check(user=actor, raw=data["id_number"], exclude_pk=resident.pk).number
        except ValidationError as e:
            raise ValidationError({"id_number": e.messages}) from None
    with transaction.atomic():
        stored = (Resident.objects.select_for_update(of=("self",)).select_related("grid", "household")
                  .get(pk=resident.pk))
        if expected_version is not None and stored.version != expected_version:
            raise StaleEdit(stored)
        return _resident_update(actor=actor, resident=stored, data=data)


def _stored_value(resident: Resident, field: str):
    return getattr(resident, f"{field}_id" if field in ("grid", "household") else field)


def _given_value(value):
    return value.pk if hasattr(value, "pk") else value


def _resident_update(*, actor, resident: Resident, data: dict[str, Any]) -> Resident:
    data = {field: value for field, value in data.items()
            if field == "tags" or (field in EDITABLE_FIELDS and _given_value(value) != _stored_value(resident, field))}
    before_tags = resident.tag_codes
    tags = _keep_case_backed_tags(sorted(set(data.pop("tags"))), before_tags) if "tags" in data else None
    before = _audit_state(resident, before_tags)
    grid = data.get("grid", resident.grid)
    household = data["household"] if "household" in data else resident.household
    _check_writable(actor=actor, grid=resident.grid, household=None)
    _check_writable(actor=actor, grid=grid, household=household)
    if data.get("care_tier", resident.care_tier) != resident.care_tier:
        resident.care_tier_since = timezone.localdate()  # a new plan starts today
    for field, value in data.items():
        if field in EDITABLE_FIELDS:
            setattr(resident, field, value)
    if not [f for f in data if f != "tags"] and (tags is None or tags == before_tags):
        return resident  # nothing changed: nothing written, the version stays
    resident.updated_by = actor
    resident.version += 1  # under the row lock taken above
    set_derived_fields(resident)
    changed = [f for f in data if f in EDITABLE_FIELDS]
    _save(resident, actor=actor, tags=tags, update_fields=[
        *changed, *DERIVED_FIELDS, "care_tier_since", "updated_by", "updated_at", "version"])
    changes = audit.diff(before, _audit_state(resident, tags if tags is not None else before_tags))
    if changes:
        audit.record(actor=actor, action=AuditAction.UPDATE, target=resident, changes=_masked(changes))
    return resident


@transaction.atomic
def resident_archive(*, actor, resident: Resident, status: str, on: date, reason: str) -> Resident:
    """Move a resident out of the active registry (moved out or deceased). Nothing is deleted."""
    _check_writable(actor=actor, grid=resident.grid, household=None)
    errors = {}
    if status not in (Status.MOVED_OUT, Status.DECEASED):
        errors["status"] = "请选择“迁出”或“去世”。"
    if resident.status != Status.ACTIVE:
        errors["status"] = "该居民已归档。"
    if on > timezone.localdate():
        errors["on"] = "日期不能晚于今天。"
    elif on < resident.birth_date:
        errors["on"] = "日期不能早于出生日期。"
    if not (reason or "").strip():
        errors["reason"] = "请填写归档原因。"
    if errors:
        raise ValidationError(errors)
    resident.status, resident.status_date, resident.status_reason = status, on, reason.strip()
    resident.updated_by = actor
    resident.save(update_fields=["status", "status_date", "status_reason", "updated_by", "updated_at"])
    Household.objects.filter(head=resident).update(head=None)  # the household needs a new head
    audit.record(actor=actor, action=AuditAction.ARCHIVE, target=resident,
                 changes={"status": status, "date": on.isoformat(), "reason": resident.status_reason})
    return resident


def resident_view_full(*, actor, resident: Resident) -> None:
    """Log that `actor` was shown the full ID number and phone (the detail page and API do this)."""
    audit.record(actor=actor, action=AuditAction.VIEW_FULL, target=resident)


HOUSEHOLD_FIELDS = ["grid_id", "number", "estate", "building", "unit", "room"]


@transaction.atomic
def household_save(*, actor, household: Household) -> Household:
    """Create or change a household. Its grid is fixed once it has members: they live there too,
    and moving them is a change to each resident (with its own scope check and audit)."""
    _check_writable(actor=actor, grid=household.grid, household=None)

    def guard(stored):
        if stored is not None:
            _check_writable(actor=actor, grid=stored.grid, household=None)
            if stored.grid_id != household.grid_id and stored.members.exists():
                raise ValidationError({"grid": "该户已有成员，不能直接改到其他网格；请先逐一调整成员的网格。"})

    return audit.audited_save(actor=actor, obj=household, fields=HOUSEHOLD_FIELDS, guard=guard)


# --- places: the sub-district admin's communities and grids ------------------------------------------

COMMUNITY_FIELDS = ["name", "code", "address", "phone"]
GRID_FIELDS = ["community_id", "name", "code", "description"]


def _require_manager(actor) -> None:
    if not can_manage_places(actor):
        raise PermissionDenied("只有街道管理员可以管理账号、社区和网格。")


@transaction.atomic
def community_save(*, actor, community: Community) -> Community:
    _require_manager(actor)
    community.subdistrict_id = actor.subdistrict_id
    return audit.audited_save(actor=actor, obj=community, fields=COMMUNITY_FIELDS)


@transaction.atomic
def grid_save(*, actor, grid: Grid) -> Grid:
    _require_manager(actor)
    if grid.community.subdistrict_id != actor.subdistrict_id:
        raise ValidationError({"community": "只能选择本街道的社区。"})
    return audit.audited_save(actor=actor, obj=grid, fields=GRID_FIELDS)


# --- service points: every feature hangs its services off one ------------------------------------

POINT_FIELDS = ["kind", "name", "community_id", "address", "opening_hours", "capacity", "contact_name",
                "contact_phone", "rooms", "active"]


@transaction.atomic
def service_point_save(*, actor, point: ServicePoint) -> ServicePoint:
    if not can_manage_places(actor):
        raise PermissionDenied("只有街道管理员可以管理服务点。")
    if point.community_id and point.community.subdistrict_id != actor.subdistrict_id:
        raise ValidationError({"community": "只能选择本街道的社区。"})
    point.subdistrict_id = actor.subdistrict_id
    audit.audited_save(actor=actor, obj=point, fields=POINT_FIELDS,
                       guard=audit.own_subdistrict(actor, "只能管理本街道的服务点。"))
    service_point_saved.send(sender=ServicePoint, point=point)
    return point
