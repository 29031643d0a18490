"""Export of any list: the list's own FilterSet, in the user's scope, every row, as .xlsx, audited.

A list is declared once, as data, in its app's `exports.py` (an ExportList: name, model, FilterSet,
columns, who may read it). The page (`?format=xlsx`), the API (`?format=xlsx`) and the export worker all
run that one declaration; an export of more than EXPORT_ASYNC_THRESHOLD rows becomes an ExportJob that a
Celery worker builds (jiedao.export_jobs queues it, jiedao.tasks runs export_job_build) while the job's
page shows its progress.
"""

import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.files import File
from django.db import DatabaseError, connections, transaction
from django.db.models import QuerySet
from django.http import FileResponse, QueryDict
from django.utils import timezone
from django.utils.module_loading import import_string
from django_filters import FilterSet

from . import audit
from .models import AuditAction, ExportJob
from .pagination import Keyset
from .routers import reading_replica
from .xlsx import TooManyRows, write_sheet

logger = logging.getLogger(__name__)

# (header, accessor, column width): the accessor takes a row and returns a cell value.
Column = tuple[str, Callable, int]
CHUNK = 2000  # rows fetched from the database at a time
PROGRESS_EVERY = 5000  # rows between two progress saves of a job
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FAILED_MESSAGE = "导出失败，请稍后重试；如仍失败，请联系街道管理员。"


@dataclass(frozen=True)
class Columns:
    """A list's export columns, declared once in `<app>/exports.py`, whose accessors read plain dicts
    from `queryset.values(*fields)`.

    Dicts, not model objects: building 100,000 residents with their related rows took three times as
    long as writing their cells (benchmarks/exports.py). `prepare(queryset)`, called once per export,
    returns what adds to each dict what is not a column of the query (a resident's tags, read for the
    whole export in one query) or is computed once (ages against one today). A list may still give a
    plain list of columns over model objects (small lists).
    """

    items: Sequence[Column]
    fields: Sequence[str]
    prepare: Callable[[QuerySet], Callable[[dict], None]] | None = None


class ExportRefused(Exception):
    """Why a queued export cannot be built, in words for its owner (no access any more, a bad filter)."""


@dataclass(frozen=True)
class ExportList:
    """One exportable list, declared once: the page, the API and the export worker all run it.

    `path` is the dotted path of the declaration itself (`f"{__name__}.RESIDENTS"`): an export job keeps
    it, so the worker finds the same list again without rebuilding any view. `readers(user)` says who may
    export it (the page's and the API's role rule); rows are always `model.objects.visible_to(user)`.
    """

    name: str
    model: type
    filterset: type[FilterSet]
    columns: Columns | Sequence[Column]
    readers: Callable[[object], bool]
    path: str
    related: Sequence[str] = ()  # select_related for columns read from model objects

    def queryset(self, user) -> QuerySet:
        queryset = self.model.objects.visible_to(user)
        return queryset.select_related(*self.related) if self.related else queryset

    def filtered(self, user, params, queryset: QuerySet | None = None) -> FilterSet:
        """The list's FilterSet bound to `params` over the user's rows (or a page's own `queryset`)."""
        return self.filterset(params or None, queryset=self.queryset(user) if queryset is None else queryset,
                              request=_Caller(user))


@dataclass(frozen=True)
class _Caller:
    """What a FilterSet asks of its request (its scoped choices read `request.user`), for a worker."""

    user: object


def export_list_at(path: str) -> ExportList:
    """The list an export job names; only an ExportList declared at that path can be named."""
    found = import_string(path)
    if not (isinstance(found, ExportList) and found.path == path):
        raise ValueError(f"{path} is not an export list")
    return found


def choice(field: str, choices) -> Callable[[dict], str]:
    """Accessor of a choice field's Chinese label (the raw value if it is not a choice)."""
    labels = dict(choices.choices)
    return lambda row: labels.get(row[field], row[field])


def local(value: datetime | None):
    return timezone.localtime(value) if value else None


def headers(columns) -> list[tuple[str, int]]:
    items = columns.items if isinstance(columns, Columns) else columns
    return [(header, width) for header, _, width in items]


def sheet_rows(queryset, columns) -> Iterator[list]:
    """The cells of every row of `queryset`, read CHUNK rows at a time; the queries do not grow in
    number with the rows (but for one a CHUNK through PgBouncer, below)."""
    if not isinstance(columns, Columns):
        accessors = [accessor for _, accessor, _ in columns]
        for obj in in_chunks(queryset):
            yield [accessor(obj) for accessor in accessors]
        return
    accessors = [accessor for _, accessor, _ in columns.items]
    add = columns.prepare(queryset) if columns.prepare else None
    # A list's own queryset may prefetch for its page; dicts take no prefetch.
    for row in in_chunks(queryset.prefetch_related(None), values=columns.fields):
        if add:
            add(row)
        yield [accessor(row) for accessor in accessors]


def in_chunks(queryset, *, values: Sequence[str] | None = None) -> Iterator:
    """The rows of `queryset` in its order (as dicts of `values` when given), CHUNK at a time.

    A server-side cursor does that where there is one. Through PgBouncer in transaction mode there is none
    (DISABLE_SERVER_SIDE_CURSORS: a cursor may not outlive its statement's server connection), and iterator()
    would fetch a million rows in one piece into the worker's memory; so the rows are read a CHUNK at a time
    by their sort key instead (the list's Keyset: each chunk starts after the last row of the one before,
    found through the same index as the first)."""
    whole = queryset if values is None else queryset.values(*values)
    keyset = None
    if connections[queryset.db].settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        try:
            keyset = Keyset(queryset)
        except (TypeError, AttributeError, FieldDoesNotExist):
            pass  # sorted by an expression: no key to go on from, so in one piece as before
    if keyset is None:
        yield from whole.iterator(chunk_size=CHUNK)
        return
    names = [name for name, _ in keyset.keys]
    fields = None if values is None else [*values, *(name for name in names if name not in values)]
    last = None
    while True:
        chunk = keyset.after(last)
        rows = list((chunk.values(*fields) if fields is not None else chunk)[:CHUNK])
        yield from rows
        if len(rows) < CHUNK:
            return
        last = [rows[-1][name] for name in names] if values is not None else keyset.key_of(rows[-1])


def export_response(*, user, export_list: ExportList, queryset, params: dict) -> FileResponse:
    """Write every row of `queryset` (already scoped and filtered) now, and log who exported what."""
    stream = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # large exports spill to disk
    with reading_replica():  # the rows only: the audit entry below is a write
        count = write_sheet(stream, title=export_list.name, columns=headers(export_list.columns),
                            rows=sheet_rows(queryset, export_list.columns))
    _audit(user, export_list.name, params, count)
    stream.seek(0)
    return FileResponse(stream, as_attachment=True, filename=download_name(export_list.name), content_type=XLSX)


def download_name(name: str, at: datetime | None = None) -> str:
    return f"{name}-{timezone.localtime(at).strftime('%Y%m%d-%H%M')}.xlsx"


# Query parameters that choose how a list is shown or sent, not which rows: not an export's filters.
NOT_FILTERS = {"format", "page", "page_size"}


def export_filters(params: dict) -> dict:
    return {k: v for k, v in params.items() if k not in NOT_FILTERS}


def _audit(user, name: str, params: dict, rows: int, **extra) -> None:
    audit.record(actor=user, action=AuditAction.EXPORT,
                 changes={"list": name, "filters": export_filters(params), "rows": rows, **extra})


def export_job_build(*, job_id: int) -> ExportJob | None:
    """Build a queued export: the list's own queryset for the job's user and query, every row written to
    the job's file, progress saved every PROGRESS_EVERY rows, audited once done.

    Only a pending job is built, and claiming it is one conditional UPDATE: a second run of the task, or
    two workers at once, leave a running, done or failed job as it is. A failure is logged and kept on
    the job with a message for its page; it is not retried (the same query would fail the same way).
    """
    if not ExportJob.objects.filter(pk=job_id, state=ExportJob.State.PENDING).update(state=ExportJob.State.RUNNING):
        return ExportJob.objects.filter(pk=job_id).first()
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    source = None
    params = QueryDict(job.query)
    try:
        export_list = export_list_at(job.source)
        # The user must still be active and allowed this list, as they were when they asked.
        if not (job.user.is_active and export_list.readers(job.user)):
            raise ExportRefused("您的账号已无权导出此列表。")
        filterset = export_list.filtered(job.user, params)
        if filterset.is_bound and not filterset.is_valid():
            raise ExportRefused("筛选条件有误，无法导出。")
        columns = export_list.columns
        source = sheet_rows(filterset.qs, columns)
        # The rows from the replica when there is one; the job itself was read on default above (it was just
        # written), and its progress and file are written there.
        with tempfile.TemporaryFile() as stream, reading_replica():
            count = write_sheet(stream, title=job.name, columns=headers(columns), rows=_reporting(source, job))
            stream.seek(0)
            job.file.save(f"export-{job.pk}.xlsx", File(stream), save=False)
    except Exception as e:
        logger.exception("export job %s failed", job_id)
        if source is not None:
            source.close()  # ends the read now: on SQLite this connection cannot write while it reads
        if isinstance(e, ExportRefused | TooManyRows) and e.args:
            message = str(e.args[0])  # written for the user: no access any more, too many rows
        else:
            message = FAILED_MESSAGE
        ExportJob.objects.filter(pk=job_id).update(state=ExportJob.State.FAILED, error=message[:300],
                                                   finished_at=timezone.now())
        return ExportJob.objects.get(pk=job_id)
    job.state, job.done, job.total, job.finished_at = ExportJob.State.DONE, count, count, timezone.now()
    try:
        # Done and audited together: a workbook nobody can account for is never offered for download.
        with transaction.atomic():
            job.save(update_fields=["file", "state", "done", "total", "finished_at"])
            _audit(job.user, job.name, params.dict(), count, job=job.pk)
    except DatabaseError:
        logger.exception("export job %s: its audit entry could not be written", job_id)
        job.file.delete(save=False)
        ExportJob.objects.filter(pk=job_id).update(state=ExportJob.State.FAILED, error=FAILED_MESSAGE, file="",
                                                   finished_at=timezone.now())
        return ExportJob.objects.get(pk=job_id)
    return job


def _reporting(rows: Iterable, job: ExportJob) -> Iterator:
    for count, row in enumerate(rows, start=1):
        yield row
        if count % PROGRESS_EVERY == 0:
            _save_progress(job, count)


def _save_progress(job: ExportJob, done: int) -> None:
    # Progress is only for the page to show, so a write that fails is skipped rather than the export
    # failing: SQLite refuses a write from a connection still reading the rows once any other connection
    # has written since (a page saving its session), however long it waits. PostgreSQL takes it.
    try:
        ExportJob.objects.filter(pk=job.pk).update(done=done)
    except DatabaseError:
        logger.info("export job %s: progress not saved at %s rows", job.pk, done)


def export_jobs_purge(*, now: datetime | None = None) -> int:
    """Delete the export jobs asked for more than EXPORT_KEEP_DAYS ago, and their files: a workbook of
    personal data is kept no longer than it is useful. The audit log keeps the record of each export.
    Returns how many jobs were deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.EXPORT_KEEP_DAYS)
    count = 0
    for job in ExportJob.objects.filter(created_at__lt=cutoff):
        if job.file:
            job.file.delete(save=False)
        job.delete()
        count += 1
    return count
