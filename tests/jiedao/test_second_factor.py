"""The second factor on the pages: 王丽 enrols her phone at her first sign-in, types a code at each later one,
uses a recovery code the day her phone is flat; 冯安全, the security admin, resets the device she lost and ends
her API tokens."""

import re
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from jiedao.models import ApiToken, AuditEntry
from jiedao.otp import hex_key
from tests.conftest import PASSWORD
from tests.factories import UserFactory
from tests.jiedao.test_bad_input_family import FAMILY
from tests.otp import TOTP_SECRET, code, sign_in

pytestmark = pytest.mark.django_db


def password_only(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def newcomer(heping, east):
    """刘新, community staff of 东园, signs in for the first time: no authenticator yet."""
    return UserFactory(username="newcomer", first_name="刘新", subdistrict=heping, communities=[east], totp=False)


def test_the_password_alone_opens_no_page(client, staff_east):
    password_only(client, staff_east)
    response = client.get(reverse("residents:resident_list"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('otp_verify')}?next=%2Fresidents%2F"


def test_the_password_alone_opens_no_api_and_no_export(client, staff_east, zhang):
    password_only(client, staff_east)
    response = client.get("/api/v1/residents/")
    assert response.status_code == 403 and "动态验证码" in response.json()["detail"]
    assert client.get("/residents/?format=xlsx").status_code == 302
    assert client.get("/api/v1/residents/?format=xlsx").status_code == 403


def test_the_code_opens_the_page_she_was_going_to(client, staff_east):
    password_only(client, staff_east)
    response = client.post(reverse("otp_verify"), {"code": code(), "next": "/residents/"})
    assert response.status_code == 302 and response["Location"] == "/residents/"
    assert client.get("/residents/").status_code == 200
    assert AuditEntry.objects.filter(action="login", actor=staff_east, changes__step="second_factor").exists()


def test_signing_in_with_the_code_gives_a_new_session_key(client, staff_east):
    password_only(client, staff_east)
    half = client.session.session_key
    client.post(reverse("otp_verify"), {"code": code()})
    assert client.session.session_key != half


def test_a_wrong_code_is_told_at_the_field_and_counts_as_a_failed_login(client, staff_east):
    password_only(client, staff_east)
    response = client.post(reverse("otp_verify"), {"code": "000000" if code() != "000000" else "111111"})
    assert response.status_code == 200
    assert "动态验证码错误" in response.context["form"].errors["code"][0]
    assert AuditEntry.objects.filter(action="login_failed", actor=staff_east).count() == 1
    assert client.get("/residents/").status_code == 302


def test_an_empty_code_is_told_at_the_field(client, staff_east):
    password_only(client, staff_east)
    response = client.post(reverse("otp_verify"), {"code": ""})
    assert response.status_code == 200 and "请输入动态验证码" in response.context["form"].errors["code"][0]


def test_a_code_used_once_is_refused_the_second_time(client, staff_east):
    now = code()
    password_only(client, staff_east)
    client.post(reverse("otp_verify"), {"code": now})
    client.post(reverse("logout"))
    password_only(client, staff_east)
    response = client.post(reverse("otp_verify"), {"code": now})
    assert response.status_code == 200 and "已使用" in response.context["form"].errors["code"][0]


def test_five_wrong_codes_lock_the_account_and_end_the_half_signed_in_session(client, staff_east, settings):
    password_only(client, staff_east)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("otp_verify"), {"code": "12345x"})
    assert response.status_code == 403 and "锁定" in response.content.decode()
    assert client.get("/residents/").status_code == 302
    assert client.get("/residents/")["Location"].startswith(reverse("login"))


def test_a_stranger_is_sent_to_sign_in_not_to_the_code(client):
    response = client.get(reverse("otp_verify"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_next_to_another_site_goes_home_instead(client, staff_east):
    password_only(client, staff_east)
    response = client.post(reverse("otp_verify"), {"code": code(), "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


def test_the_first_sign_in_enrols_the_phone_from_a_qr_code_the_portal_draws(client, newcomer):
    password_only(client, newcomer)
    assert client.get("/")["Location"].startswith(reverse("otp_enrol"))
    page = client.get(reverse("otp_enrol"))
    html = page.content.decode()
    assert "<svg" in html and "http" not in html.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org", "")  # drawn here: no image from any service
    secret = page.context["secret"]
    assert client.get(reverse("otp_enrol")).context["secret"] == secret  # the same device on a second visit
    response = client.post(reverse("otp_enrol"), {"code": code(secret)})
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{8}", c) for c in codes)
    assert TOTPDevice.objects.get(user=newcomer).confirmed
    assert client.get("/").status_code == 200
    assert AuditEntry.objects.filter(action="update", target_id=str(newcomer.pk),
                                     changes__second_factor="已绑定").exists()


def test_a_wrong_code_does_not_enrol(client, newcomer):
    password_only(client, newcomer)
    secret = client.get(reverse("otp_enrol")).context["secret"]
    wrong = f"{(int(code(secret)) + 1) % 1000000:06d}"
    response = client.post(reverse("otp_enrol"), {"code": wrong})
    assert "动态验证码错误" in response.context["form"].errors["code"][0]
    assert not TOTPDevice.objects.get(user=newcomer).confirmed
    assert client.get("/").status_code == 302


def test_an_enrolled_account_cannot_enrol_again(client, staff_east):
    password_only(client, staff_east)
    assert client.get(reverse("otp_enrol"))["Location"].startswith(reverse("otp_verify"))
    assert TOTPDevice.objects.filter(user=staff_east).count() == 1


def test_a_recovery_code_signs_in_once(client, staff_east):
    device = StaticDevice.objects.create(user=staff_east, name="恢复码")
    StaticToken.objects.create(device=device, token="abcd2345")
    password_only(client, staff_east)
    assert client.post(reverse("otp_verify"), {"code": "ABCD 2345"})["Location"] == reverse("home")
    client.post(reverse("logout"))
    password_only(client, staff_east)
    assert client.post(reverse("otp_verify"), {"code": "abcd2345"}).status_code == 200  # used up


# The security admin (jiedao.scope.manages_accounts) ---------------------------------------------------------

def test_the_security_admin_resets_a_lost_device_and_the_person_enrols_again(web, security, staff_east):
    client = Client()  # 王丽's browser; `web` is 冯安全's
    key = APIClient().post("/api/v1/auth/token/", {"username": "staff_east", "password": PASSWORD,
                                                  "otp": code()}, format="json").json()["token"]
    sign_in(client, staff_east, PASSWORD, step=1)
    assert client.get("/").status_code == 200
    page = web.as_(security).get(reverse("manage:user_security", args=[staff_east.pk]))
    assert "已绑定" in page.content.decode() and key[:8] in page.content.decode()
    web.post(reverse("manage:user_security", args=[staff_east.pk]), {"reset_device": "1"})
    assert not TOTPDevice.objects.filter(user=staff_east).exists()
    assert not ApiToken.objects.filter(user=staff_east).exists()
    # Her session verified with the lost phone is sent to enrol a new one.
    assert client.get("/")["Location"].startswith(reverse("otp_enrol"))
    entry = AuditEntry.objects.get(actor=security, target_id=str(staff_east.pk), changes__second_factor="已重置")
    assert entry.changes["tokens_revoked"] == 1


def test_the_security_admin_sees_and_revokes_one_token_or_all(web, security, staff_east):
    keys = [APIClient().post("/api/v1/auth/token/", {"username": "staff_east", "password": PASSWORD,
                                                     "otp": code(step=step)}, format="json").json()["token"]
            for step in (0, 1)]
    first = ApiToken.objects.get(prefix=keys[0][:8])
    web.as_(security).post(reverse("manage:user_security", args=[staff_east.pk]), {"token": first.pk})
    assert list(ApiToken.objects.values_list("prefix", flat=True)) == [keys[1][:8]]
    web.post(reverse("manage:user_security", args=[staff_east.pk]), {"all": "1"})
    assert not ApiToken.objects.exists()


def test_the_security_api_lists_and_revokes_tokens_and_resets_the_device(api, security, staff_east):
    key = APIClient().post("/api/v1/auth/token/", {"username": "staff_east", "password": PASSWORD,
                                                  "otp": code()}, format="json").json()["token"]
    listed = api.as_(security).get(f"/api/v1/users/{staff_east.pk}/tokens/").json()
    assert [t["prefix"] for t in listed] == [key[:8]] and key not in str(listed)
    assert api.delete(f"/api/v1/users/{staff_east.pk}/tokens/").json() == {"revoked": 1}
    assert api.post(f"/api/v1/users/{staff_east.pk}/device-reset/").status_code == 204
    assert not TOTPDevice.objects.filter(user=staff_east).exists()


@pytest.mark.parametrize("persona", ["admin", "leader", "auditor", "staff_east", "gridder"])
def test_only_the_security_admin_resets_devices(request, web, api, persona, staff_west):
    user = request.getfixturevalue(persona)
    assert web.as_(user).post(reverse("manage:user_security", args=[staff_west.pk]),
                              {"reset_device": "1"}).status_code == 403
    assert api.as_(user).post(f"/api/v1/users/{staff_west.pk}/device-reset/").status_code == 403
    assert TOTPDevice.objects.filter(user=staff_west).exists()


def test_another_subdistricts_account_is_404(web, api, security, other_admin):
    assert web.as_(security).get(reverse("manage:user_security", args=[other_admin.pk])).status_code == 404
    assert api.as_(security).get(f"/api/v1/users/{other_admin.pk}/tokens/").status_code == 404


def test_the_districts_security_admin_resets_a_subdistricts_security_admin_on_the_page_and_the_api(
        web, api, district_security, security):
    """韩区安 looks after the sub-districts' security admins (jiedao.scope.accounts_filter): the page and the
    API find 冯安全's account alike."""
    page = web.as_(district_security).get(reverse("manage:user_security", args=[security.pk]))
    assert page.status_code == 200 and "已绑定" in page.content.decode()
    assert api.as_(district_security).get(f"/api/v1/users/{security.pk}/tokens/").status_code == 200
    web.post(reverse("manage:user_security", args=[security.pk]), {"reset_device": "1"})
    assert not TOTPDevice.objects.filter(user=security).exists()


def test_nobody_resets_their_own_device(web, api, security):
    assert web.as_(security).post(reverse("manage:user_security", args=[security.pk]),
                                  {"reset_device": "1"}).status_code == 403
    assert api.as_(security).post(f"/api/v1/users/{security.pk}/device-reset/").status_code == 403
    assert TOTPDevice.objects.filter(user=security).exists()


def test_the_factory_device_holds_the_tests_secret(staff_east):
    assert TOTPDevice.objects.get(user=staff_east).key == hex_key(TOTP_SECRET)


# Bad input: the family of bad values (tests/jiedao/test_bad_input_family.py) at each step's one field ----------

@pytest.mark.parametrize("name", list(FAMILY))
def test_no_bad_code_gives_a_500(name, newcomer, staff_east, security):
    value = FAMILY[name]
    half = password_only(Client(raise_request_exception=False), staff_east)
    enrolling = password_only(Client(raise_request_exception=False), newcomer)
    answers = [half.post(reverse("otp_verify"), {"code": value}),
               enrolling.post(reverse("otp_enrol"), {"code": value}),
               APIClient().post("/api/v1/auth/token/", {"username": "staff_east", "password": PASSWORD,
                                                        "otp": value}, format="json")]
    manager = APIClient(raise_request_exception=False)
    manager.force_authenticate(security)
    answers.append(manager.delete(f"/api/v1/users/{staff_east.pk}/tokens/?{urlencode({'token': value})}"))
    for response in answers:
        assert response.status_code < 500, (response.status_code, response.content[:300])
    assert answers[2].status_code in (400, 403)
    assert half.get("/residents/").status_code == 302  # no bad code opened anything
