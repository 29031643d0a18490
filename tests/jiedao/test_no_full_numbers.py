"""A day at the office leaves no full ID or phone number behind: 王丽 searches residents by a whole ID
number and a whole phone, exports what she found, someone types an ID number as a login name, 赵管理 sets
a colleague's and a canteen's phone, 吴服务 swipes a card at the counter. The audit log, the stored export
jobs and the log lines keep that it happened, never the number."""

import logging
import re

import pytest
from django.urls import reverse

from jiedao.models import AuditEntry, ExportJob
from jiedao.redact import RedactFilter, redact
from tests.factories import ServicePointFactory

pytestmark = pytest.mark.django_db

FULL_ID = re.compile(r"\d{17}[\dXx]")
FULL_PHONE = re.compile(r"1[3-9]\d{9}")


def _leaks(text: str) -> list[str]:
    return FULL_ID.findall(text) + FULL_PHONE.findall(text)


@pytest.fixture(autouse=True)
def small_threshold(settings, tmp_path):
    settings.EXPORT_ASYNC_THRESHOLD = 0  # every export would become a job, if it may
    settings.MEDIA_ROOT = tmp_path
    settings.CELERY_TASK_ALWAYS_EAGER = True


def test_a_scripted_day_leaves_no_full_number_in_the_audit_log_jobs_or_logs(
        web, api, client, staff_east, admin, operator, zhang, east, heping, caplog):
    zhang.phone = "13911112222"
    zhang.save()
    staff = web.as_(staff_east)
    with caplog.at_level(logging.INFO):
        staff.get(reverse("residents:resident_list"), {"search": zhang.id_number})
        api.as_(staff_east).get("/api/v1/residents/", {"search": zhang.phone})
        staff.get(reverse("residents:resident_list"), {"search": zhang.id_number, "format": "xlsx"})
        api.as_(staff_east).get("/api/v1/residents/", {"search": zhang.phone, "format": "xlsx"})
        client.post(reverse("login"), {"username": zhang.id_number, "password": "wrong-password-1"})
        api.post("/api/v1/auth/token/", {"username": zhang.phone, "password": "x", "otp": "123456"}, format="json")
        web.as_(admin).post(reverse("manage:user_update", args=[staff_east.pk]), {
            "username": staff_east.username, "first_name": "王丽", "role": "community_staff",
            "communities": [east.pk], "phone": "13700001111", "is_active": "on"})
        point = ServicePointFactory(subdistrict=heping, community=east, kind="canteen", name="东园老年食堂")
        web.as_(admin).post(reverse("residents:point_update", args=[point.pk]), {
            "kind": "canteen", "name": "东园老年食堂", "community": east.pk, "contact_phone": "13600002222",
            "active": "on"})
        operator.service_point = point
        operator.save()
        counter = web.as_(operator)
        counter.get(reverse("care:checkin"), {"id_number": zhang.id_number, "meal": "lunch"})
        counter.post(reverse("care:checkin"), {"id_number": zhang.id_number, "meal": "lunch"})
    entries = list(AuditEntry.objects.values_list("actor_username", "changes"))
    assert {"export", "login_failed", "update"} <= set(AuditEntry.objects.values_list("action", flat=True))
    assert [e for e in entries if _leaks(str(e))] == []
    assert not ExportJob.objects.exists()  # a search for one person is written at once, never stored
    assert [r.getMessage() for r in caplog.records if _leaks(r.getMessage())] == []


def test_log_lines_are_masked_by_the_portals_log_filter():
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1,
                               '"GET /residents/?search=%s HTTP/1.1" 200', ("11010519410502002X",), None)
    RedactFilter().filter(record)
    assert record.getMessage() == '"GET /residents/?search=**************002X HTTP/1.1" 200'
    console = [h for h in logging.getLogger().handlers if any(isinstance(f, RedactFilter) for f in h.filters)]
    assert console, "the console handler of LOGGING carries the filter"


def test_gunicorns_access_log_masks_the_request_line_and_the_referer(monkeypatch):
    from gunicorn.glogging import Logger

    from jiedao.gunicorn_logging import RedactingLogger

    # gunicorn's own atoms of one request (its %(r)s request line, %(f)s Referer, %(s)s status).
    monkeypatch.setattr(Logger, "atoms", lambda self, resp, req, environ, request_time: {
        "r": "GET /care/checkin/?id_number=110105194105020021 HTTP/1.1", "f": "/?q=13911112222", "s": 200})
    atoms = RedactingLogger.atoms(object.__new__(RedactingLogger), None, None, {}, None)
    assert atoms == {"r": "GET /care/checkin/?id_number=**************0021 HTTP/1.1", "f": "/?q=*******2222",
                     "s": 200}


@pytest.mark.parametrize("text, masked", [
    ("110105194105020021", "**************0021"), ("11010519410502002x", "**************002x"),
    ("13911112222", "*******2222"), ("010-64211234", "*******1234"),
    ("订单 2026110112345678 校验", "订单 2026110112345678 校验"),  # 16 digits: not an ID number
    ("sha256 a13911112222b", "sha256 a13911112222b"),  # inside a checksum: not a phone
])
def test_what_counts_as_a_full_number(text, masked):
    assert redact(text) == masked
