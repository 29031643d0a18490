from datetime import datetime

from celery import shared_task

from . import services


@shared_task(name="visits.run_reminders_task")
def run_reminders_task(now: str | None = None) -> dict[str, int]:
    """The periodic reminder job (beat, every 15 minutes); `now` as ISO 8601 to run it for a given time."""
    return services.reminders_run(now=datetime.fromisoformat(now) if now else None)
