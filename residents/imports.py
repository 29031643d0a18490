"""The residents' ledger import: declared once (RESIDENTS), run by jiedao.imports.

The commit writes every accepted row in the caller's one transaction through the registry's own rules
(residents.services: the role and the grid in scope, the name, phone and address rules of the model's
full_clean, the ID number's parse and its one registration, one head per household, the case-backed tags
left to relief cases) — as a bulk path: the rows are checked first, all of them, then written with
bulk_create / bulk_update in chunks. One error anywhere and nothing is written (the errors name each row).

Audit: one entry per created or updated resident, as a form's save writes, plus one for the run
(jiedao.imports). Not one summarising entry alone: a resident's history (residents.selectors.resident_history)
and the stale-edit page (updates_since, one update entry per version) read a resident's own entries, and
an imported resident must read like any other.

Undo: every resident the run wrote must be as the run left it (its `version`, the registry's guard against
a stale save: one more with every saved change); then the created are removed (their tags and the
households the run created with them) and the updated restored, each audited.
"""

import json
from collections import defaultdict
from datetime import date

from django.core.exceptions import ValidationError
from django.db import router
from django.db.models.deletion import Collector, ProtectedError
from django.http import Http404
from django.utils import timezone

from jiedao import audit
from jiedao.imports import ImportConflict, ImportList, dumps, row_payload, write_fields
from jiedao.models import AuditAction, ImportRow
from jiedao.params import positive_int
from jiedao.scope import can_write_registry
from jiedao.signals import rows_changed

from . import id_numbers
from .choices import CASE_BACKED_TAGS, RelationToHead, Status, Tag
from .ledger import RESIDENT_FIELDS, classify
from .models import Community, Grid, Household, Resident, ResidentTag
from .services import DERIVED_FIELDS, EDITABLE_FIELDS, _audit_state, _check_writable, _masked, set_derived_fields

CHUNK = 1000
# What an import may change on a registered resident (its place and household stay as they are: moving
# someone is a change made on the resident's own page).
UPDATABLE = ["name", "phone", "estate", "building", "unit", "room", "notes"]
MAX_ERRORS = 10


def import_target(user, params: dict) -> Community:
    """The community a ledger is for, in the user's scope (else 404); the grid its new residents join:
    the one given, or the community's only grid."""
    community_id = params.get("community")
    if not isinstance(community_id, int):
        community_id = positive_int(str(community_id or ""))
    if community_id is None:
        raise ValidationError({"community": "请选择要导入的社区。"})
    community = Community.objects.visible_to(user).filter(pk=community_id).first()
    if community is None:
        raise Http404("未找到该社区，或不在您的管辖范围内。")
    import_grid(user, community, params)
    return community


def import_grid(user, community: Community, params: dict) -> Grid:
    grids = Grid.objects.visible_to(user).filter(community=community).select_related("community")
    grid_id = params.get("grid")
    if grid_id not in (None, ""):
        grid_id = grid_id if isinstance(grid_id, int) else positive_int(str(grid_id))
        grid = grids.filter(pk=grid_id).first() if grid_id else None
        if grid is None:
            raise ValidationError({"grid": "所选网格不在该社区内，或不在您的管辖范围内。"})
        return grid
    found = list(grids[:2])
    if len(found) != 1:
        raise ValidationError({"grid": "该社区有多个网格（或还没有网格），请选择新登记的居民所在网格。"
                               if found else "该社区还没有网格，请先请街道管理员添加网格。"})
    return found[0]


def _where(row: ImportRow) -> str:
    return f"{row.sheet} 第 {row.row} 行"


def _refuse(errors: list[str]) -> None:
    if errors:
        more = f"（另有 {len(errors) - MAX_ERRORS} 处）" if len(errors) > MAX_ERRORS else ""
        raise ValidationError("；".join(errors[:MAX_ERRORS]) + more)


def _tags(codes) -> list[str]:
    # 低保/特困 follow relief cases: the preview warned that an import does not set them.
    return sorted({c for c in codes or [] if c in Tag.values and c not in CASE_BACKED_TAGS})


def _relation(data: dict) -> str:
    relation = data.get("relationship") or ""
    if data.get("household_head") is True:
        relation = RelationToHead.SELF
    return relation if relation in RelationToHead.values else ""


def _clean(resident: Resident, row: ImportRow, errors: list[str]) -> bool:
    """The model's field rules, as the form's save runs them (residents.services._save). Without a query
    per row: the grid was checked once for the whole import (_check_writable), the households are the
    import's own, and the model's two constraints (a disability grade 1–4, an archived resident's date)
    concern fields an import never sets (no grade; every imported resident is active)."""
    try:
        set_derived_fields(resident)
        resident.full_clean(exclude=["id_number", "community", "created_by", "updated_by", "household", "grid"],
                            validate_unique=False, validate_constraints=False)
    except ValidationError as e:
        messages = e.messages
        if hasattr(e, "error_dict"):
            labels = {f.name: str(f.verbose_name) for f in Resident._meta.fields}
            messages = [f"{labels.get(field, '')}：{m}" if field in labels else m
                        for field, ms in e.message_dict.items() for m in ms]
        errors.append(f"{_where(row)}：{'；'.join(messages)}")
        return False
    return True


def import_commit(*, actor, run, target: Community, rows: list[ImportRow]) -> tuple[int, int]:
    grid = import_grid(actor, target, run.params)
    _check_writable(actor=actor, grid=grid, household=None)  # the role, and the grid in scope
    payloads = {row.pk: row_payload(row) for row in rows}
    creating = [row for row in rows if not payloads[row.pk].get("resident_id")]
    updating = [row for row in rows if payloads[row.pk].get("resident_id")]
    created = _create(actor, run, grid, creating, payloads)
    updated = _update(actor, run, updating, payloads)
    return created, updated


def _create(actor, run, grid: Grid, rows: list[ImportRow], payloads: dict) -> int:
    if not rows:
        return 0
    errors: list[str] = []
    today = timezone.localdate()
    residents: list[tuple[ImportRow, Resident, list[str]]] = []
    for row in rows:
        data = payloads[row.pk]["data"]
        resident = Resident(
            name=data.get("name", ""), id_number=id_numbers.normalize(data.get("id_number", "")),
            phone=data.get("phone") or "", grid=grid, relation_to_head=_relation(data),
            notes=data.get("notes") or "", created_by=actor, updated_by=actor, care_tier_since=today,
            **{part: data.get(part) or "" for part in ("estate", "building", "unit", "room")})
        resident.grid, resident.community = grid, grid.community  # read by each audit entry
        if _clean(resident, row, errors):
            residents.append((row, resident, _tags(data.get("tags"))))
    # One registration per number: registered since the preview, or twice in this file.
    indexes = [r.id_number_index for _, r, _ in residents]
    taken = set()
    for start in range(0, len(indexes), CHUNK):
        taken |= set(Resident.objects.filter(id_number_index__in=indexes[start:start + CHUNK])
                     .values_list("id_number_index", flat=True))
    seen: dict[str, ImportRow] = {}
    for row, resident, _ in residents:
        if resident.id_number_index in taken:
            errors.append(f"{_where(row)}：该身份证号在预览后已被登记，请重新上传预览")
        elif resident.id_number_index in seen:
            errors.append(f"{_where(row)}：与{_where(seen[resident.id_number_index])}重复")
        seen.setdefault(resident.id_number_index, row)
    households = _households(grid, residents, errors)
    _refuse(errors)

    new_households = [h for h, is_new in households.values() if is_new]
    Household.objects.bulk_create(new_households, batch_size=CHUNK)
    for _, resident, _ in residents:
        key = _address_key(resident)
        if key in households:
            resident.household = households[key][0]
    Resident.objects.bulk_create([r for _, r, _ in residents], batch_size=CHUNK)
    heads = []
    for _, resident, _ in residents:
        if resident.household_id and resident.relation_to_head == RelationToHead.SELF:
            resident.household.head = resident
            heads.append(resident.household)
    write_fields(heads, ["head"])
    ResidentTag.objects.bulk_create([ResidentTag(resident=r, tag=t) for _, r, tags in residents for t in tags],
                                    batch_size=CHUNK)
    rows_changed.send(sender=ResidentTag)  # bulk_create sends no post_save
    rows_changed.send(sender=Resident, pks=[r.pk for _, r, _ in residents])
    created_household_ids = {h.pk for h in new_households}
    audit.record_many(actor=actor, action=AuditAction.CREATE, items=(
        (resident, {"after": _masked(_audit_state(resident, tags)), "import": run.pk})
        for _, resident, tags in residents))
    for row, resident, _ in residents:
        row.target_id = resident.pk
        row.after_version = resident.version
        row.before = dumps({"created": True, "household": resident.household_id
                            if resident.household_id in created_household_ids else None})
    write_fields([row for row, _, _ in residents], ["target_id", "after_version", "before"])
    return len(residents)


def _address_key(resident: Resident) -> tuple | None:
    key = (resident.estate, resident.building, resident.unit, resident.room)
    return key if any(key) and resident.relation_to_head else None


def _households(grid: Grid, residents, errors: list[str]) -> dict[tuple, tuple[Household, bool]]:
    """The households the ledger's 户主 / 与户主关系 columns build: one per address in the grid (an existing
    household at that address is joined), one head each (the form's rule: residents.services._check_one_head)."""
    wanted: dict[tuple, list] = defaultdict(list)
    for row, resident, _ in residents:
        key = _address_key(resident)
        if key is not None:
            wanted[key].append((row, resident))
    if not wanted:
        return {}
    existing = {(h.estate, h.building, h.unit, h.room): h for h in Household.objects.filter(grid=grid)}
    has_head = set(Resident.objects.filter(household__grid=grid, relation_to_head=RelationToHead.SELF,
                                           status=Status.ACTIVE).values_list("household_id", flat=True))
    out = {}
    for key, members in wanted.items():
        household = existing.get(key)
        heads = [row for row, resident in members if resident.relation_to_head == RelationToHead.SELF]
        if len(heads) > 1 or (heads and household is not None and household.pk in has_head):
            errors.append(f"{_where(heads[-1])}：该户已有户主，请修改其与户主关系")
        out[key] = (household, False) if household is not None else (
            Household(grid=grid, estate=key[0], building=key[1], unit=key[2], room=key[3]), True)
    return out


def _value(resident: Resident, field: str):
    value = getattr(resident, field)
    return value.isoformat() if isinstance(value, date) else value


def _update(actor, run, rows: list[ImportRow], payloads: dict) -> int:
    if not rows:
        return 0
    errors: list[str] = []
    ids = [payloads[row.pk]["resident_id"] for row in rows]
    stored = {}
    for start in range(0, len(ids), CHUNK):
        stored.update((r.pk, r) for r in Resident.objects.visible_to(actor).select_for_update(of=("self",))
                      .select_related("grid", "household", "community").prefetch_related("tag_links")
                      .filter(pk__in=ids[start:start + CHUNK]))
    changed: list[tuple[ImportRow, Resident, dict, list[str] | None, list[str]]] = []
    fields: set[str] = set()
    for row in rows:
        payload = payloads[row.pk]
        resident = stored.get(payload["resident_id"])
        if resident is None:
            errors.append(f"{_where(row)}：该居民已不在您的管辖范围内")
            continue
        data = payload["data"]
        wanted = [f for f in payload.get("changes", {}) if f in UPDATABLE and data.get(f) is not None]
        wanted = [f for f in wanted if data[f] != getattr(resident, f)]
        before_tags = resident.tag_codes
        tags = None
        if "tags" in payload.get("changes", {}):
            tags = sorted(set(_tags(data.get("tags"))) | (set(before_tags) & CASE_BACKED_TAGS))
            if tags == before_tags:
                tags = None
        if not wanted and tags is None:
            continue
        before = {f: _value(resident, f) for f in wanted} | {"tags": before_tags}
        audit_before = _audit_state(resident, before_tags)
        for f in wanted:
            setattr(resident, f, data[f])
        resident.updated_by = actor
        resident.version += 1
        resident.updated_at = timezone.now()  # bulk_update does not touch auto_now fields
        if _clean(resident, row, errors):
            fields.update(wanted)
            changed.append((row, resident, before, tags, audit_before))
    _refuse(errors)
    _write_updates(actor, run, changed, fields, action="import")
    for row, resident, before, _, _ in changed:
        row.before = dumps(before)
        row.after_version = resident.version
    write_fields([c[0] for c in changed], ["before", "after_version"])
    return len(changed)


def _write_updates(actor, run, changed, fields: set[str], *, action: str) -> None:
    residents = [c[1] for c in changed]
    write_fields(residents, [*sorted(fields), *DERIVED_FIELDS, "updated_by", "updated_at", "version"])
    retagged = [(resident, tags) for _, resident, _, tags, _ in changed if tags is not None]
    if retagged:
        ResidentTag.objects.filter(resident__in=[r for r, _ in retagged]).delete()
        ResidentTag.objects.bulk_create([ResidentTag(resident=r, tag=t) for r, tags in retagged for t in tags],
                                        batch_size=CHUNK)
        rows_changed.send(sender=ResidentTag)
    rows_changed.send(sender=Resident, pks=[r.pk for r in residents])
    audit.record_many(actor=actor, action=AuditAction.UPDATE, items=(
        (resident, {**_masked(audit.diff(audit_before, _audit_state(resident, before["tags"] if tags is None
                                                                    else tags))), action: run.pk})
        for _, resident, before, tags, audit_before in changed))


def import_undo(*, actor, run, rows: list[ImportRow]) -> None:
    written = [row for row in rows if row.target_id]
    ids = [row.target_id for row in written]
    stored = {}
    for start in range(0, len(ids), CHUNK):
        stored.update((r.pk, r) for r in Resident.objects.visible_to(actor).select_for_update(of=("self",))
                      .select_related("grid", "household", "community").prefetch_related("tag_links")
                      .filter(pk__in=ids[start:start + CHUNK]))
    conflicts = []
    for row in written:
        resident = stored.get(row.target_id)
        if resident is None:
            conflicts.append(f"{row.name}（{_where(row)}）已不在登记中或不在您的管辖范围内")
        elif resident.version != row.after_version:
            conflicts.append(f"{resident.name}（{_where(row)}）导入后已被修改")
    if conflicts:
        raise ImportConflict(conflicts)
    befores = {row.pk: row_payload_before(row) for row in written}
    created = [row for row in written if befores[row.pk].get("created")]
    restored = [row for row in written if not befores[row.pk].get("created")]
    _remove(actor, run, created, stored, befores)
    _restore(actor, run, restored, stored, befores)


def row_payload_before(row: ImportRow) -> dict:
    return json.loads(row.before) if row.before else {}


def _remove(actor, run, rows: list[ImportRow], stored: dict, befores: dict) -> None:
    if not rows:
        return
    residents = [stored[row.target_id] for row in rows]
    audit.record_many(actor=actor, action=AuditAction.DELETE,
                      items=((resident, {"undo": run.pk, "reason": "撤销导入"}) for resident in residents))
    _refuse_if_used(residents)
    for start in range(0, len(residents), CHUNK):
        Resident.objects.filter(pk__in=[r.pk for r in residents[start:start + CHUNK]]).delete()
    households = {befores[row.pk].get("household") for row in rows} - {None}
    if households:
        Household.objects.filter(pk__in=households, members__isnull=True).delete()
    rows_changed.send(sender=ResidentTag)
    rows_changed.send(sender=Resident, pks=[])  # their stored due dates went with them (CASCADE)


# What goes with a resident removed by an undo without it counting as use: its tags, and the reminders
# about it (written by nightly jobs, not by people).
GOES_WITH = {"residenttag", "notification"}


def _refuse_if_used(residents: list[Resident]) -> None:
    """An imported resident someone has since worked with (a visit, a care plan, a meal, a case…) is not
    removed by an undo, whether the record would block the removal (PROTECT) or be removed with it
    (CASCADE): what others wrote is never undone. Found the way Django's deletion would find it."""
    collector = Collector(using=router.db_for_write(Resident))
    try:
        collector.collect(residents)
    except ProtectedError as e:
        used = {obj._meta.verbose_name for obj in list(e.protected_objects)[:50]}
        raise ImportConflict([f"导入的居民已有{'、'.join(sorted(map(str, used)))}记录，不能删除"]) from None
    used = {model._meta.verbose_name for model, objects in collector.data.items()
            if objects and model._meta.model_name not in GOES_WITH | {"resident"}}
    used |= {qs.model._meta.verbose_name for qs in collector.fast_deletes
             if qs.model._meta.model_name not in GOES_WITH and qs.exists()}
    if used:
        raise ImportConflict([f"导入的居民已有{'、'.join(sorted(map(str, used)))}记录，不能删除"])


def _restore(actor, run, rows: list[ImportRow], stored: dict, befores: dict) -> None:
    if not rows:
        return
    changed, fields = [], set()
    for row in rows:
        resident, before = stored[row.target_id], befores[row.pk]
        before_tags = resident.tag_codes
        audit_before = _audit_state(resident, before_tags)
        for field, value in before.items():
            if field in UPDATABLE:
                setattr(resident, field, value)
                fields.add(field)
        tags = before.get("tags") if before.get("tags") is not None and before["tags"] != before_tags else None
        resident.updated_by = actor
        resident.version += 1
        resident.updated_at = timezone.now()
        set_derived_fields(resident)
        changed.append((row, resident, {"tags": before_tags}, tags, audit_before))
    _write_updates(actor, run, changed, fields, action="undo")


RESIDENTS = ImportList(
    name="居民台账",
    path=f"{__name__}.RESIDENTS",
    fields=RESIDENT_FIELDS,
    importers=can_write_registry,
    target=import_target,
    classify=classify,
    commit=import_commit,
    undo=import_undo,
    mask=id_numbers.mask,
    labels={f.name: str(f.verbose_name) for f in Resident._meta.fields if f.name in EDITABLE_FIELDS}
    | {"tags": "标签", "gender": "性别", "birth_date": "出生日期"},
)
