"""The second step of signing in (after the password's login page): type a code, or enrol the first time."""

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib import messages
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from . import audit, otp, services, sessions
from .models import AuditAction
from .views import LOCKED_MESSAGE, add_service_errors


class CodeForm(forms.Form):
    code = forms.CharField(label="动态验证码", max_length=32, strip=True,
                           error_messages={"required": otp.CODE_MISSING},
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                         "autofocus": True}))


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                         require_https=request.is_secure())
    return target if ok else reverse("home")


def _verified(request, device) -> None:
    """The session has passed both factors: a new session key (the password-only one is not kept)."""
    request.session.cycle_key()
    django_otp.login(request, device)
    if summary := request.session.pop(sessions.LOGIN_SUMMARY, ""):
        messages.info(request, summary)
    audit.record(actor=request.user, action=AuditAction.LOGIN, changes={"step": "second_factor",
                                                                       "device": device.name})


def otp_verify(request):
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(_next(request))
    if user.is_verified():
        return redirect(_next(request))
    if not otp.has_device(user):
        return redirect(f"{reverse('otp_enrol')}?next={_next(request)}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, refusal = otp.verify_code(user, form.cleaned_data["code"])
        if device is not None:
            _verified(request, device)
            return redirect(_next(request))
        # A wrong code is a failed sign-in like a wrong password: django-axes counts it, the log keeps it.
        credentials = {"username": user.get_username()}
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if AxesProxyHandler.is_locked(request, credentials):
            # Locked: this half-signed-in session ends (and nothing elsewhere: no logout, no token revoked).
            request.session.flush()
            return render(request, "registration/locked_out.html", {"message": LOCKED_MESSAGE}, status=403)
        form.add_error("code", refusal)
    return render(request, "registration/otp_verify.html", {"form": form, "next": _next(request)})


def otp_enrol(request):
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(_next(request))
    if otp.has_device(user):
        return redirect(_next(request) if user.is_verified() else f"{reverse('otp_verify')}?next={_next(request)}")
    device = services.device_start(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.device_enrol(user=user, device=device, code=form.cleaned_data["code"])
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            _verified(request, device)
            # Shown once, never again (the page is not cached: every answer is no-store).
            return render(request, "registration/otp_recovery.html", {"codes": codes, "next": _next(request)})
    return render(request, "registration/otp_enrol.html", {
        "form": form, "next": _next(request), "qr": otp.qr_svg(device.config_url),
        "secret": otp.base32_secret(device)})
