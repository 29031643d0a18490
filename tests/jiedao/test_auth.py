"""Signing in: API tokens (one per sign-in, hashed, revocable), lockout after repeated failures (per account
and address: tests/jiedao/test_lockout.py),
idle and absolute session ends. The second factor's pages are tests/jiedao/test_second_factor.py."""

import hashlib
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from jiedao import services, sessions
from jiedao.models import ApiToken, AuditEntry
from tests.conftest import PASSWORD
from tests.otp import code, sign_in

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def token_for(user, *, step: int = 0, client=None) -> str:
    """王丽's script signs in: name, password and the code on her phone."""
    response = (client or APIClient()).post(TOKEN_URL, {"username": user.username, "password": PASSWORD,
                                                        "otp": code(step=step)}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()["token"]


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_opens_the_api(staff_east, zhang):
    client = with_token(token_for(staff_east))
    assert client.get("/api/v1/me/").json()["username"] == "staff_east"
    assert client.get("/api/v1/residents/").json()["count"] == 1


@pytest.mark.parametrize("payload", [{}, {"username": "staff_east"}, {"username": ["x"], "password": 1},
                                     {"username": "x" * 1000, "password": "y", "otp": "123456"},
                                     {"username": "staff_east", "password": PASSWORD, "otp": ["1"]}])
def test_a_malformed_token_request_answers_400(staff_east, payload):
    assert APIClient().post(TOKEN_URL, payload, format="json").status_code == 400


def test_a_wrong_password_answers_400_in_chinese(staff_east):
    response = APIClient().post(TOKEN_URL, {"username": "staff_east", "password": "nope", "otp": code()},
                                format="json")
    assert response.status_code == 400 and "用户名或密码错误" in response.json()["detail"]


def test_without_the_code_there_is_no_token(staff_east):
    response = APIClient().post(TOKEN_URL, {"username": "staff_east", "password": PASSWORD}, format="json")
    assert response.status_code == 400
    assert "动态验证码" in response.json()["otp"][0]
    assert not ApiToken.objects.exists()


def test_a_wrong_code_answers_400_in_chinese_and_counts_as_a_failed_login(staff_east):
    wrong = f"{(int(code()) + 500000) % 1000000:06d}"
    response = APIClient().post(TOKEN_URL, {"username": "staff_east", "password": PASSWORD, "otp": wrong},
                                format="json")
    assert response.status_code == 400 and "动态验证码错误" in response.json()["otp"][0]
    assert AuditEntry.objects.filter(action="login_failed", actor=staff_east).count() == 1
    assert not ApiToken.objects.exists()


def test_a_code_is_accepted_once(staff_east):
    now = code()
    token_for(staff_east)
    replay = APIClient().post(TOKEN_URL, {"username": "staff_east", "password": PASSWORD, "otp": now},
                              format="json")
    assert replay.status_code == 400 and "已使用" in replay.json()["otp"][0]
    assert ApiToken.objects.count() == 1


def test_an_account_that_never_enrolled_is_told_to_enrol_on_the_web(heping):
    from tests.factories import UserFactory

    UserFactory(username="newcomer", subdistrict=heping, totp=False)
    response = APIClient().post(TOKEN_URL, {"username": "newcomer", "password": PASSWORD, "otp": code()},
                                format="json")
    assert response.status_code == 400 and "尚未绑定" in response.json()["otp"][0]


def test_every_sign_in_gets_its_own_token(staff_east):
    first, second = token_for(staff_east), token_for(staff_east, step=1)  # the next half-minute's code
    assert first != second
    assert with_token(first).get("/api/v1/me/").status_code == 200
    assert with_token(second).get("/api/v1/me/").status_code == 200


def test_only_the_hash_of_a_token_is_kept(staff_east):
    key = token_for(staff_east)
    token = ApiToken.objects.get()
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest() and token.prefix == key[:8]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")
        assert not any(key in str(value) for value in cursor.fetchone())
    # The audit log names the token by its prefix only.
    assert key not in str(list(AuditEntry.objects.values_list("changes", flat=True)))


def test_a_token_expires_twelve_hours_after_sign_in(staff_east):
    before = timezone.now()
    token_for(staff_east)
    token = ApiToken.objects.get()
    assert timedelta(hours=12) <= token.expires_at - before <= timedelta(hours=12, seconds=5)
    assert settings.API_TOKEN_TTL_SECONDS == 12 * 3600


def test_a_lapsed_token_is_refused_and_a_fresh_sign_in_gives_a_new_one(staff_east):
    key = token_for(staff_east)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = with_token(key).get("/api/v1/me/")
    assert response.status_code == 401 and "过期" in response.json()["detail"]
    assert not ApiToken.objects.exists()
    assert token_for(staff_east, step=1) != key


def test_delete_ends_the_calling_token_only(staff_east):
    key, other = token_for(staff_east), token_for(staff_east, step=1)
    assert with_token(key).delete(TOKEN_URL).status_code == 204
    assert with_token(key).get("/api/v1/me/").status_code == 401
    assert with_token(other).get("/api/v1/me/").status_code == 200
    assert AuditEntry.objects.filter(action="logout", actor=staff_east, changes__token=key[:8]).exists()


def test_delete_without_a_token_is_refused(staff_east):
    assert APIClient().delete(TOKEN_URL).status_code == 401


def test_signing_out_of_the_portal_ends_the_persons_tokens(web, staff_east):
    key = token_for(staff_east)
    web.as_(staff_east).post(reverse("logout"))
    assert with_token(key).get("/api/v1/me/").status_code == 401


def test_changing_the_password_ends_the_tokens(web, staff_east):
    key = token_for(staff_east)
    response = web.as_(staff_east).post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "Another-pass-2027", "new_password2": "Another-pass-2027"})
    assert response.status_code == 302
    assert with_token(key).get("/api/v1/me/").status_code == 401
    assert not ApiToken.objects.exists()


def test_deactivating_an_account_ends_its_tokens(security, staff_east, east):
    key = token_for(staff_east)
    staff_east.is_active = False
    services.user_save(actor=security, user=staff_east, communities=[east], grids=[])
    assert not ApiToken.objects.exists()
    assert with_token(key).get("/api/v1/me/").status_code == 401


def test_five_failures_on_the_token_endpoint_lock_the_pair_even_with_the_right_password(staff_east):
    # The pair (account, address) locks: failures spread over addresses lock nobody (tests/jiedao/test_lockout.py).
    client = APIClient()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(TOKEN_URL, {"username": "staff_east", "password": f"wrong{attempt}", "otp": "000000"},
                    format="json", REMOTE_ADDR="10.0.0.7")
    response = client.post(TOKEN_URL, {"username": "staff_east", "password": PASSWORD, "otp": code()},
                           format="json", REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 403 and "锁定" in response.json()["detail"]


def test_five_wrong_codes_lock_the_account_too(staff_east):
    client = APIClient()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(TOKEN_URL, {"username": "staff_east", "password": PASSWORD, "otp": f"99999{attempt}"},
                    format="json")
    response = client.post(TOKEN_URL, {"username": "staff_east", "password": PASSWORD, "otp": code()},
                           format="json")
    assert response.status_code == 403 and "锁定" in response.json()["detail"]


def test_a_lockout_refuses_new_sign_ins_and_ends_no_token_already_given(staff_east):
    key = token_for(staff_east)
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        APIClient().post(TOKEN_URL, {"username": "staff_east", "password": f"wrong{attempt}", "otp": "000000"},
                         format="json")
    assert APIClient().post(TOKEN_URL, {"username": "staff_east", "password": PASSWORD, "otp": code(step=1)},
                            format="json").status_code == 403
    assert with_token(key).get("/api/v1/me/").status_code == 200


def test_failures_on_the_login_page_lock_the_token_endpoint_too(client, staff_east):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "staff_east", "password": f"wrong{attempt}"})
    page = client.post(reverse("login"), {"username": "staff_east", "password": PASSWORD})
    assert page.status_code in (403, 429) and "锁定" in page.content.decode()
    response = APIClient().post(TOKEN_URL, {"username": "staff_east", "password": PASSWORD, "otp": code()},
                                format="json")
    assert response.status_code == 403


def test_one_persons_typos_do_not_lock_a_colleague_at_the_same_address(client, staff_east, staff_west):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "staff_east", "password": f"wrong{attempt}"})
    response = client.post(reverse("login"), {"username": "staff_west", "password": PASSWORD})
    assert response.status_code == 302


def test_the_login_page_then_the_code_lead_home(client, staff_east):
    response = client.post(reverse("login"), {"username": "staff_east", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("otp_verify"))
    response = client.post(reverse("otp_verify"), {"code": code(), "next": "/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "王丽" in response.content.decode()


# Sessions ---------------------------------------------------------------------------------------------

def _clocks(client, *, seen_ago: int, signed_in_ago: int | None = None) -> None:
    session = client.session
    now = int(time.time())
    session[sessions.SEEN_AT] = now - seen_ago
    session[sessions.SIGNED_IN_AT] = now - (seen_ago if signed_in_ago is None else signed_in_ago)
    session.save()


def test_sessions_end_after_thirty_idle_minutes_and_twelve_hours_at_most():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_MAX_SECONDS == 12 * 3600
    # The session is no longer written on every request (the idle timer is, at most once a minute).
    assert not getattr(settings, "SESSION_SAVE_EVERY_REQUEST", False)


def test_signing_in_starts_both_clocks(client, staff_east):
    sign_in(client, staff_east, PASSWORD)
    session = client.session
    assert abs(session[sessions.SIGNED_IN_AT] - time.time()) < 5
    assert session[sessions.SEEN_AT] == session[sessions.SIGNED_IN_AT]


def test_thirty_idle_minutes_end_the_session(web, staff_east):
    web.as_(staff_east)
    _clocks(web, seen_ago=30 * 60)
    response = web.get(reverse("residents:resident_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert web.get("/").status_code == 302  # ended, not merely refused once
    assert AuditEntry.objects.filter(action="logout", actor=staff_east, changes__reason="闲置超时").exists()


def test_a_request_within_the_half_hour_restarts_the_idle_clock(web, staff_east):
    web.as_(staff_east)
    _clocks(web, seen_ago=29 * 60)
    assert web.get(reverse("residents:resident_list")).status_code == 200
    assert abs(web.session[sessions.SEEN_AT] - time.time()) < 5


def test_the_idle_clock_is_written_at_most_once_a_minute(web, staff_east):
    web.as_(staff_east)
    _clocks(web, seen_ago=30)
    seen = web.session[sessions.SEEN_AT]
    assert web.get(reverse("residents:resident_list")).status_code == 200
    assert web.session[sessions.SEEN_AT] == seen


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_reading_pages_and_the_api_within_the_minute_writes_nothing(web, api, staff_east, zhang):
    """王丽 pages through the list, searches, opens the visit list and the API's list: none of it changed
    anything, so nothing is written, not even the session (a write per click was a cost every request paid)."""
    from django.test.utils import CaptureQueriesContext

    web.as_(staff_east)
    _clocks(web, seen_ago=30)
    with CaptureQueriesContext(connection) as seen:
        for url in [reverse("residents:resident_list"), reverse("residents:resident_list") + "?q=zhang",
                    reverse("visits:list"), "/"]:
            assert web.get(url).status_code == 200, url
    assert _writes(seen.captured_queries) == []
    with CaptureQueriesContext(connection) as seen:
        assert api.as_(staff_east).get("/api/v1/residents/").status_code == 200
    assert _writes(seen.captured_queries) == []


def test_the_export_pages_poll_does_not_keep_a_session_alive(web, staff_east):
    from tests.factories import ExportJobFactory

    job = ExportJobFactory(user=staff_east)
    web.as_(staff_east)
    _clocks(web, seen_ago=29 * 60)
    seen = web.session[sessions.SEEN_AT]
    assert web.get(reverse("export_job_status", args=[job.pk])).status_code == 200
    assert web.session[sessions.SEEN_AT] == seen
    _clocks(web, seen_ago=30 * 60)
    assert web.get(reverse("export_job_status", args=[job.pk])).status_code == 302


def test_twelve_hours_after_signing_in_the_session_ends_however_busy(web, staff_east):
    web.as_(staff_east)
    _clocks(web, seen_ago=10, signed_in_ago=12 * 3600)
    response = web.get(reverse("residents:resident_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert AuditEntry.objects.filter(action="logout", actor=staff_east, changes__reason="登录超过最长时限").exists()


def test_an_ended_session_keeps_the_persons_tokens(web, staff_east):
    key = token_for(staff_east)
    web.as_(staff_east)
    _clocks(web, seen_ago=30 * 60)
    web.get("/")
    assert with_token(key).get("/api/v1/me/").status_code == 200


def test_an_expired_session_is_sent_back_to_login(client, staff_east):
    client.force_login(staff_east)
    session = client.session
    session.set_expiry(-1)
    session.save()
    assert client.get(reverse("residents:resident_list")).status_code == 302
