"""Import of a list from an office's own ledger (台账): upload, preview row by row, commit all or nothing, undo.

A list is declared once, as data, in its app's `imports.py` (an ImportList: its name, the fields a ledger's
columns map to, who may import, what the upload is for (`target`: a community, in the importer's scope),
and the list's own `classify`, `commit` and `undo`). This module knows nothing of residents: it keeps the
run (jiedao.models.ImportRun) and its rows, reads the workbook through jiedao.ledger, and calls the list.

The preview and the commit run as Celery tasks (jiedao.tasks) with their progress on the run; with no
broker (CELERY_TASK_ALWAYS_EAGER, no REDIS_URL) the same tasks run in-process, as exports do, so the
answer to the upload already holds the preview.
"""

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connections, router, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from . import audit
from .ledger import Field, LedgerRefused, LedgerRow, SheetPlan, check_workbook, plan_ledger, read_ledger, write_rejected
from .models import AuditAction, ImportRow, ImportRun, ImportTemplate
from .redact import redact

logger = logging.getLogger(__name__)

ROW_CHUNK = 2000  # rows written (and committed) at a time
PROGRESS_EVERY = 1000  # rows between two progress saves
FAILED_MESSAGE = "读取失败，请稍后重试；如仍失败，请联系街道管理员。"
COMMIT_FAILED = "导入没有完成，没有写入任何数据"
ACCEPTED = (ImportRow.Outcome.NEW, ImportRow.Outcome.UPDATE, ImportRow.Outcome.WARNING)


class ImportConflict(Exception):
    """An undo refused: something the import wrote has changed since. `changes` says what, in Chinese."""

    def __init__(self, changes: list[str]):
        super().__init__("导入后已有数据被修改，不能撤销：" + "；".join(changes[:10]))
        self.changes = changes


@dataclass(frozen=True)
class ImportList:
    """One importable list, declared once (`path`: the dotted path of the declaration itself, kept on the
    run so the worker finds the same list again, never a path taken from the user).

    - `importers(user)`: the role rule (others 403);
    - `target(user, params)`: the object the upload is for (a community) checked in the user's scope
      (outside it Http404), or ValidationError for a bad value; `params` are what the run keeps;
    - `classify(actor, target, rows)`: the verdicts (jiedao.ledger's LedgerRow in; objects with sheet, row,
      outcome, reasons, name, id_number, data, changes, resident_id out);
    - `commit(actor, run, target, rows)`: writes every accepted ImportRow in the caller's transaction,
      returns (created, updated); raises ValidationError with what stops it (nothing is then written);
    - `undo(actor, run, rows)`: removes what was created, restores what was updated, or ImportConflict;
    - `mask(number)`: how a row's identity number is shown.
    """

    name: str
    path: str
    fields: Sequence[Field]
    importers: Callable[[Any], bool]
    target: Callable[[Any, dict], Any]
    classify: Callable[..., list]
    commit: Callable[..., tuple[int, int]]
    undo: Callable[..., None]
    mask: Callable[[str], str]
    labels: dict[str, str] | None = None  # a changed field's Chinese name on the preview

    def template_key(self, params: dict) -> str:
        return json.dumps(params, sort_keys=True)


def import_list_at(path: str) -> ImportList:
    """The list a run names; only an ImportList declared at that path can be named."""
    found = import_string(path)
    if not (isinstance(found, ImportList) and found.path == path):
        raise ValueError(f"{path} is not an import list")
    return found


def dumps(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


def row_payload(row: ImportRow) -> dict:
    return json.loads(row.payload) if row.payload else {}


def write_fields(objects: Sequence, fields: Sequence[str]) -> None:
    """Save `fields` of each of `objects` (one model) as they are set: UPDATE … WHERE pk = %s, sent once
    per object in one executemany. What Django's bulk_update would do, without its CASE WHEN per field and
    object: building those expressions took 16 s of a 4,000-row import's 25 (benchmarks/imports.py). The
    values go through each field's own preparation (an encrypted field is sealed), never pre_save:
    the caller sets what pre_save would (residents.services.set_derived_fields: the keyed indexes)."""
    if not objects:
        return
    model = type(objects[0])
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name) for name in fields]
    sql = (f"UPDATE {quote(model._meta.db_table)} SET {', '.join(f'{quote(f.column)} = %s' for f in columns)} "
           f"WHERE {quote(model._meta.pk.column)} = %s")
    with connection.cursor() as cursor:
        for start in range(0, len(objects), ROW_CHUNK):
            cursor.executemany(sql, [[f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns]
                                     + [obj.pk] for obj in objects[start:start + ROW_CHUNK]])


# ── upload ──────────────────────────────────────────────────────────────────────────────────────────


def _check_importer(user, import_list: ImportList) -> None:
    if not import_list.importers(user):
        raise PermissionDenied("您的角色不能导入此列表。")


def import_run_create(*, user, import_list: ImportList, upload, params: dict) -> ImportRun:
    """Keep an uploaded ledger (sealed) and read it: now without a broker, else in a worker.

    A file the check before opening refuses (too large, not an xlsx, a zip bomb) is refused here with a
    ValidationError on `file` and nothing is kept. Not in a transaction: the run is committed before its
    task is queued, so a worker always finds it."""
    _check_importer(user, import_list)
    target = import_list.target(user, params)
    if upload is None or not hasattr(upload, "chunks"):
        raise ValidationError({"file": "请选择要导入的 Excel（.xlsx）文件。"})
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as copy:
        for chunk in upload.chunks():
            digest.update(chunk)
            copy.write(chunk)
        copy.flush()
        try:
            check_workbook(copy.name)
        except LedgerRefused as e:
            raise ValidationError({"file": str(e)}) from None
        copy.seek(0)
        file_name = redact(os.path.basename(str(getattr(upload, "name", "") or "台账.xlsx")))[:200]
        run = ImportRun(user=user, subdistrict_id=getattr(target, "subdistrict_id", None) or user.subdistrict_id,
                        name=import_list.name, source=import_list.path,
                        params=params, file_name=file_name, sha256=digest.hexdigest())
        run.file.save(f"import-{timezone.now():%Y%m%d%H%M%S}.xlsx", File(copy), save=False)
    run.save()
    audit.record(actor=user, action=AuditAction.IMPORT, target=run,
                 changes={"step": "upload", "list": import_list.name, "file": file_name, "sha256": run.sha256,
                          "target": str(target)})
    _queue_preview(run)
    run.refresh_from_db()
    return run


def _queue_preview(run: ImportRun) -> None:
    from .tasks import import_preview_task  # tasks imports this module

    import_preview_task.delay(run.pk)


def earlier_import(run: ImportRun) -> ImportRun | None:
    """The same file (same SHA-256) committed before for the same list and params, and not undone."""
    return (ImportRun.objects.filter(source=run.source, params=run.params, sha256=run.sha256,
                                     status=ImportRun.Status.COMMITTED).exclude(pk=run.pk)
            .order_by("committed_at").first())


# ── preview ─────────────────────────────────────────────────────────────────────────────────────────


@contextmanager
def _workbook(run: ImportRun) -> Iterator[str]:
    """The run's workbook in clear, in a temporary file the reader can open by path, removed after."""
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as copy, run.file.open("rb") as stored:
        while block := stored.read(1 << 20):
            copy.write(block)
        copy.flush()
        yield copy.name


def _mapping(run: ImportRun, import_list: ImportList, plans: Sequence[SheetPlan]) -> dict[str, dict[str, int]]:
    """The hand correction of this run, else the saved template (by column title, so a ledger whose
    columns moved still maps itself), per sheet."""
    if run.mapping:
        return run.mapping
    template = ImportTemplate.objects.filter(source=run.source, key=import_list.template_key(run.params)).first()
    if template is None:
        return {}
    mapping = {}
    for plan in plans:
        titles = template.mapping.get(plan.name) or template.mapping.get("*") or {}
        found = {key: plan.columns.index(title) for key, title in titles.items() if title in plan.columns}
        if found:
            mapping[plan.name] = found
    return mapping


def plan_as_json(plan: SheetPlan) -> dict:
    return {"name": plan.name, "skipped": plan.skipped, "why_skipped": plan.why_skipped,
            "header_rows": list(plan.header_rows), "columns": [str(c) for c in plan.columns],
            "mapping": dict(plan.mapping)}


def _counting(rows: Iterable[LedgerRow], run: ImportRun, raws: dict) -> Iterator[LedgerRow]:
    for count, row in enumerate(rows, start=1):
        raws[(row.sheet, row.row)] = row.raw
        yield row
        if count % PROGRESS_EVERY == 0:
            _save_progress(run, count)


def _save_progress(run: ImportRun, done: int) -> None:
    # Only for the page: a write SQLite refuses while the rows are read is skipped (as exports do).
    try:
        ImportRun.objects.filter(pk=run.pk).update(done=done, updated_at=timezone.now())  # alive (stalled)
    except DatabaseError:
        logger.info("import run %s: progress not saved at %s rows", run.pk, done)


def _cell(value):
    """A cell as JSON keeps it (a date as its ISO text, anything else as text)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def import_preview(*, run_id: int) -> ImportRun | None:
    """Read a pending run: sheets planned (with the hand mapping or the template), every row classified by
    the list, the rows written in bulk with their counts. Only a pending run is read (claiming it is one
    conditional UPDATE: a second run of the task leaves it as it is). A file the reader refuses ends
    `failed` with the reader's Chinese reason."""
    if not ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.PENDING).update(
            status=ImportRun.Status.RUNNING, done=0, error="", updated_at=timezone.now()):
        return ImportRun.objects.filter(pk=run_id).first()
    run = ImportRun.objects.select_related("user").get(pk=run_id)
    try:
        import_list = import_list_at(run.source)
        target = import_list.target(run.user, run.params)  # still the importer's, as when uploaded
        raws: dict = {}
        with _workbook(run) as path:
            plans = plan_ledger(path, import_list.fields)
            mapping = _mapping(run, import_list, plans)
            if mapping:
                plans = plan_ledger(path, import_list.fields, mapping=mapping)
            verdicts = import_list.classify(actor=run.user, community=target,
                                            rows=_counting(read_ledger(path, plans), run, raws))
        rows = [_import_row(run, import_list, verdict, raws.get((verdict.sheet, verdict.row), []))
                for verdict in verdicts]
        with transaction.atomic():
            ImportRow.objects.filter(run=run).delete()
            ImportRow.objects.bulk_create(rows, batch_size=ROW_CHUNK)
            counts = {outcome: 0 for outcome in ImportRow.Outcome.values}
            for row in rows:
                counts[row.outcome] += 1
            ImportRun.objects.filter(pk=run.pk).update(
                status=ImportRun.Status.PREVIEW, sheets=[plan_as_json(p) for p in plans], done=len(rows),
                total=len(rows), count_new=counts["new"], count_update=counts["update"],
                count_warning=counts["warning"], count_rejected=counts["rejected"], previewed_at=timezone.now(),
                updated_at=timezone.now())
    except Exception as e:
        if isinstance(e, LedgerRefused):
            message = str(e)
        elif isinstance(e, ValidationError | PermissionDenied):
            message = "；".join(e.messages) if isinstance(e, ValidationError) else str(e)
        else:
            logger.exception("import run %s: preview failed", run_id)
            message = FAILED_MESSAGE
        ImportRun.objects.filter(pk=run_id).update(status=ImportRun.Status.FAILED,
                                                   error=(message or FAILED_MESSAGE)[:500])
    return ImportRun.objects.get(pk=run_id)


def _import_row(run: ImportRun, import_list: ImportList, verdict, raw: list) -> ImportRow:
    payload: dict[str, Any] = {"data": verdict.data, "changes": verdict.changes, "resident_id": verdict.resident_id}
    if verdict.outcome == ImportRow.Outcome.REJECTED:
        payload["raw"] = [_cell(v) for v in raw]  # the row as typed, for the rejected-rows workbook
    return ImportRow(run=run, sheet=str(verdict.sheet)[:100], row=verdict.row, outcome=verdict.outcome,
                     reasons=list(verdict.reasons), name=str(verdict.name or "")[:100],
                     id_masked=import_list.mask(verdict.id_number or "")[:18], payload=dumps(payload),
                     target_id=verdict.resident_id if verdict.outcome == ImportRow.Outcome.UPDATE else None)


def import_remap(*, actor, run: ImportRun, mapping: dict[str, dict[str, int]], save_template: bool) -> ImportRun:
    """Read the run again with a hand correction of its columns (per sheet: field key → column index);
    with `save_template`, keep it (by column title) for the list and community's next ledgers."""
    import_list = import_list_at(run.source)
    _check_importer(actor, import_list)
    if run.status not in (ImportRun.Status.PREVIEW, ImportRun.Status.FAILED):
        raise ValidationError("此导入已确认或正在处理，不能再修改列对应。")
    keys = {f.key for f in import_list.fields}
    sheets = {s["name"]: s for s in run.sheets}
    clean: dict[str, dict[str, int]] = {}
    for sheet, columns in mapping.items():
        if sheet not in sheets:
            continue
        width = len(sheets[sheet]["columns"])
        clean[sheet] = {key: index for key, index in columns.items() if key in keys and 0 <= index < width}
    if save_template:
        titles = {sheet: {key: sheets[sheet]["columns"][i] for key, i in columns.items()}
                  for sheet, columns in clean.items()}
        ImportTemplate.objects.update_or_create(
            source=run.source, key=import_list.template_key(run.params),
            defaults={"mapping": titles, "subdistrict_id": run.subdistrict_id, "updated_by": actor})
    ImportRun.objects.filter(pk=run.pk).update(mapping=clean, status=ImportRun.Status.PENDING, error="")
    _queue_preview(run)
    run.refresh_from_db()
    return run


# ── commit and undo ─────────────────────────────────────────────────────────────────────────────────


def import_commit(*, actor, run: ImportRun) -> ImportRun:
    """Confirm a previewed run: every accepted row written in one transaction, or none. A run committed
    already answers as it is (nothing written twice); the same file committed before (same SHA-256, same
    list and params) is recorded as committed with nothing changed, and says so."""
    import_list = import_list_at(run.source)
    _check_importer(actor, import_list)
    if run.status in (ImportRun.Status.COMMITTED, ImportRun.Status.COMMITTING):
        return run
    if run.status != ImportRun.Status.PREVIEW:
        raise ValidationError("只有读取完成、待确认的导入可以确认导入。")
    if not ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.PREVIEW).update(
            status=ImportRun.Status.COMMITTING, committed_by=actor, error="", done=0, updated_at=timezone.now()):
        run.refresh_from_db()
        return run
    from .tasks import import_commit_task

    import_commit_task.delay(run.pk)
    run.refresh_from_db()
    return run


def import_commit_run(*, run_id: int) -> ImportRun | None:
    """The worker's half of import_commit: run by whoever claimed the run (status committing)."""
    run = ImportRun.objects.select_related("committed_by").filter(pk=run_id, status=ImportRun.Status.COMMITTING).first()
    if run is None:
        return ImportRun.objects.filter(pk=run_id).first()
    actor = run.committed_by
    try:
        import_list = import_list_at(run.source)
        _check_importer(actor, import_list)
        target = import_list.target(actor, run.params)
        with transaction.atomic():
            # Locked first: two confirmations of the same file at once meet here, the second sees the first.
            list(ImportRun.objects.select_for_update().filter(source=run.source, sha256=run.sha256)
                 .values_list("pk", flat=True))
            earlier = earlier_import(run)
            if earlier is not None:
                created = updated = 0
                note = (f"同一文件已于 {timezone.localtime(earlier.committed_at):%Y-%m-%d %H:%M} 导入"
                        f"（第 {earlier.pk} 号导入），本次没有做任何修改。")
            else:
                rows = list(run.rows.filter(outcome__in=ACCEPTED).order_by("id"))
                created, updated = import_list.commit(actor=actor, run=run, target=target, rows=rows)
                note = ""
            ImportRun.objects.filter(pk=run.pk).update(
                status=ImportRun.Status.COMMITTED, created=created, updated=updated, note=note,
                committed_at=timezone.now(), done=run.total, updated_at=timezone.now())
            run.refresh_from_db()
            audit.record(actor=actor, action=AuditAction.IMPORT, target=run,
                         changes={"step": "commit", "list": run.name, "file": run.file_name, "sha256": run.sha256,
                                  "counts": run.counts, "created": created, "updated": updated,
                                  **({"note": note} if note else {})})
    except Exception as e:
        if isinstance(e, ValidationError):
            reason = "；".join(e.messages)
        elif isinstance(e, PermissionDenied):
            reason = str(e)
        else:
            logger.exception("import run %s: commit failed", run_id)
            reason = "请稍后重试；如仍失败，请联系街道管理员"
        ImportRun.objects.filter(pk=run_id).update(status=ImportRun.Status.PREVIEW,
                                                   error=f"{COMMIT_FAILED}：{reason}"[:500])
    return ImportRun.objects.get(pk=run_id)


RESTARTED = "上次处理中断（后台任务没有完成），已重新开始。"


def import_restart(*, actor, run: ImportRun) -> ImportRun:
    """Start an interrupted step again (ImportRun.stalled): the ledger is read afresh, or the commit is asked
    for again (the interrupted one was one transaction and wrote nothing; a commit that did finish in the
    meantime is found by the commit itself, as the same file twice is). Claimed with one conditional UPDATE
    on the run as it was read, so two restarts at once start one step."""
    import_list = import_list_at(run.source)
    _check_importer(actor, import_list)
    if not run.stalled:
        raise ValidationError("此导入没有中断，无需重新开始。")
    reading = run.status in (ImportRun.Status.PENDING, ImportRun.Status.RUNNING)
    claimed = ImportRun.objects.filter(pk=run.pk, status=run.status, updated_at=run.updated_at).update(
        status=ImportRun.Status.PENDING if reading else ImportRun.Status.COMMITTING, done=0, error="",
        updated_at=timezone.now(), **({} if reading else {"committed_by": actor}))
    if claimed:
        from .tasks import import_commit_task, import_preview_task

        audit.record(actor=actor, action=AuditAction.IMPORT, target=run,
                     changes={"step": "restart", "status": run.status, "list": run.name, "file": run.file_name})
        (import_preview_task if reading else import_commit_task).delay(run.pk)
    run.refresh_from_db()
    return run


def import_undo(*, actor, run: ImportRun) -> ImportRun:
    """Undo a committed run while nothing it wrote has changed since: what it created is removed, what it
    updated is restored, in one transaction, audited. Something changed since: ImportConflict (nothing
    is undone). The same file may then be imported again."""
    import_list = import_list_at(run.source)
    _check_importer(actor, import_list)
    if run.status == ImportRun.Status.UNDONE:
        return run
    if run.status != ImportRun.Status.COMMITTED:
        raise ValidationError("只有已导入的数据可以撤销。")
    with transaction.atomic():
        locked = ImportRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != ImportRun.Status.COMMITTED:
            return locked
        if locked.created or locked.updated:
            import_list.undo(actor=actor, run=locked, rows=list(locked.rows.filter(outcome__in=ACCEPTED)))
        ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.UNDONE, undone_at=timezone.now(),
                                                   undone_by=actor, updated_at=timezone.now())
        audit.record(actor=actor, action=AuditAction.UNDO, target=locked,
                     changes={"list": run.name, "file": run.file_name, "sha256": run.sha256,
                              "removed": locked.created, "restored": locked.updated})
    run.refresh_from_db()
    return run


# ── the rejected rows ───────────────────────────────────────────────────────────────────────────────


@contextmanager
def rejected_workbook(*, actor, run: ImportRun) -> Iterator[str]:
    """The rejected rows as typed, with Excel's row number and the reason, as a workbook ready to fix and
    upload again. It holds full ID numbers: audited as a full-number export."""
    _check_importer(actor, import_list_at(run.source))
    sheets = {s["name"]: s["columns"] for s in run.sheets if not s.get("skipped")}
    rows = list(run.rows.filter(outcome=ImportRow.Outcome.REJECTED).order_by("id"))
    header = next((sheets[r.sheet] for r in rows if r.sheet in sheets), next(iter(sheets.values()), []))
    header = [str(title) for title in header]

    def arranged(row: ImportRow) -> list:
        raw = row_payload(row).get("raw", [])
        columns = sheets.get(row.sheet, header)
        if list(columns) != header:  # another sheet's column order: each cell under its own title
            at = {title: i for i, title in enumerate(columns)}
            raw = [raw[at[t]] if t in at and at[t] < len(raw) else None for t in header]
        return LedgerRow(sheet=row.sheet, row=row.row, cells={}, raw=raw)

    path = write_rejected(((arranged(r), "；".join(r.reasons)) for r in rows), header)
    audit.record(actor=actor, action=AuditAction.EXPORT, target=run,
                 changes={"list": f"{run.name}（未导入的行）", "rows": len(rows), "full_numbers": True})
    try:
        yield path
    finally:
        os.unlink(path)
