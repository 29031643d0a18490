from datetime import date, datetime

from celery import shared_task

from . import services


@shared_task(name="volunteers.run_order_reminders_task")
def run_order_reminders_task(now: str | None = None) -> dict[str, int]:
    """Every 15 minutes (CELERY_BEAT_SCHEDULE): orders not accepted or not done in time remind their team
    leader, then the centre; each reminder once (its key). `now` as an ISO date-time to run it for another time."""
    return services.orders_remind(now=datetime.fromisoformat(now) if now else None)


@shared_task(name="volunteers.run_pairing_reminders_task")
def run_pairing_reminders_task(today: str | None = None) -> dict[str, int]:
    """Daily (CELERY_BEAT_SCHEDULE): pairings past their rhythm remind the volunteer's team leaders (a grid worker's,
    the worker), once per pairing and due day. `today` as YYYY-MM-DD to run it for another day."""
    return services.pairings_remind(today=date.fromisoformat(today) if today else None)
