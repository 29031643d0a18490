from datetime import date

from celery import shared_task

from . import services, signup


@shared_task(name="child_services.create_nutrition_deliveries_task")
def create_nutrition_deliveries_task(today: str | None = None) -> dict[str, int]:
    """Daily (CELERY_BEAT_SCHEDULE): each active pack plan's rounds fallen due this month are created once
    (a late run catches up), and rounds not confirmed in time remind their worker, then the community;
    `today` as YYYY-MM-DD to run it for another day."""
    return services.nutrition_run(today=date.fromisoformat(today) if today else None)


@shared_task(name="child_services.purge_public_requests_task")
def purge_public_requests_task() -> int:
    """Nightly (CELERY_BEAT_SCHEDULE): the public page's once-a-day marks of days gone by are deleted."""
    return signup.public_requests_purge()
