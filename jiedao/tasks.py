from celery import shared_task

from .auditchain import chain_verify_and_alert, link_recent
from .exports import export_job_build, export_jobs_purge
from .imports import import_commit_run, import_preview
from .services import accounts_disable_idle


@shared_task(name="jiedao.ping_task")
def ping_task(payload: str) -> str:
    """Round trip through the broker: used by the health check and the real-worker test."""
    return f"pong:{payload}"


@shared_task(name="jiedao.build_export_task")
def build_export_task(job_id: int) -> str:
    """A large list export (jiedao.exports.export_job_build); a second run leaves the job as it is."""
    job = export_job_build(job_id=job_id)
    return job.state if job else "missing"


@shared_task(name="jiedao.purge_exports_task")
def purge_exports_task() -> int:
    """Nightly (CELERY_BEAT_SCHEDULE): export jobs past EXPORT_KEEP_DAYS deleted with their files."""
    return export_jobs_purge()


@shared_task(name="jiedao.disable_idle_accounts_task")
def disable_idle_accounts_task() -> int:
    """Nightly (CELERY_BEAT_SCHEDULE): accounts unused for ACCOUNT_IDLE_DAYS are disabled; a second run
    finds none left to disable."""
    return accounts_disable_idle()


@shared_task(name="jiedao.link_audit_task")
def link_audit_task() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): audit entries whose commit left the linking to a later run."""
    return link_recent()


@shared_task(name="jiedao.verify_audit_chain_task")
def verify_audit_chain_task() -> str:
    """Nightly (CELERY_BEAT_SCHEDULE): link pending audit entries, verify every chain, alert the auditors."""
    verdict = chain_verify_and_alert()
    return "ok" if verdict.ok else "; ".join(str(b) for b in verdict.breaks)


@shared_task(name="jiedao.import_preview_task")
def import_preview_task(run_id: int) -> str:
    """Read an uploaded ledger and classify its rows (jiedao.imports.import_preview)."""
    run = import_preview(run_id=run_id)
    return run.status if run else "missing"


@shared_task(name="jiedao.import_commit_task")
def import_commit_task(run_id: int) -> str:
    """Write a confirmed import, all or nothing (jiedao.imports.import_commit_run)."""
    run = import_commit_run(run_id=run_id)
    return run.status if run else "missing"
