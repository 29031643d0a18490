"""Failed logins (等保 身份鉴别): five failures lock the pair (account, address), never the account for
everyone; an address guessing across twenty accounts in an hour waits longer and longer; the owner and the
account's guardians (冯安全, the security admin) are told; after signing in, the holder sees their last sign-in and the
failures since. The login page and the token endpoint follow the same rules. A guess sends some code with its
wrong password (the endpoint asks for all three, and tries the password first); the owner signing in types the
code her phone shows (tests/otp.py)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from jiedao.authentication import address_wait
from jiedao.models import Notification, NotificationKind
from jiedao.selectors import account_guardians
from tests.conftest import PASSWORD
from tests.otp import fresh_code

pytestmark = pytest.mark.django_db

OFFICE = "10.20.0.1"      # 东园社区's office, behind one NAT address
ELSEWHERE = "203.0.113.9"  # someone else, somewhere else
GUESSED_CODE = "000000"   # whatever a guesser types as the code: its password is wrong already


def login(client, username, password, ip, **kwargs):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **kwargs)


def token(username, password, ip, otp=GUESSED_CODE):
    return APIClient().post("/api/v1/auth/token/", {"username": username, "password": password, "otp": otp},
                            format="json", REMOTE_ADDR=ip)


def second_step(client, user, ip):
    """The code step after the password (the login page sends the person there)."""
    return client.post(reverse("otp_verify"), {"code": fresh_code(user)}, REMOTE_ADDR=ip)


def security_notices(user):
    return list(Notification.objects.filter(recipient=user, kind=NotificationKind.ACCOUNT_SECURITY))


def test_five_failures_from_elsewhere_lock_that_address_only_and_the_owner_still_signs_in(client, staff_east):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        token("staff_east", f"guess-{attempt}", ELSEWHERE)
    locked = token("staff_east", PASSWORD, ELSEWHERE, otp=fresh_code(staff_east))  # even with the right code
    assert locked.status_code == 403 and "锁定" in locked.json()["detail"]
    assert login(client, "staff_east", PASSWORD, ELSEWHERE).status_code == 403
    # 王丽 at her office is not locked out by someone else's guesses.
    assert token("staff_east", PASSWORD, OFFICE, otp=fresh_code(staff_east)).status_code == 200
    assert login(client, "staff_east", PASSWORD, OFFICE).status_code == 302  # the password; then the code
    assert second_step(client, staff_east, OFFICE)["Location"] == reverse("home")
    assert client.get(reverse("residents:resident_list"), REMOTE_ADDR=OFFICE).status_code == 200


def test_four_failures_from_each_of_many_addresses_lock_nobody(staff_east):
    for n in range(5):
        for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
            token("staff_east", f"guess-{attempt}", f"198.51.100.{n}")
    assert token("staff_east", PASSWORD, "198.51.100.0", otp=fresh_code(staff_east)).status_code == 200


def test_one_persons_typos_leave_the_colleagues_at_the_same_office_free(client, staff_east, staff_west):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        login(client, "staff_east", f"typo-{attempt}", OFFICE)
    assert login(client, "staff_west", PASSWORD, OFFICE).status_code == 302  # the password; then the code
    assert second_step(client, staff_west, OFFICE)["Location"] == reverse("home")


def test_a_locked_pair_tells_the_owner_and_the_guardians_once(security, staff_east):
    assert account_guardians(staff_east.subdistrict_id) == [security]
    for attempt in range(settings.AXES_FAILURE_LIMIT + 2):
        token("staff_east", f"guess-{attempt}", ELSEWHERE)
    [owner_notice] = security_notices(staff_east)
    assert ELSEWHERE in owner_notice.message and "其他地址仍可正常登录" in owner_notice.message
    [admin_notice] = security_notices(security)
    assert "staff_east" in admin_notice.message and admin_notice.link == reverse("manage:users")


def test_the_admin_still_unlocks_a_locked_pair(web, client, security, staff_east):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        login(client, "staff_east", f"typo-{attempt}", OFFICE)
    assert login(client, "staff_east", PASSWORD, OFFICE).status_code == 403
    web.as_(security).post(reverse("manage:user_unlock", args=[staff_east.pk]))
    web.logout()
    assert login(client, "staff_east", PASSWORD, OFFICE).status_code == 302  # the password; then the code
    assert second_step(client, staff_east, OFFICE)["Location"] == reverse("home")


def _spray(accounts, ip):
    """One wrong guess at each of these names from one address (most of them no account at all)."""
    for username in accounts:
        response = token(username, "Spring2026!", ip)
        assert response.status_code in (400, 403), response.content


def _spray_without_waiting(accounts, ip, settings):
    """As _spray, past the threshold: the test does not sit out each delay (a delay of at most 0 s)."""
    limit = settings.LOGIN_ADDRESS_MAX_DELAY
    settings.LOGIN_ADDRESS_MAX_DELAY = 0
    _spray(accounts, ip)
    settings.LOGIN_ADDRESS_MAX_DELAY = limit


def test_an_address_failing_on_twenty_accounts_waits_before_its_next_attempt(client, security, staff_east, staff_west):
    names = ["staff_east", "staff_west"] + [f"guess{n}" for n in range(settings.LOGIN_ADDRESS_ACCOUNTS - 2)]
    _spray(names[:-1], ELSEWHERE)
    assert address_wait(ELSEWHERE) == 0  # nineteen: still typing
    _spray(names[-1:], ELSEWHERE)
    refused = token("staff_west", PASSWORD, ELSEWHERE, otp=fresh_code(staff_west))
    assert refused.status_code == 429 and refused["Retry-After"] == "2"
    assert refused.json()["detail"] == "此地址登录失败的账号过多，请 2 秒后再试。"
    page = login(client, "staff_west", PASSWORD, ELSEWHERE)
    assert page.status_code == 429 and "秒后再试" in page.content.decode() and page["Retry-After"]
    # Nobody else is slowed down, and the accounts stay open to their owners.
    assert token("staff_west", PASSWORD, OFFICE, otp=fresh_code(staff_west)).status_code == 200


def test_the_wait_grows_with_each_further_account_and_ends(staff_east, settings):
    _spray([f"guess{n}" for n in range(settings.LOGIN_ADDRESS_ACCOUNTS)], ELSEWHERE)
    now = timezone.now()
    assert 1 <= address_wait(ELSEWHERE, now=now) <= 2
    assert address_wait(ELSEWHERE, now=now + timedelta(seconds=3)) == 0  # waited: one more try
    _spray_without_waiting(["guess-a", "guess-b", "guess-c"], ELSEWHERE, settings)
    assert 15 <= address_wait(ELSEWHERE) <= 16  # 23 accounts: 2⁴ seconds
    assert address_wait(ELSEWHERE, now=timezone.now() + timedelta(hours=1, seconds=1)) == 0  # an hour on


def test_the_guardians_hear_of_an_address_guessing_across_accounts(security, staff_east, other_admin, settings):
    _spray(["staff_east"] + [f"guess{n}" for n in range(settings.LOGIN_ADDRESS_ACCOUNTS - 1)], ELSEWHERE)
    _spray_without_waiting([f"more{n}" for n in range(3)], ELSEWHERE, settings)
    [notice] = security_notices(security)  # once, not at each further account
    assert ELSEWHERE in notice.message and "个账号登录失败" in notice.message
    assert security_notices(other_admin) == []  # 青龙's accounts were not tried


def test_after_signing_in_the_holder_sees_the_last_sign_in_and_the_failures_since(client, staff_east):
    login(client, "staff_east", PASSWORD, OFFICE)
    client.logout()
    for attempt in range(2):
        login(client, "staff_east", f"guess-{attempt}", ELSEWHERE)
    code_page = login(client, "staff_east", PASSWORD, OFFICE, follow=True).content.decode()
    assert "动态验证码" in code_page and "上次登录" not in code_page  # not before the second factor
    home = client.post(reverse("otp_verify"), {"code": fresh_code(staff_east)}, REMOTE_ADDR=OFFICE,
                       follow=True).content.decode()
    assert f"地址 {OFFICE}" in home and "此后有 2 次登录失败" in home
    client.logout()
    login(client, "staff_east", PASSWORD, OFFICE)
    again = second_step(client, staff_east, OFFICE)
    assert "此后没有登录失败" in client.get(again.url).content.decode()


def test_a_first_sign_in_says_so(client, staff_east):
    login(client, "staff_east", PASSWORD, OFFICE)
    home = client.get(second_step(client, staff_east, OFFICE).url).content.decode()
    assert "第一次登录" in home
