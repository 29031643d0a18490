"""The inbox, for every app: reminder jobs write rows here, delivery sends them out, the owner reads them.

The inbox is always written; delivery is one more step that a deployment chooses with
NOTIFICATION_BACKEND (a dotted path to a class with send(notification)), so SMS or WeChat can be plugged
in later without touching any reminder job.
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import Notification
from .redact import redact

logger = logging.getLogger("jiedao.notifications")

MAX_DELIVERY_ATTEMPTS = 5


class LogBackend:
    """The default: one log line per reminder (the console in the demo, the log in production)."""

    def send(self, notification) -> None:
        logger.info("提醒 %s → %s：%s", notification.kind, notification.recipient_id, notification.message)


def backend():
    return import_string(getattr(settings, "NOTIFICATION_BACKEND", "jiedao.notifications.LogBackend"))()


class LogTextBackend:
    """The default for a text to someone with no account (a parent who signed up on a public page): one log
    line, the phone and any number in the text masked (jiedao.redact), so no log keeps a full one."""

    def send(self, *, phone: str, message: str) -> None:
        logger.info("短信 → %s：%s", redact(phone), redact(message))


def text_backend():
    return import_string(getattr(settings, "TEXT_MESSAGE_BACKEND", "jiedao.notifications.LogTextBackend"))()


def text_send(*, phone: str, message: str) -> bool:
    """Send a text through TEXT_MESSAGE_BACKEND (an SMS gateway in production, the log by default). A gateway
    that fails is logged, not raised: the public page has already answered the same way whatever happens."""
    try:
        text_backend().send(phone=phone, message=message)
    except Exception as error:  # the gateway's failure must not undo the enrolment already committed
        logger.warning("短信发送失败：%s", redact(str(error)))
        return False
    return True


def notifications_write(rows: list[Notification]) -> int:
    """Write reminders (unsaved rows with their `key`) in one commit; a key already there is skipped, so a
    second run of a job, or two at once, write nothing twice. Returns how many are new."""
    with transaction.atomic():
        before = Notification.objects.count()
        Notification.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
        return Notification.objects.count() - before


def notifications_deliver(batch: int = 2000) -> tuple[int, int]:
    """Send every undelivered reminder through the configured backend: (sent, failed).

    Each batch is claimed under a row lock (so two workers never take the same reminder) and sent
    after the claim is committed (no lock is held while an SMS gateway thinks). A send that fails is
    handed back with its error, to be tried again by the next runs, at most five times; the others go on.
    """
    sender, sent, failed, cursor = backend(), 0, 0, 0
    while True:
        with transaction.atomic():
            # Walk forward by id, so a message handed back after failing waits for the next run.
            claimed = list(Notification.objects.select_for_update(skip_locked=True)
                           .filter(delivered_at__isnull=True, attempts__lt=MAX_DELIVERY_ATTEMPTS, id__gt=cursor)
                           .order_by("id")[:batch])
            if not claimed:
                return sent, failed
            Notification.objects.filter(pk__in=[n.pk for n in claimed]).update(
                delivered_at=timezone.now(), attempts=F("attempts") + 1)
        cursor = claimed[-1].pk
        for notification in claimed:
            try:
                sender.send(notification)
                sent += 1
            except Exception as error:  # one broken message must not stop the others
                failed += 1
                logger.warning("提醒 %s 推送失败：%s", notification.pk, error)
                Notification.objects.filter(pk=notification.pk).update(delivered_at=None,
                                                                       last_error=str(error)[:200])


def notifications_resolve(*, resident_id: int, methods, on) -> int:
    """The reminders and alarms that a visit has answered — about this resident, for these methods, due on or
    before the day of the visit — are read for everyone who had them (the worker, the community told of an
    escalation): nothing waits in an inbox for what was done."""
    return (Notification.objects.filter(resident_id=resident_id, method__in=list(methods), due_date__lte=on,
                                        read_at__isnull=True)
            .update(read_at=timezone.now()))


def notification_read(*, actor, notification: Notification) -> Notification:
    if notification.recipient_id != actor.pk:
        raise PermissionDenied("只能标记自己的提醒。")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_read_all(*, actor) -> int:
    return Notification.objects.visible_to(actor).unread().update(read_at=timezone.now())
