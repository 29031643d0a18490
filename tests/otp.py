"""The second factor in tests: every persona's authenticator holds TOTP_SECRET (tests/factories.py), so a test
computes the code a phone would show. A code is accepted once per device (django-otp keeps its time step),
so a persona signs in once and keeps the session; a second sign-in in the same half-minute types the next
step's code (`code(step=1)`, inside the device's tolerance of one step)."""

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
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


def mark_verified(client: Client, user) -> None:
    """What django_otp.login does after a right code: the session names the device that verified it."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device_of(user).persistent_id
    session.save()
    # As the client's own login does: with signed-cookie sessions the saved session is a new cookie value.
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    if cookie is None or cookie.value != session.session_key:
        client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key


def sign_in(client: Client, user, password: str, *, step: int = 0):
    """Sign in as a person does: the login page with the password, then the code. Returns the last answer."""
    client.post(reverse("login"), {"username": user.get_username(), "password": password})
    return client.post(reverse("otp_verify"), {"code": code(step=step)})

