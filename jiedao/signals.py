from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import Signal, receiver

from . import audit, services, sessions
from .authentication import failed_logins_from, login_summary
from .models import ApiToken, AuditAction


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    # Read before this sign-in is written: the previous one and the failures since, for its holder to see.
    summary = login_summary(user)
    audit.record(actor=user, action=AuditAction.LOGIN, ip=audit.client_ip(request) if request else None)
    if request is not None and hasattr(request, "session"):
        # Shown once the second factor has passed (jiedao.otp_views): the code page tells nothing yet.
        request.session[sessions.LOGIN_SUMMARY] = summary
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
    ip = audit.client_ip(request) if request is not None else None
    audit.record(actor=user, username=username, action=AuditAction.LOGIN_FAILED, ip=ip)
    if ip:
        failures = failed_logins_from(ip)
        accounts = failures.values("actor_username").distinct().count()
        if accounts >= settings.LOGIN_ADDRESS_ACCOUNTS:
            # Guessing across accounts: from now on this address waits (AddressSlowdownMiddleware).
            subdistricts = set(failures.exclude(subdistrict_id=None).values_list("subdistrict_id", flat=True))
            services.login_address_notify(ip=ip, accounts=accounts, subdistrict_ids=subdistricts)


@receiver(user_locked_out)
def tell_of_lockout(sender, request, username, ip_address, **kwargs):
    """django-axes locked a pair (account, address): the account stays open elsewhere, and its owner and
    guardians hear of it (jiedao.services.login_lockout_notify)."""
    user = get_user_model().objects.filter(username=username).first()
    if user is not None:
        services.login_lockout_notify(user=user, ip=audit.client_ip(request) if request is not None else ip_address)


# Sent by a service after a bulk write (which sends no post_save), with the model as sender, so that
# whatever keeps figures of that table (the top app's cache) starts afresh. Features send; none listens
# to another. `pks`, when given, names the rows written (a ledger import's residents), so that what is kept
# per row is kept afresh for those rows only; `subdistricts`, when given, the sub-districts whose rows they are,
# so that figures of the others stay as they were.
rows_changed = Signal()
