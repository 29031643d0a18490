"""Reads of the base's own data that span models."""

from django.conf import settings
from django.utils import timezone

from .models import User
from .scope import manages_accounts


def locked_usernames(usernames) -> set[str]:
    """Which of these accounts django-axes holds locked right now at some address (too many failed logins
    from there: the lock is per account and address)."""
    from axes.models import AccessAttempt

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return set(AccessAttempt.objects.filter(
        username__in=list(usernames), failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since,
    ).values_list("username", flat=True))


def account_guardians(subdistrict_id: int | None) -> list:
    """The accounts that look after a sub-district's accounts (unlocks, resets): they are told of lockouts
    and of addresses guessing at passwords. Its security administrators (for a district-level account, the
    district's), asked through the one role predicate that decides it (jiedao.scope)."""
    return [user for user in User.objects.filter(subdistrict_id=subdistrict_id, is_active=True).order_by("pk")
            if manages_accounts(user)]
