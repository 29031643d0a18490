"""A user's own export jobs: the progress page, its status for the page's script, the download.

Nobody but the job's owner finds a job: any other id answers 404, as if it did not exist.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from . import audit
from .exports import XLSX, download_name
from .models import AuditAction, ExportJob
from .sessions import background_poll

STALLED_LABEL = "已中断"
STALLED_MESSAGE = "导出已中断：后台任务没有完成（可能是服务重启）。请回到列表重新导出。"


def _own_job(request, pk) -> ExportJob:
    return get_object_or_404(ExportJob.objects.visible_to(request.user), pk=pk)


class ExportJobListView(LoginRequiredMixin, ListView):
    template_name = "exports/job_list.html"
    context_object_name = "jobs"

    def get_queryset(self):
        return ExportJob.objects.visible_to(self.request.user)[:30]

    def get_context_data(self, **kwargs):
        return super().get_context_data(threshold=settings.EXPORT_ASYNC_THRESHOLD,
                                        keep_days=settings.EXPORT_KEEP_DAYS, **kwargs)


class ExportJobView(LoginRequiredMixin, DetailView):
    template_name = "exports/job.html"
    context_object_name = "job"

    def get_queryset(self):
        return ExportJob.objects.visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(keep_days=settings.EXPORT_KEEP_DAYS, stalled_message=STALLED_MESSAGE,
                                        **kwargs)


@background_poll  # the page asks every two seconds by itself: no sign that the person is there
@login_required
def export_job_status(request, pk):
    """What static/js/export_job.js polls while the job runs."""
    job = _own_job(request, pk)
    if job.stalled:  # the page reloads and shows why
        return JsonResponse({"state": "failed", "label": STALLED_LABEL, "done": job.done, "total": job.total})
    return JsonResponse({"state": job.state, "label": job.get_state_display(), "done": job.done, "total": job.total})


@login_required
def export_job_download(request, pk):
    return export_job_file(_own_job(request, pk))


def export_job_file(job: ExportJob) -> FileResponse:
    """A finished job's workbook, for the page and the API alike; each download is in the audit log (the
    file holds personal data, and may be fetched again while it is kept)."""
    if job.state != ExportJob.State.DONE or not job.file:
        raise Http404("导出文件尚未生成。")
    audit.record(actor=job.user, action=AuditAction.EXPORT, target=job,
                 changes={"list": job.name, "job": job.pk, "via": "download"})
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=download_name(job.name, job.finished_at),
                        content_type=XLSX)
