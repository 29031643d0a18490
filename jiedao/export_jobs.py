"""Exporting a list from a request: written now when it is short, else queued for a worker.

The page and the API both come here, with the same `?format=xlsx` and the same threshold
(EXPORT_ASYNC_THRESHOLD), so a long list is never written while a browser or a client waits.
"""

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied
from django.db import transaction
from django.http import FileResponse

from .exports import ExportList, export_response
from .models import ExportJob
from .redact import redact
from .tasks import build_export_task

EXPORT_FORMAT = "xlsx"  # ?format=xlsx on a list page or endpoint
EXPORT_FILTERS_WRONG = "筛选条件有误，无法导出：请先改正下面标出的条件。"


@transaction.atomic
def export_job_create(*, user, export_list: ExportList, query: str, total: int) -> ExportJob:
    """Queue the export of a list too long to write during the request: the worker runs the list
    `export_list` names (never a path taken from the user) with the query string it was filtered with."""
    if len(query) > ExportJob._meta.get_field("query").max_length:
        raise BadRequest("筛选条件过长，无法导出。")
    job = ExportJob.objects.create(user=user, source=export_list.path, name=export_list.name, query=query,
                                   total=total)
    transaction.on_commit(lambda: build_export_task.delay(job.pk))
    return job


def export_list_rows(*, user, export_list: ExportList, queryset, params) -> FileResponse | ExportJob:
    """Every row of `queryset` (the list's FilterSet over the user's scope, not a page): a workbook now
    when there are few, else an export job whose page shows its progress."""
    if not export_list.readers(user):
        raise PermissionDenied("您的角色无权导出此列表。")
    total = queryset.count()
    # A query holding a full ID or phone number (a search for one person) is written now, whatever its
    # size: no stored job keeps such a number.
    if total <= settings.EXPORT_ASYNC_THRESHOLD or redact(params.urlencode()) != params.urlencode():
        return export_response(user=user, export_list=export_list, queryset=queryset, params=params.dict())
    return export_job_create(user=user, export_list=export_list, query=params.urlencode(), total=total)
