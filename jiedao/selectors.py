"""Reads of the base's own data that span models."""

from django.conf import settings
from django.utils import timezone


def locked_usernames(usernames) -> set[str]:
    """Which of these accounts django-axes holds locked right now (too many failed logins)."""
    from axes.models import AccessAttempt

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return set(AccessAttempt.objects.filter(
        username__in=list(usernames), failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since,
    ).values_list("username", flat=True))
