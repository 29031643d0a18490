"""Logging in: the API's expiring token, and a name too long for any account."""

import hashlib
import secrets

from django.contrib.auth.signals import user_login_failed
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .models import ApiToken

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
        token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID)
        if token.expires_at <= timezone.now():
            token.delete()
            raise exceptions.AuthenticationFailed(TOKEN_EXPIRED)
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(TOKEN_INVALID)
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
