"""How a reminder leaves the portal. The inbox is always written; delivery is one more step that a
deployment chooses with NOTIFICATION_BACKEND (a dotted path to a class with send(notification)), so
SMS or WeChat can be plugged in later without touching the reminder job."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("jiedao.notifications")


class LogBackend:
    """The default: one log line per reminder (the console in the demo, the log in production)."""

    def send(self, notification) -> None:
        logger.info("提醒 %s → %s：%s", notification.kind, notification.recipient_id, notification.message)


def backend():
    return import_string(getattr(settings, "NOTIFICATION_BACKEND", "visits.delivery.LogBackend"))()
