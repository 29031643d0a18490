"""The second factor in tests: every persona's authenticator holds TOTP_SECRET (tests/factories.py), so a test
computes the code a phone would show. A code is accepted once per device (django-otp keeps its time step),
so a persona signs in once and keeps the session; a second sign-in in the same half-minute types the next
step's code (`code(step=1)`, inside the device's tolerance of one step), or asks `fresh_code(user)` for the
first code that person's device has not taken yet."""

import time

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import hotp, totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiedao.otp import TOTP_NAME, hex_key

TOTP_SECRET = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"


def code(secret: str = TOTP_SECRET, *, step: int = 0) -> str:
    """The 6 digits an authenticator app with `secret` shows now (or `step` half-minutes from now)."""
    return f"{totp(bytes.fromhex(hex_key(secret)), t0=-step * 30):06d}"


def device_of(user) -> TOTPDevice:
    """The persona's confirmed authenticator (the factory gives one; an account made otherwise gets it here)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, key=hex_key(TOTP_SECRET), confirmed=True)


def fresh_code(user) -> str:
    """The code the person's authenticator shows that their device will still take: this half-minute's, or,
    when a sign-in of this test took it already, the next half-minute's (django-otp takes each time step
    once, within its tolerance of the clock and the drift it learnt from the last code)."""
    device = device_of(user)
    now = (int(time.time()) - device.t0) // device.step
    t = max(now, device.last_t + 1)
    assert t <= now + device.drift + device.tolerance, "more sign-ins in this half-minute than the device takes"
    return f"{hotp(device.bin_key, t, digits=device.digits):0{device.digits}d}"


def mark_verified(client: Client, user) -> None:
    """What django_otp.login does after a right code: the session names the device that verified it."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device_of(user).persistent_id
    session.save()
    # As the client's own login does: with signed-cookie sessions the saved session is a new cookie value.
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    if cookie is None or cookie.value != session.session_key:
        client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key


def sign_in(client: Client, user, password: str, *, step: int | None = None):
    """Sign in as a person does: the login page with the password, then the code (a fresh one, or the code
    `step` half-minutes on). Returns the last answer."""
    client.post(reverse("login"), {"username": user.get_username(), "password": password})
    return client.post(reverse("otp_verify"), {"code": fresh_code(user) if step is None else code(step=step)})

