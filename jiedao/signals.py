from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import audit
from .models import AuditAction


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit.record(actor=user, action=AuditAction.LOGIN, ip=audit.client_ip(request) if request else None)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(actor=user, action=AuditAction.LOGOUT, ip=audit.client_ip(request) if request else None)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    user = get_user_model().objects.filter(username=username).first()
    audit.record(actor=user, username=username, action=AuditAction.LOGIN_FAILED,
                 ip=audit.client_ip(request) if request is not None else None)


def _figures_changed(sender, **kwargs):
    from .selectors import figures_changed

    figures_changed(sender)


def _connect_figures() -> None:
    """The dashboard's cached figures start afresh when a table they read is written (selectors.PART_SOURCES)."""
    from .selectors import ALL_PARTS, PART_SOURCES

    for label in set().union(ALL_PARTS, *PART_SOURCES.values()):
        model = apps.get_model(label)
        post_save.connect(_figures_changed, sender=model, dispatch_uid=f"figures-save-{label}")
        post_delete.connect(_figures_changed, sender=model, dispatch_uid=f"figures-delete-{label}")


_connect_figures()
