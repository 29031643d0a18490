"""王丽's data-entry script asks the API for more residents than a request should write: like the page, the
API hands the export to a worker (one threshold, one parameter: ?format=xlsx) and answers 202 with the job,
which only she can poll and download."""

import io

import pytest
from openpyxl import load_workbook

from jiedao.models import ExportJob
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_threshold(settings, tmp_path):
    settings.EXPORT_ASYNC_THRESHOLD = 2
    settings.MEDIA_ROOT = tmp_path
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def three(east1):
    return [ResidentFactory(name=name, grid=east1) for name in ("张春露", "李秀英", "王建国")]


def test_a_long_api_export_answers_202_with_a_job_to_poll_and_download(api, staff_east, three,
                                                                      django_capture_on_commit_callbacks):
    client = api.as_(staff_east)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/api/v1/residents/?format=xlsx")
    assert response.status_code == 202, response.content
    body = response.json()
    job = ExportJob.objects.get()
    assert (body["job"], body["total"]) == (job.pk, 3) and job.source == "residents.exports.RESIDENTS"
    status = client.get(body["status"]).json()
    assert status["state"] == "done" and status["download"].endswith(f"/api/v1/exports/{job.pk}/download/")
    book = load_workbook(io.BytesIO(b"".join(client.get(body["download"]).streaming_content)))
    assert sorted(r[0] for r in book.active.iter_rows(min_row=2, values_only=True)) == ["张春露", "李秀英", "王建国"]


def test_a_short_api_export_is_written_at_once(api, staff_east, east1):
    ResidentFactory(name="张春露", grid=east1)
    response = api.as_(staff_east).get("/api/v1/residents/?format=xlsx")
    assert response.status_code == 200 and not ExportJob.objects.exists()


def test_nobody_else_polls_or_downloads_her_job(api, staff_east, staff_west, admin, three):
    api.as_(staff_east).get("/api/v1/residents/?format=xlsx")
    job = ExportJob.objects.get()
    for other in (staff_west, admin):
        client = api.as_(other)
        assert client.get(f"/api/v1/exports/{job.pk}/").status_code == 404
        assert client.get(f"/api/v1/exports/{job.pk}/download/").status_code == 404
    assert api.as_(staff_west).get("/api/v1/exports/").json()["count"] == 0


def test_the_job_list_runs_the_same_queries_for_one_job_or_many(api, staff_east, three, django_assert_num_queries):
    client = api.as_(staff_east)
    client.get("/api/v1/residents/?format=xlsx")
    # The page's count, the page of jobs.
    with django_assert_num_queries(2):
        assert client.get("/api/v1/exports/").json()["count"] == 1
    for _ in range(3):
        client.get("/api/v1/residents/?format=xlsx")
    with django_assert_num_queries(2):
        assert client.get("/api/v1/exports/").json()["count"] == 4


def test_a_job_whose_filter_no_longer_holds_fails_with_a_message(staff_east, three):
    from jiedao.tasks import build_export_task

    job = ExportJob.objects.create(user=staff_east, source="residents.exports.RESIDENTS", name="居民名册",
                                   query="age_min=old", total=3)
    assert build_export_task(job.pk) == "failed"
    job.refresh_from_db()
    assert job.error == "筛选条件有误，无法导出。" and not job.file
