"""Celery tasks for reports: thin, idempotent by id, safe to run twice or after a crash.

Each task takes ids and calls one service; the services hold the claims and the rules.

A task starts outside any clinic (clinic.celery) and calls its service with scopes disabled:
finding a row by its id, before it says whose it is, and sweeping every clinic are cross-clinic
work (for the database's row-level security too); the services enter a report's own clinic
scope for its work.
"""

from celery import shared_task

from clinic.celery import AttuneTask
from clinic.tenancy import scopes_disabled
from reports import services

RETRY = {
    "autoretry_for": services.TRANSIENT,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


class ReportTask(AttuneTask):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Retries exhausted: the report says why instead of staying queued or running."""
        report_id = args[0] if args else kwargs.get("report_id")
        with scopes_disabled():
            services.report_fail(
                report_id=report_id,
                reason=f"Generation kept failing after {self.max_retries} retries "
                f"({exc.__class__.__name__}: {exc}). Try again later.",
            )
            services.export_advance(report_id=report_id)


@shared_task(bind=True, base=ReportTask, acks_late=True, reject_on_worker_lost=True, **RETRY)
def generate_report(self, report_id: str) -> None:
    """Gather, render and store one report; a second delivery of the same id does nothing."""
    with scopes_disabled():
        services.report_generate(report_id=report_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, **RETRY)
def start_export(export_id: str) -> None:
    """Fan the export out as one task per report."""
    with scopes_disabled():
        services.export_start(export_id=export_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, **RETRY)
def assemble_export(export_id: str) -> None:
    """Build the export's ZIP once every part has finished."""
    with scopes_disabled():
        services.export_build(export_id=export_id)


@shared_task
def sweep_stale_reports() -> int:
    """Re-queue reports whose runner died or whose message was lost, and stuck exports."""
    with scopes_disabled():
        return services.stale_work_requeue()


@shared_task
def expire_report_files() -> int:
    """Remove report and export files past their clinic's retention (the records stay)."""
    with scopes_disabled():
        return services.files_expire()
