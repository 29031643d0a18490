"""The password policy (等保 身份鉴别): strong passwords only, never one of the last five, an administrator's
password changed at first login, expiry after 90 days, idle accounts switched off and told why.

冯安全 (security, the security admin) creates and resets accounts; 王丽 (staff_east) and 周网格 (gridder) sign
in, with the password and then the code of their authenticator (tests/otp.py): a password to change is changed
after both."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from jiedao.models import AuditEntry, DisabledReason, PasswordHistory, User
from jiedao.services import accounts_disable_idle
from jiedao.tasks import disable_idle_accounts_task
from residents.demo import PASSWORD_DEFAULT
from tests.conftest import PASSWORD
from tests.factories import UserFactory
from tests.otp import code, fresh_code, sign_in

pytestmark = pytest.mark.django_db

WEAK = [
    "zhangsan12",        # two classes only, a placeholder name
    "Jiedao2026",        # the product's name and a year
    "jiedao@2025",
    "J1edao#2026",       # … dressed up
    "Hepingli2026",      # the sub-district's name in pinyin and a year
    "hepingli@2025!",
    "和平里Abc2026",      # … in Chinese
    "MinZheng@2026",     # the office's trade
    "Password123!",      # a common password with digits and a symbol
    "P@ssw0rd2026",
    "Welcome@2026",
    "Qwer1234!@#$",      # a keyboard walk
    "1qaz@WSX3edc",
    "Woaini@1314",       # a common Chinese one
    "abcdefghijk",       # one class
    "1234567890",        # digits only
    "Short1!",           # too short
    "Zhouwangge@2026",   # the holder's name (周网格) in pinyin
    "Gridder#2026x",     # the username
]
STRONG = [PASSWORD, PASSWORD_DEFAULT, "Lvye-Shuzhi#47", "冬日暖阳-Tea-2026", "Grid-worker-2026", "9Kx!mQ2r-vT"]


def _new_gridder():
    # 周网格's account as the admin is creating it (no history yet: that rule is tested below).
    return User(username="gridder", first_name="周网格")


@pytest.mark.parametrize("password", WEAK)
def test_weak_passwords_are_refused_with_a_chinese_reason(heping, password):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, _new_gridder())
    assert all(any("\u4e00" <= c <= "\u9fff" for c in message) for message in refused.value.messages)


@pytest.mark.parametrize("password", STRONG)
def test_strong_passwords_are_accepted(heping, password):
    validate_password(password, _new_gridder())


def test_the_demo_and_test_passwords_meet_the_policy(heping):
    # The demo accounts are ready to use, with no change at first login: their password is a strong one.
    for password in (PASSWORD_DEFAULT, PASSWORD):
        validate_password(password)


def test_seed_demo_refuses_a_weak_password(db):
    with pytest.raises(Exception, match="密码策略"):
        call_command("seed_demo", residents=5, password="Jiedao@2026", stdout=StringIO())


def test_the_security_admins_form_tells_which_rule_a_password_breaks(web, security, east):
    response = web.as_(security).post(reverse("manage:user_create"), {
        "username": "wangwu", "role": "community_staff", "communities": [east.pk], "password": "Hepingli2026"})
    errors = response.context["form"].errors["password"]
    assert any("单位的名称" in e for e in errors)
    assert not any("至少 3 类" in e for e in errors)  # upper, lower and digits: only the name is wrong
    assert not User.objects.filter(username="wangwu").exists()


def test_none_of_the_last_five_passwords_comes_back(web, gridder):
    client = web.as_(gridder)
    used = [PASSWORD] + [f"Turn-{n}-Kettle#x" for n in range(1, 5)]  # five in all, the current one last

    def change(old, new):
        return client.post(reverse("password_change"), {"old_password": old, "new_password1": new,
                                                        "new_password2": new})

    for old, new in zip(used, used[1:], strict=False):
        assert change(old, new).status_code == 302
    assert PasswordHistory.objects.filter(user=gridder).count() == 5
    for previous in used:
        response = change(used[-1], previous)
        assert response.status_code == 200
        assert "最近 5 次" in str(response.context["form"].errors)
    # A sixth new one pushes the oldest out: it may be used again after that.
    assert change(used[-1], "Sixth-Kettle#2026").status_code == 302
    assert change("Sixth-Kettle#2026", PASSWORD).status_code == 302


def test_an_account_the_security_admin_creates_must_change_its_password_at_first_login(web, client, security, east1):
    web.as_(security).post(reverse("manage:user_create"), {
        "username": "grid9", "first_name": "孙网格", "role": "grid_worker", "grids": [east1.pk],
        "password": "Grid-worker-2026", "is_active": "on"})
    client.logout()
    assert User.objects.get(username="grid9").must_change_password
    login = client.post(reverse("login"), {"username": "grid9", "password": "Grid-worker-2026"}, follow=True)
    # A new account enrols its phone first (the second factor before anything else), then sets its password.
    assert login.redirect_chain[-1][0].startswith(reverse("otp_enrol"))
    assert client.post(reverse("otp_enrol"), {"code": code(login.context["secret"])}).status_code == 200
    home = client.get("/", follow=True)
    assert home.redirect_chain[-1][0] == reverse("password_change")
    assert "请先修改" in home.content.decode()
    # Every other page and endpoint sends them back, until they chose their own.
    assert client.get(reverse("residents:resident_list"))["Location"] == reverse("password_change")
    assert client.get("/api/v1/me/").status_code == 403
    changed = client.post(reverse("password_change"), {
        "old_password": "Grid-worker-2026", "new_password1": "Own-choice#2026", "new_password2": "Own-choice#2026"})
    assert changed.status_code == 302
    assert not User.objects.get(username="grid9").must_change_password
    assert client.get(reverse("residents:resident_list")).status_code == 200


def test_a_reset_by_the_security_admin_is_changed_before_any_token(web, security, staff_east,
                                                                                                 east):
    web.as_(security).post(reverse("manage:user_update", args=[staff_east.pk]), {
        "username": "staff_east", "first_name": "王丽", "role": "community_staff", "communities": [east.pk],
        "password": "Reset-by-admin#7", "is_active": "on"})
    staff_east.refresh_from_db()
    assert staff_east.must_change_password
    response = APIClient().post("/api/v1/auth/token/", {"username": "staff_east", "password": "Reset-by-admin#7",
                                                        "otp": fresh_code(staff_east)}, format="json")
    assert response.status_code == 403 and "请先" in response.json()["detail"] and "token" not in response.json()


def test_a_token_fetched_before_a_reset_stops_working(staff_east, east):
    client = APIClient()
    key = client.post("/api/v1/auth/token/", {"username": "staff_east", "password": PASSWORD,
                                              "otp": fresh_code(staff_east)}, format="json").json()["token"]
    User.objects.filter(pk=staff_east.pk).update(must_change_password=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401 and "修改密码" in response.json()["detail"]


def test_a_password_older_than_ninety_days_must_be_changed(client, staff_east, settings):
    assert settings.PASSWORD_MAX_AGE_DAYS == 90
    User.objects.filter(pk=staff_east.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    sign_in(client, staff_east, PASSWORD)
    page = client.get("/", follow=True)
    assert page.redirect_chain[-1][0] == reverse("password_change")
    assert "超过 90 天" in page.content.decode()
    token = APIClient().post("/api/v1/auth/token/", {"username": "staff_east", "password": PASSWORD,
                                                     "otp": fresh_code(staff_east)}, format="json")
    assert token.status_code == 403 and "90 天" in token.json()["detail"]


def test_a_password_of_eighty_nine_days_still_works(client, staff_east):
    User.objects.filter(pk=staff_east.pk).update(password_changed_at=timezone.now() - timedelta(days=89))
    assert sign_in(client, staff_east, PASSWORD)["Location"] == "/"
    assert client.get("/").status_code == 200


def test_the_demo_accounts_are_ready_to_use(heping):
    from residents.demo import ensure_accounts

    ensure_accounts(heping, PASSWORD_DEFAULT)
    admin = User.objects.get(username="admin")
    assert not admin.must_change_password and not admin.password_change_reason


def _idle(user, days):
    User.objects.filter(pk=user.pk).update(last_login=timezone.now() - timedelta(days=days),
                                           date_joined=timezone.now() - timedelta(days=400))


def test_the_nightly_job_disables_accounts_unused_for_ninety_days_once(staff_east, staff_west, gridder, settings):
    assert settings.ACCOUNT_IDLE_DAYS == 90
    assert settings.CELERY_BEAT_SCHEDULE["disable-idle-accounts"]["task"] == "jiedao.disable_idle_accounts_task"
    _idle(staff_east, 91)
    _idle(staff_west, 89)
    User.objects.filter(pk=gridder.pk).update(last_login=None, date_joined=timezone.now() - timedelta(days=120))
    assert disable_idle_accounts_task() == 2
    assert accounts_disable_idle() == 0  # a second run changes nothing
    states = dict(User.objects.values_list("username", "is_active"))
    assert states == {"staff_east": False, "staff_west": True, "gridder": False}
    assert User.objects.get(username="staff_east").disabled_reason == DisabledReason.IDLE
    assert AuditEntry.objects.filter(action="update", target_id=str(staff_east.pk), actor_username="系统").count() == 1


def test_the_command_runs_the_job_by_hand_at_a_given_moment(staff_east):
    User.objects.filter(pk=staff_east.pk).update(last_login=timezone.now() - timedelta(days=30),
                                                 date_joined=timezone.now() - timedelta(days=400))
    out = StringIO()
    call_command("disable_idle_accounts", now=(timezone.localtime() + timedelta(days=61)).strftime("%Y-%m-%dT%H:%M"),
                 stdout=out)
    assert "已停用 1 个" in out.getvalue()
    call_command("disable_idle_accounts", stdout=out)
    assert "已停用 0 个" in out.getvalue()


def test_an_idle_account_is_told_why_with_its_right_password_only(client, staff_east):
    _idle(staff_east, 100)
    accounts_disable_idle()
    told = client.post(reverse("login"), {"username": "staff_east", "password": PASSWORD})
    assert "连续 90 天未登录" in told.content.decode()
    guessed = client.post(reverse("login"), {"username": "staff_east", "password": "Wrong-guess#1"})
    assert "用户名或密码错误" in guessed.content.decode() and "未登录" not in guessed.content.decode()
    api = APIClient().post("/api/v1/auth/token/", {"username": "staff_east", "password": PASSWORD,
                                                   "otp": fresh_code(staff_east)}, format="json")
    assert api.status_code == 403 and "停用" in api.json()["detail"]


def test_the_security_admin_sees_why_an_account_is_off(web, security, staff_east):
    _idle(staff_east, 100)
    accounts_disable_idle()
    assert "停用（长期未使用）" in web.as_(security).get(reverse("manage:users")).content.decode()


def test_re_enabled_by_the_security_admin_it_starts_a_new_idle_period(web, security, staff_east, east):
    _idle(staff_east, 100)
    accounts_disable_idle()
    web.as_(security).post(reverse("manage:user_update", args=[staff_east.pk]), {
        "username": "staff_east", "first_name": "王丽", "role": "community_staff", "communities": [east.pk],
        "is_active": "on"})
    staff_east.refresh_from_db()
    assert staff_east.is_active and staff_east.disabled_reason == "" and staff_east.enabled_at is not None
    assert accounts_disable_idle() == 0


def test_a_token_sign_in_counts_as_use(staff_east):
    _idle(staff_east, 100)
    signed_in = APIClient().post("/api/v1/auth/token/", {"username": "staff_east", "password": PASSWORD,
                                                         "otp": fresh_code(staff_east)}, format="json")
    assert signed_in.status_code == 200
    assert accounts_disable_idle() == 0


def test_the_factory_users_are_not_forced(db):
    user = UserFactory()
    assert user.password_changed_at is not None and not user.password_change_reason


class OneRoundPBKDF2(PBKDF2PasswordHasher):
    iterations = 1  # a preferred hasher unlike the stored MD5: signing in rehashes, cheaply


def test_a_rehash_at_sign_in_is_no_password_change(staff_east, settings):
    month_ago = timezone.now() - timedelta(days=30)
    User.objects.filter(pk=staff_east.pk).update(must_change_password=True, password_changed_at=month_ago)
    settings.PASSWORD_HASHERS = [f"{__name__}.OneRoundPBKDF2", "django.contrib.auth.hashers.MD5PasswordHasher"]
    response = APIClient().post("/api/v1/auth/token/", {"username": "staff_east", "password": PASSWORD,
                                                        "otp": fresh_code(staff_east)}, format="json")
    assert response.status_code == 403  # still to be changed by its holder
    staff_east.refresh_from_db()
    assert staff_east.password.startswith("pbkdf2_sha256$1$")  # rehashed …
    assert staff_east.must_change_password and staff_east.password_changed_at == month_ago  # … and nothing else


def test_an_account_turned_off_by_the_security_admin_is_told_whom_to_ask_after_its_right_password(
        web, security, staff_east, east):
    web.as_(security).post(reverse("manage:user_update", args=[staff_east.pk]), {
        "username": "staff_east", "first_name": "王丽", "role": "community_staff", "communities": [east.pk]})
    staff_east.refresh_from_db()
    assert not staff_east.is_active
    client = Client()  # 王丽's own browser
    told = client.post(reverse("login"), {"username": "staff_east", "password": PASSWORD}).content.decode()
    assert "该账号已停用" in told and f"安全管理员（{security.first_name}）" in told
    # Without the password it is as if there were no such account: the same words as for a made-up name.
    guessed = client.post(reverse("login"), {"username": "staff_east", "password": "Wrong-guess#1"}).content.decode()
    nobody = client.post(reverse("login"), {"username": "no_such_user", "password": PASSWORD}).content.decode()
    assert "用户名或密码错误" in guessed and "停用" not in guessed and "停用" not in nobody
    api = APIClient().post("/api/v1/auth/token/", {"username": "staff_east", "password": PASSWORD,
                                                   "otp": fresh_code(staff_east)}, format="json")
    assert api.status_code == 403 and security.first_name in api.json()["detail"]
