from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import Signal, receiver

from . import audit, sessions
from .models import ApiToken, AuditAction


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit.record(actor=user, action=AuditAction.LOGIN, ip=audit.client_ip(request) if request else None)
    if request is not None and hasattr(request, "session"):
        sessions.start_clock(request.session)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        # Signing out ends the person's API tokens too: nothing of theirs stays open on a shared computer.
        revoked = ApiToken.objects.filter(user=user).delete()[0]
        audit.record(actor=user, action=AuditAction.LOGOUT, ip=audit.client_ip(request) if request else None,
                     changes={"tokens_revoked": revoked} if revoked else None)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    user = get_user_model().objects.filter(username=username).first()
    audit.record(actor=user, username=username, action=AuditAction.LOGIN_FAILED,
                 ip=audit.client_ip(request) if request is not None else None)


# Sent by a service after a bulk write (which sends no post_save), with the model as sender, so that
# whatever keeps figures of that table (the top app's cache) starts afresh. Features send; none listens
# to another.
rows_changed = Signal()
