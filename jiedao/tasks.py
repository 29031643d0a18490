from celery import shared_task


@shared_task(name="jiedao.ping_task")
def ping_task(payload: str) -> str:
    """Round trip through the broker: used by the health check and the real-worker test."""
    return f"pong:{payload}"


@shared_task(name="jiedao.build_monthly_reports_task")
def build_monthly_reports_task() -> int:
    """On the 1st (CELERY_BEAT_SCHEDULE): last month's report pack for each sub-district that has none."""
    from .reports import reports_build_scheduled

    return reports_build_scheduled()


@shared_task(name="jiedao.build_export_task")
def build_export_task(job_id: int) -> str:
    """A large list export (jiedao.exports.export_job_build); a second run leaves the job as it is."""
    from .exports import export_job_build

    job = export_job_build(job_id=job_id)
    return job.state if job else "missing"


@shared_task(name="jiedao.purge_exports_task")
def purge_exports_task() -> int:
    """Nightly (CELERY_BEAT_SCHEDULE): export jobs past EXPORT_KEEP_DAYS deleted with their files."""
    from .exports import export_jobs_purge

    return export_jobs_purge()
