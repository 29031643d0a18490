"""王丽 exports more residents than a request should write: the page hands her a job, shows its progress,
and offers the file when a worker has built it; nobody else finds her job. The workbook is the one she
would have got at once: the same rows, masked, never a formula, and written to the audit log once.

These run the task in-process (eager) or call it directly; the last test runs it on a real worker over
Redis when REDIS_URL is set (CI's second pass).
"""

import io
import os
import time
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jiedao import exports
from jiedao.models import AuditEntry, ExportJob
from jiedao.tasks import build_export_task
from tests.factories import ExportJobFactory, ResidentFactory

pytestmark = pytest.mark.django_db
RESIDENTS = "residents.exports.RESIDENTS"  # the list a job names


@pytest.fixture(autouse=True)
def small_threshold_and_own_media(settings, tmp_path):
    settings.EXPORT_ASYNC_THRESHOLD = 2  # three residents are "many" here
    settings.MEDIA_ROOT = tmp_path
    # No worker runs in these tests, even with REDIS_URL set: the task runs inside the request.
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def street(east1, east2, west1):
    return [
        ResidentFactory(name="张春露", grid=east1, birth=date(1941, 5, 2), female=True, tags=["living_alone"]),
        ResidentFactory(name='=HYPERLINK("http://x")', grid=east1, birth=date(1950, 1, 1), notes="+86 来电"),
        ResidentFactory(name="李秀英", grid=east2, birth=date(1958, 8, 9), female=True, tags=["dibao"]),
        ResidentFactory(name="王建国", grid=west1, birth=date(1985, 1, 20)),
    ]


def _rows(content: bytes):
    book = load_workbook(io.BytesIO(content))
    return [tuple(r) for r in book.active.iter_rows(values_only=True)], book.active


def _export(web, user, query="status=all", capture=None):
    url = reverse("residents:resident_list") + f"?{query}&format=xlsx"
    if capture is None:
        return web.as_(user).get(url)
    with capture(execute=True):  # the job is queued when the request's transaction commits
        return web.as_(user).get(url)


def _queued(user, total=3, query="status=all&format=xlsx") -> ExportJob:
    """A job as the page leaves it, before any worker has taken it."""
    return ExportJobFactory(user=user, query=query, total=total)  # the resident list, 居民名册


def test_a_long_export_becomes_a_job_whose_page_offers_the_file(web, staff_east, street,
                                                                django_capture_on_commit_callbacks):
    response = _export(web, staff_east, capture=django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("export_job", args=[job.pk])
    assert (job.user, job.source, job.state, job.done, job.total) == (staff_east, RESIDENTS, "done", 3, 3)
    page = web.get(response["Location"])
    assert "下载 Excel 文件" in page.content.decode() and "共 3 行" in page.content.decode()
    download = web.get(reverse("export_job_download", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="' in download["Content-Disposition"] or "filename*=" in download["Content-Disposition"]
    rows, sheet = _rows(b"".join(download.streaming_content))
    # 东园's three residents (王建国 of 西园 is not hers), masked, the formula-like name kept as text.
    assert sorted(r[0] for r in rows[1:]) == sorted(['=HYPERLINK("http://x")', "张春露", "李秀英"])
    zhang = next(r for r in rows if r[0] == "张春露")
    assert zhang[3].count("*") == 8 and zhang[4] == "139****5678" and zhang[9] == "独居、高龄"
    assert next(c for c in sheet["A"] if str(c.value).startswith("=HYPERLINK")).data_type == "s"
    assert sheet.freeze_panes == "A2"


def test_the_job_writes_the_rows_an_immediate_export_would(web, staff_east, street, settings,
                                                           django_capture_on_commit_callbacks):
    query = "tags=living_alone&ordering=-birth_date&status=all"
    settings.EXPORT_ASYNC_THRESHOLD = 5000
    immediate, _ = _rows(b"".join(_export(web, staff_east, query).streaming_content))
    settings.EXPORT_ASYNC_THRESHOLD = 0
    _export(web, staff_east, query, capture=django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    with job.file.open("rb") as f:
        queued, _ = _rows(f.read())
    assert queued == immediate and [r[0] for r in queued[1:]] == ["张春露"]


def test_a_short_export_is_still_written_at_once(web, staff_east, zhang, li):
    response = _export(web, staff_east, "tags=living_alone")
    assert response.status_code == 200 and not ExportJob.objects.exists()


def test_the_page_shows_progress_until_the_worker_is_done(web, staff_east, street):
    job = _queued(staff_east)
    page = web.as_(staff_east).get(reverse("export_job", args=[job.pk])).content.decode()
    assert "排队中" in page and "已写 <span id=\"export-done\">0</span> / 3 行" in page
    assert "js/export_job.js" in page and "<script>" not in page  # the CSP allows no inline script
    status = web.get(reverse("export_job_status", args=[job.pk])).json()
    assert status == {"state": "pending", "label": "排队中", "done": 0, "total": 3}
    assert web.get(reverse("export_job_download", args=[job.pk])).status_code == 404
    build_export_task(job.pk)
    assert web.get(reverse("export_job_status", args=[job.pk])).json()["state"] == "done"
    page = web.get(reverse("export_job", args=[job.pk])).content.decode()
    assert "下载 Excel 文件" in page and "js/export_job.js" not in page


def test_progress_is_saved_while_the_rows_are_written(staff_east, street, monkeypatch):
    seen = []
    job = _queued(staff_east)
    write = exports.write_sheet

    def watching(stream, *, rows, **kwargs):
        def observed():
            for row in rows:
                seen.append(ExportJob.objects.get(pk=job.pk).done)
                yield row
        return write(stream, rows=observed(), **kwargs)

    monkeypatch.setattr(exports, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(exports, "write_sheet", watching)
    build_export_task(job.pk)
    assert seen == [0, 1, 2]  # before each row is written, the rows already written
    job.refresh_from_db()
    assert (job.state, job.done, job.total) == ("done", 3, 3)


def test_nobody_else_finds_the_job(web, client, staff_east, staff_west, admin, street):
    job = _queued(staff_east)
    build_export_task(job.pk)
    for user in (staff_west, admin):
        web.as_(user)
        for name in ("export_job", "export_job_status", "export_job_download"):
            assert web.get(reverse(name, args=[job.pk])).status_code == 404
        assert job.name not in web.get(reverse("export_jobs")).content.decode()
    client.logout()
    assert client.get(reverse("export_job_download", args=[job.pk])).status_code == 302  # to the login page


def test_her_jobs_are_listed_for_her(web, staff_east, street):
    done, waiting = _queued(staff_east), _queued(staff_east)
    build_export_task(done.pk)
    page = web.as_(staff_east).get(reverse("export_jobs")).content.decode()
    assert reverse("export_job_download", args=[done.pk]) in page
    assert reverse("export_job", args=[waiting.pk]) in page and "排队中" in page


def test_a_failed_job_says_so_in_chinese(web, staff_east, street, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(exports, "write_sheet", broken)
    job = _queued(staff_east)
    assert build_export_task(job.pk) == "failed"
    job.refresh_from_db()
    assert job.state == "failed" and job.error == exports.FAILED_MESSAGE and job.finished_at
    page = web.as_(staff_east).get(reverse("export_job", args=[job.pk])).content.decode()
    assert "导出失败，请稍后重试" in page and "disk full" not in page
    assert web.get(reverse("export_job_download", args=[job.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action="export").exists()


def test_a_user_who_lost_access_gets_no_file(web, staff_east, street):
    job = _queued(staff_east)
    staff_east.role = "point_operator"  # moved to a canteen counter before the worker got to the job
    staff_east.save()
    build_export_task(job.pk)
    job.refresh_from_db()
    assert job.state == "failed" and job.error == "您的账号已无权导出此列表。" and not job.file


@pytest.mark.parametrize("source", ["reports.views.HomeView", "residents.exports.RESIDENT_COLUMNS",
                                    "residents.exports.NOWHERE", "os.system"])
def test_a_job_names_only_an_export_list(staff_east, street, source):
    job = ExportJobFactory(user=staff_east, source=source, name="x", query="", total=1)
    assert build_export_task(job.pk) == "failed"


def test_running_the_task_again_does_nothing(staff_east, street):
    job = _queued(staff_east)
    assert build_export_task(job.pk) == "done"
    job.refresh_from_db()
    first = (job.file.name, job.finished_at)
    assert build_export_task(job.pk) == "done"
    job.refresh_from_db()
    assert (job.file.name, job.finished_at) == first
    assert AuditEntry.objects.filter(action="export").count() == 1
    assert build_export_task(10**9) == "missing"


def test_the_finished_export_is_audited_with_filters_and_rows(web, staff_east, street,
                                                              django_capture_on_commit_callbacks):
    _export(web, staff_east, "status=all&grid=", capture=django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    entry = AuditEntry.objects.get(action="export")
    assert entry.actor == staff_east and entry.subdistrict_id == staff_east.subdistrict_id
    assert entry.changes == {"list": "居民名册", "filters": {"status": "all", "grid": ""},
                             "rows": 3, "job": job.pk}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs the Redis that CI provides")
def test_a_worker_on_redis_builds_the_export(web, staff_east, street, settings):
    from celery.contrib.testing.worker import start_worker

    from jiedao.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", queues=["files"]):
        response = _export(web, staff_east)  # committed at once here, so the job goes to Redis
        job = ExportJob.objects.get()
        deadline = time.monotonic() + 30
        while job.state in ("pending", "running") and time.monotonic() < deadline:
            time.sleep(0.2)
            job.refresh_from_db()
    assert response.status_code == 302 and (job.state, job.done) == ("done", 3), job.error
    rows, _ = _rows(b"".join(web.get(reverse("export_job_download", args=[job.pk])).streaming_content))
    assert len(rows) == 4


def test_files_past_their_keeping_days_are_deleted_with_their_jobs(staff_east, street, settings):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    settings.EXPORT_KEEP_DAYS = 7
    old, recent = _queued(staff_east), _queued(staff_east)
    for job in (old, recent):
        build_export_task(job.pk)
    ExportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    old.refresh_from_db()
    path = old.file.path
    assert os.path.exists(path)
    call_command("purge_exports", stdout=io.StringIO())
    assert list(ExportJob.objects.all()) == [recent] and not os.path.exists(path)
    assert AuditEntry.objects.filter(action="export").count() == 2  # who exported what stays on record
    assert exports.export_jobs_purge() == 0  # the nightly run again: nothing more to delete
    later = timezone.now() + timedelta(days=8)
    assert exports.export_jobs_purge(now=later) == 1 and not ExportJob.objects.exists()


def test_progress_that_cannot_be_saved_does_not_fail_the_export(staff_east, street, monkeypatch):
    from django.db import OperationalError
    from django.db.models import QuerySet

    update = QuerySet.update

    def locked(queryset, **values):
        if set(values) == {"done"}:  # what SQLite answers a reading connection once another has written
            raise OperationalError("database is locked")
        return update(queryset, **values)

    monkeypatch.setattr(exports, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(QuerySet, "update", locked)
    job = _queued(staff_east)
    assert build_export_task(job.pk) == "done"
    job.refresh_from_db()
    assert (job.state, job.done) == ("done", 3)


def test_a_job_whose_worker_never_finished_says_so_instead_of_running_for_ever(web, staff_east, street):
    """The worker was restarted mid-export: an hour later the page tells 王丽 to export again."""
    from datetime import timedelta

    from django.utils import timezone

    job = _queued(staff_east)
    ExportJob.objects.filter(pk=job.pk).update(state=ExportJob.State.RUNNING,
                                                created_at=timezone.now() - timedelta(minutes=61))
    page = web.as_(staff_east).get(reverse("export_job", args=[job.pk])).content.decode()
    assert "导出已中断" in page and "export_job.js" not in page
    status = web.as_(staff_east).get(reverse("export_job_status", args=[job.pk])).json()
    assert (status["state"], status["label"]) == ("failed", "已中断")
    assert "已中断" in web.as_(staff_east).get(reverse("export_jobs")).content.decode()
    fresh = _queued(staff_east)  # one just queued is simply waiting
    assert web.as_(staff_east).get(reverse("export_job_status", args=[fresh.pk])).json()["state"] == "pending"
