"""Logging in: the API's expiring token, and a name too long for any account."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


def token_expired(token) -> bool:
    return token.created < timezone.now() - timedelta(seconds=settings.API_TOKEN_TTL_SECONDS)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token, but it lapses (like an idle session) and must be fetched again with the password."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed("令牌已过期，请重新登录获取。")
        return user, token


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
