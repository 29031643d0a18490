"""The second factor: a TOTP code (RFC 6238, django-otp's otp_totp) from an authenticator app, or one of the
account's one-time recovery codes (otp_static), after the password.

Every account has one: the first sign-in enrols it (a QR code the app draws itself, no outside service),
each later one asks for a code. The page step is a middleware, kept apart from the password's login view:
signed in but not verified, every page leads to the verify page (or the enrol page when the account has no
device yet) and the API answers 403. The token endpoint asks for the code in the same request.
"""

import base64
import io
from urllib.parse import quote, urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

# The demo accounts' shared secret (seed_demo --totp-secret changes it): printed with its otpauth:// URI
# so that a newcomer adds it to any authenticator app (or runs `make otp-code`). Never for real accounts.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJIEDAODEMO234567"

CODE_MISSING = "请输入动态验证码（身份验证器 App 上的 6 位数字）或一个恢复码。"
CODE_WRONG = "动态验证码错误或已使用过，请输入 App 上新出现的 6 位数字。"
CODE_THROTTLED = "动态验证码连续输错，请稍等片刻再试。"
NO_DEVICE = "该账号尚未绑定身份验证器：请先在网页登录，按提示扫码绑定后再获取令牌。"
NOT_VERIFIED = "请先在网页完成动态验证码验证。"

RECOVERY_CODES = 10
TOTP_NAME = "身份验证器"
RECOVERY_NAME = "恢复码"


def totp_device(user, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("id").first()


def has_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def hex_key(base32_secret: str) -> str:
    """TOTPDevice keeps its key in hex; people and authenticator apps speak base32 (RFC 4648, no padding)."""
    secret = base32_secret.strip().replace(" ", "").upper()
    return base64.b32decode(secret + "=" * (-len(secret) % 8)).hex()


def base32_secret(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def demo_device(user, base32: str) -> TOTPDevice:
    """seed_demo only: the account's authenticator holds the given (shared, printed) secret, ready to use."""
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_NAME, key=hex_key(base32), confirmed=True)


def otpauth_uri(base32: str, label: str) -> str:
    """What an authenticator app reads from a QR code or a pasted link (Key URI Format), for `label`."""
    issuer = settings.OTP_TOTP_ISSUER.replace(":", "")
    return (f"otpauth://totp/{quote(f'{issuer}:{label}')}?secret={base32.strip().upper()}&algorithm=SHA1"
            f"&digits=6&period=30&issuer={quote(issuer)}")


def qr_svg(text: str) -> str:
    """An SVG QR code of `text`, drawn here (the otpauth:// URI holds the secret: it goes to no service)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue().decode()


def verify_code(user, code: str) -> tuple[TOTPDevice | StaticDevice | None, str]:
    """The device that accepts `code` (a TOTP code, accepted once: django-otp keeps the last time step it
    took; or a recovery code, which is used up), else None and why, in Chinese. The devices are read under a
    row lock so that two requests with one code cannot both pass."""
    code = (code or "").strip().replace(" ", "")
    if not code:
        return None, CODE_MISSING
    with transaction.atomic():
        totp = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("id").first()
        if totp is None:
            return None, NO_DEVICE
        if len(code) == 6 and code.isdigit():  # recovery codes have 8 characters
            allowed, _ = totp.verify_is_allowed()
            if not allowed:
                return None, CODE_THROTTLED
            return (totp, "") if totp.verify_token(code) else (None, CODE_WRONG)
        for device in StaticDevice.objects.select_for_update().filter(user=user, confirmed=True):
            if device.verify_token(code.lower()):
                return device, ""
    return None, CODE_WRONG


# Reachable signed in but before the second factor: the steps themselves, the way out, and the token
# endpoint (which asks for its own code). Static files never get here (WhiteNoise answers them first).
def _open_paths() -> tuple[str, ...]:
    return (reverse("otp_verify"), reverse("otp_enrol"), reverse("logout"), reverse("login"),
            reverse("api_token"), "/static/")


class RequireSecondFactorMiddleware:
    """Signed in with the password only: pages go to the verify page (the enrol page when the account has no
    device yet), keeping where the person was going; the API answers 403. Anonymous visitors pass (the
    pages they reach ask them to sign in); a session verified by a device that was since reset is
    unverified again (django-otp's middleware finds no device)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and not request.path.startswith(_open_paths()):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": NOT_VERIFIED}, status=403)
            target = reverse("otp_verify") if has_device(user) else reverse("otp_enrol")
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            return redirect(target)
        return self.get_response(request)
