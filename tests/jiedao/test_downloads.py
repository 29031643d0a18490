"""Every file the portal hands out (a list's export, an export job's workbook, a monthly report, a case scan)
is an attachment of the type it was stored as, never sniffed into another, and kept by no browser or proxy."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from jiedao.exports import XLSX
from jiedao.models import ExportJob
from tests.factories import ExportJobFactory
from tests.reports.factories import MonthlyReportFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _is_a_safe_download(response, content_type):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store, private"
    return True


def test_a_list_export_is_a_safe_download(web, api, staff_east, zhang):
    assert _is_a_safe_download(web.as_(staff_east).get("/residents/?format=xlsx"), XLSX)
    assert _is_a_safe_download(api.as_(staff_east).get("/api/v1/residents/?format=xlsx"), XLSX)


def test_an_export_jobs_workbook_is_a_safe_download(web, api, staff_east):
    job = ExportJobFactory(user=staff_east, state=ExportJob.State.DONE, done=3, finished_at=timezone.now(),
                           file=ContentFile(b"PK\x03\x04 workbook", name="residents.xlsx"))
    assert _is_a_safe_download(web.as_(staff_east).get(reverse("export_job_download", args=[job.pk])), XLSX)
    assert _is_a_safe_download(api.as_(staff_east).get(f"/api/v1/exports/{job.pk}/download/"), XLSX)


def test_a_monthly_report_is_a_safe_download(web, api, leader, heping):
    report = MonthlyReportFactory(subdistrict=heping)
    assert _is_a_safe_download(web.as_(leader).get(reverse("report_download", args=[report.pk])), XLSX)
    assert _is_a_safe_download(api.as_(leader).get(f"/api/v1/reports/{report.pk}/download/"), XLSX)

# A case scan: tests/assistance/test_documents.py (it had been sent inline).
