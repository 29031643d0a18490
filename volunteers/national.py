"""The national volunteer system's bulk upload (全国志愿服务信息系统): a month's hours in its columns, with the full
ID numbers it needs. For the sub-district admin only; audited as a full-number export; the file is an export job's
(sealed at rest by the default storage, jiedao.crypto, and deleted with the exports after EXPORT_KEEP_DAYS)."""

import tempfile
from datetime import date

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jiedao import audit
from jiedao.dates import month_end
from jiedao.models import AuditAction, ExportJob
from jiedao.scope import exports_volunteer_hours
from jiedao.xlsx import write_sheet

from .models import HoursEntry
from .selectors import counted_ids

NAME = "志愿服务时长（全国系统导入）"
COLUMNS = [("姓名", 10), ("证件类型", 12), ("证件号码", 22), ("服务日期", 12), ("服务时长", 10), ("项目名称", 30)]
ID_CARD = "居民身份证"


def month_rows(subdistrict_id: int, month: date) -> list[list]:
    """Every counted line of the month's hours of the sub-district's volunteers, in one query: a corrected line by
    its latest correction, on the day of the line it corrects (a line corrected to 0 is left out); by date, name."""
    first, last = month.replace(day=1), month_end(month)
    entries = list(HoursEntry.objects.filter(volunteer__subdistrict_id=subdistrict_id)
                   .filter(Q(adjusts__isnull=True, date__range=(first, last)) | Q(adjusts__date__range=(first, last)))
                   .select_related("volunteer", "adjusts").order_by("id"))
    counted = counted_ids(entries)
    rows = [[e.volunteer.name, ID_CARD, e.volunteer.id_number, e.adjusts.date if e.adjusts_id else e.date, e.hours,
             e.project] for e in entries if e.pk in counted and e.hours > 0]
    return sorted(rows, key=lambda r: (r[3], r[0]))


@transaction.atomic
def national_export(*, actor, month: date) -> ExportJob:
    """Write the month's upload to an export job's sealed file and log it as a full-number export."""
    if not exports_volunteer_hours(actor):
        raise PermissionDenied("全国志愿服务系统导出含完整身份证号，仅街道管理员可以导出。")
    rows = month_rows(actor.subdistrict_id, month)
    job = ExportJob.objects.create(user=actor, source=f"{__name__}.national_export", name=f"{NAME}{month:%Y-%m}",
                                   query=f"month={month:%Y-%m}", total=len(rows), state=ExportJob.State.RUNNING)
    with tempfile.TemporaryFile() as stream:
        count = write_sheet(stream, title=NAME, columns=COLUMNS, rows=rows)
        stream.seek(0)
        job.file.save(f"export-{job.pk}.xlsx", File(stream), save=False)
    job.state, job.done, job.finished_at = ExportJob.State.DONE, count, timezone.now()
    job.save(update_fields=["file", "state", "done", "finished_at"])
    audit.record(actor=actor, action=AuditAction.EXPORT, target=job, changes={
        "list": NAME, "month": f"{month:%Y-%m}", "rows": count, "full_numbers": True,
        "volunteers": len({r[2] for r in rows}), "job": job.pk})
    return job
