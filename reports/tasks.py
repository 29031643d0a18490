from celery import shared_task

from .services import reports_build_scheduled


@shared_task(name="reports.build_monthly_reports_task")
def build_monthly_reports_task() -> int:
    """On the 1st (CELERY_BEAT_SCHEDULE): last month's report pack for each sub-district that has none."""
    return reports_build_scheduled()
