"""Logging in: tokens, lockout after repeated failures (per account and address: tests/jiedao/test_lockout.py),
idle sessions."""

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_token_opens_the_api(staff_east, zhang):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "staff_east", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/me/").json()["username"] == "staff_east"
    assert client.get("/api/v1/residents/").json()["count"] == 1


@pytest.mark.parametrize("payload", [{}, {"username": "staff_east"}, {"username": ["x"], "password": 1},
                                     {"username": "x" * 1000, "password": "y"}])
def test_a_malformed_token_request_answers_400(staff_east, payload):
    assert APIClient().post("/api/v1/auth/token/", payload, format="json").status_code == 400


def test_a_wrong_password_answers_400_in_chinese(staff_east):
    response = APIClient().post("/api/v1/auth/token/", {"username": "staff_east", "password": "nope"}, format="json")
    assert response.status_code == 400 and "用户名或密码错误" in response.json()["detail"]


def test_failures_on_the_login_page_lock_the_token_endpoint_too(client, staff_east):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "staff_east", "password": f"wrong{attempt}"})
    page = client.post(reverse("login"), {"username": "staff_east", "password": PASSWORD})
    assert page.status_code in (403, 429) and "锁定" in page.content.decode()
    response = APIClient().post("/api/v1/auth/token/", {"username": "staff_east", "password": PASSWORD},
                                format="json")
    assert response.status_code == 403


def test_one_persons_typos_do_not_lock_a_colleague_at_the_same_address(client, staff_east, staff_west):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "staff_east", "password": f"wrong{attempt}"})
    response = client.post(reverse("login"), {"username": "staff_west", "password": PASSWORD})
    assert response.status_code == 302


def test_the_login_page_logs_in_and_goes_home(client, staff_east):
    response = client.post(reverse("login"), {"username": "staff_east", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "王丽" in response.content.decode()


def test_idle_sessions_end_after_thirty_minutes_and_every_request_renews_them():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_an_expired_session_is_sent_back_to_login(client, staff_east, settings):
    client.force_login(staff_east)
    session = client.session
    session.set_expiry(-1)
    session.save()
    assert client.get(reverse("residents:resident_list")).status_code == 302


def test_an_api_token_lapses_and_a_fresh_login_gives_a_new_one(staff_east, settings):
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    client = APIClient()
    key = client.post("/api/v1/auth/token/", {"username": "staff_east", "password": PASSWORD},
                      format="json").json()["token"]
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(seconds=settings.API_TOKEN_TTL_SECONDS + 1))
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401 and "过期" in response.json()["detail"]
    fresh = APIClient().post("/api/v1/auth/token/", {"username": "staff_east", "password": PASSWORD},
                             format="json").json()["token"]
    assert fresh != key
