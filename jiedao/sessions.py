"""When a signed-in session ends: after SESSION_COOKIE_AGE (30 minutes) without a person's request, and
SESSION_MAX_SECONDS (12 hours) after signing in, however busy.

Replaces SESSION_SAVE_EVERY_REQUEST, which wrote the session on every request (a page's background poll
kept it alive for ever, and every request paid for a write). The idle timer is written at most once a
minute, and a view marked `@background_poll` (the export page's progress) never moves it.
"""

import time

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse

from . import audit
from .models import AuditAction

SIGNED_IN_AT = "jiedao_signed_in_at"
SEEN_AT = "jiedao_seen_at"
# The previous sign-in and the failures since, read at the password, shown after the second factor.
LOGIN_SUMMARY = "jiedao_login_summary"
# How stale the idle timer may get before a request writes it again: the session then ends between 29 and
# 30 minutes after the last request, and a busy person's session is written once a minute, not each click.
SEEN_WRITE_EVERY = 60
ENDED = "登录已超时，请重新登录。"


def background_poll(view):
    """Marks a view that a page calls by itself (a progress poll): it does not count as the person's activity."""
    view.background_poll = True
    return view


def start_clock(session) -> None:
    """At sign-in (jiedao.signals): both clocks start now."""
    now = int(time.time())
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now


class SessionLimitsMiddleware:
    """Ends a signed-in session that has been idle too long or has lasted too long, before any view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        session, now = request.session, int(time.time())
        # A session from before this middleware (or a test's force_login) starts its clocks now.
        signed_in = session.setdefault(SIGNED_IN_AT, now)
        seen = session.setdefault(SEEN_AT, now)
        idle, too_long = now - seen >= settings.SESSION_COOKIE_AGE, now - signed_in >= settings.SESSION_MAX_SECONDS
        if idle or too_long:
            # Not logout(): that is the person signing out, which also ends their API tokens; a session that
            # ran out ends only itself.
            audit.record(actor=request.user, action=AuditAction.LOGOUT,
                         changes={"reason": "闲置超时" if idle else "登录超过最长时限"})
            request.session.flush()
            request.user = AnonymousUser()
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": ENDED}, status=401)
            return redirect_to_login(request.get_full_path() if request.method == "GET" else "/")
        if now - seen >= SEEN_WRITE_EVERY and not getattr(view_func, "background_poll", False):
            session[SEEN_AT] = now  # marks the session modified: saved, with a new expiry, after the view
        return None
