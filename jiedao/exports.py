"""Export of any list: the list's own FilterSet, in the user's scope, every row, as .xlsx, audited."""

import tempfile
from collections.abc import Callable, Sequence
from datetime import datetime

from django.http import FileResponse
from django.utils import timezone

from . import audit
from .models import AuditAction
from .xlsx import write_sheet

# (header, accessor, column width): the accessor takes a row object and returns a cell value.
Column = tuple[str, Callable, int]


def export_response(*, request, name: str, columns: Sequence[Column], queryset, filters: dict) -> FileResponse:
    """Write every row of `queryset` (already scoped and filtered) and log who exported what."""
    stream = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # large exports spill to disk
    rows = ([accessor(obj) for _, accessor, _ in columns] for obj in queryset.iterator(chunk_size=2000))
    count = write_sheet(stream, title=name, columns=[(h, w) for h, _, w in columns], rows=rows)
    audit.record(actor=request.user, action=AuditAction.EXPORT,
                 changes={"list": name, "filters": {k: v for k, v in filters.items() if k != "format"}, "rows": count})
    stream.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(stream, as_attachment=True, filename=f"{name}-{stamp}.xlsx",
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def local(value: datetime | None):
    return timezone.localtime(value) if value else None
