"""Logging in: the API's expiring token, a name too long for any account, and the password and lockout step
every way in shares (address slowdown, forced password change, idle accounts, what the holder is told)."""

import hashlib
import math
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_login_failed
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .audit import client_ip
from .models import ApiToken, AuditAction, AuditEntry, DisabledReason, User
from .selectors import account_guardians


class AccountBackend(ModelBackend):
    """Django's, reading a signed-in account with its service point: the canteen counter asks for it on every
    swipe, and one join is cheaper than a second query on each request."""

    def get_user(self, user_id):
        user = User._default_manager.select_related("service_point").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


TOKEN_EXPIRED = "令牌已过期，请重新登录获取。"
TOKEN_INVALID = "令牌无效或已被吊销，请重新登录获取。"


def token_hash(key: str) -> str:
    """What the database keeps of a token: its SHA-256. A token is 256 random bits, so no salt or slow hash
    is needed (no dictionary to try), and a lookup stays one indexed query."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_token_key() -> str:
    return secrets.token_urlsafe(32)


class HashedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>` (DRF's header and its 401), looked up by the key's hash. A lapsed token
    is deleted and answers that it has lapsed; a revoked one is simply gone."""

    def authenticate_credentials(self, key):
        token = ApiToken.objects.select_related("user__service_point").filter(key_hash=token_hash(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID)
        if token.expires_at <= timezone.now():
            token.delete()
            raise exceptions.AuthenticationFailed(TOKEN_EXPIRED)
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID)
        if token_refusal(token.user):
            # A token fetched before the password expired (or an administrator reset it) stops working too.
            raise exceptions.AuthenticationFailed(token_refusal(token.user))
        return token.user, token


USERNAME_MAX = 150  # User.username's max_length (AbstractUser)
USERNAME_TOO_LONG = f"用户名最多 {USERNAME_MAX} 个字符，请检查后重新输入。"


def too_long_username(request, username) -> bool:
    """True, and the attempt counted as a failed login, when `username` is longer than any account's.

    No account can match, so the password is not checked; yet django-axes counts the attempt towards the
    lockout of the name (cut to USERNAME_MAX: its own column holds 255) and the audit log records it, as
    for any wrong password. Unchecked, the name reached axes' column whole: a 500 on PostgreSQL."""
    if not isinstance(username, str) or len(username) <= USERNAME_MAX:
        return False
    user_login_failed.send(sender=__name__, credentials={"username": username[:USERNAME_MAX]}, request=request)
    return True


# --- The password and lockout step of signing in (the login page, Django's admin and the token endpoint) ---

def failed_logins_from(ip: str, *, now=None):
    """The failed logins from one address within the last hour, as the audit log recorded them."""
    now = now or timezone.now()
    return AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED, ip=ip, at__gte=now - timedelta(hours=1))


def address_wait(ip: str | None, *, now=None) -> int:
    """Seconds this address must still wait before its next sign-in attempt (0: none).

    An address that failed on LOGIN_ADDRESS_ACCOUNTS accounts (whether they exist or not) within an hour
    is guessing, not mistyping: after each failure it waits 2 s, doubling with every further account
    (2, 4, 8 … up to LOGIN_ADDRESS_MAX_DELAY). The attempt is refused (429 with Retry-After), never slept
    through in a web worker; a refused attempt is not a failure, so waiting out the delay is enough. The
    accounts themselves stay open to their owners elsewhere."""
    if not ip:
        return 0
    now = now or timezone.now()
    failures = failed_logins_from(ip, now=now)
    accounts = failures.values("actor_username").distinct().count()
    if accounts < settings.LOGIN_ADDRESS_ACCOUNTS:
        return 0
    delay = min(2 ** min(accounts - settings.LOGIN_ADDRESS_ACCOUNTS + 1, 30), settings.LOGIN_ADDRESS_MAX_DELAY)
    last = failures.order_by("-at").values_list("at", flat=True).first()
    return max(0, math.ceil(delay - (now - last).total_seconds()))


def address_wait_message(seconds: int) -> str:
    return f"此地址登录失败的账号过多，请 {seconds} 秒后再试。"


def sign_in_paths() -> set[str]:
    paths = {reverse("login"), reverse("api_token")}
    try:
        paths.add(reverse("admin:login"))
    except NoReverseMatch:  # Django's admin is mounted only when DJANGO_ADMIN_ENABLED turns it on
        pass
    return paths


class AddressSlowdownMiddleware:
    """Every way in (the login page, Django's admin, the token endpoint) waits out address_wait()."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path in sign_in_paths():
            wait = address_wait(client_ip(request))
            if wait:
                message = address_wait_message(wait)
                if request.path.startswith("/api/"):
                    response = JsonResponse({"detail": message}, status=429)
                else:
                    response = render(request, "registration/locked_out.html",
                                      {"title": "请稍后再试", "message": message}, status=429)
                response["Retry-After"] = str(wait)
                return response
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """An account whose password an administrator chose, or that has expired, sets a new one before
    anything else: pages go to the change-password page (which says why), the API answers 403. The second
    factor's steps come first (jiedao.otp.RequireSecondFactorMiddleware keeps the change-password page for
    a session that passed them), so they stay open here: else each page would send the person to the other."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.password_change_reason:
            allowed = {reverse("password_change"), reverse("logout"), reverse("otp_verify"), reverse("otp_enrol")}
            if request.path not in allowed:
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": user.password_change_reason}, status=403)
                return redirect("password_change")
        return self.get_response(request)


def disabled_message(username, password) -> str:
    """What the holder of a disabled account is told, given its right password: why, and whom to ask (its
    sub-district's security administrators). "" for anyone else: without the password, no one learns that
    an account exists or what state it is in ("wrong name or password", as for a name that does not exist)."""
    if not isinstance(username, str) or not password:
        return ""
    user = User.objects.filter(username=username, is_active=False).first()
    if user is None or not user.check_password(password):
        return ""
    names = "、".join(guardian.first_name or guardian.username for guardian in account_guardians(user.subdistrict_id))
    ask = f"请联系安全管理员（{names}）重新启用。" if names else "请联系安全管理员重新启用。"
    if user.disabled_reason == DisabledReason.IDLE:
        return f"该账号已连续 {settings.ACCOUNT_IDLE_DAYS} 天未登录，已被系统停用。{ask}"
    return f"该账号已停用。{ask}"


def token_refusal(user) -> str:
    """Why the token endpoint gives this account no token although its password was right ("" if none)."""
    reason = user.password_change_reason
    return f"{reason}请先在网页上登录并修改密码，再获取令牌。" if reason else ""


def login_summary(user) -> str:
    """What the holder is told on the first page after signing in: the previous sign-in (time, address)
    and how many failed attempts on the account there were since, from the audit log."""
    entries = AuditEntry.objects.filter(actor=user)
    previous = entries.filter(action=AuditAction.LOGIN).order_by("-at", "-id").first()
    failures = entries.filter(action=AuditAction.LOGIN_FAILED)
    if previous is None:
        text = "这是此账号第一次登录。"
    else:
        failures = failures.filter(at__gt=previous.at)
        via = "（接口令牌）" if previous.changes.get("via") == "api_token" else ""
        text = (f"上次登录：{timezone.localtime(previous.at):%Y-%m-%d %H:%M}，"
                f"地址 {previous.ip or '未知'}{via}。")
    count = failures.count()
    if count:
        return text + f"此后有 {count} 次登录失败；如非本人操作，请立即修改密码并告知安全管理员。"
    return text + "此后没有登录失败。"
