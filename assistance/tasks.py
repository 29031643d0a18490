from datetime import date

from celery import shared_task

from . import services


@shared_task(name="assistance.run_case_reviews_task")
def run_case_reviews_task(today: str | None = None) -> dict[str, int]:
    """Daily (CELERY_BEAT_SCHEDULE): ongoing cases due for review remind their worker, once per due date;
    `today` as YYYY-MM-DD to run it for another day."""
    return services.case_reviews_run(today=date.fromisoformat(today) if today else None)
