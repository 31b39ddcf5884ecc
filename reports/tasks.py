"""Celery tasks for reports: thin, idempotent by id, safe to run twice or after a crash.

Each task takes ids and calls one service; the services hold the claims and the rules.
"""

from celery import Task, group, shared_task
from django.conf import settings

from clinic.tenancy import clinic_scope
from reports import services
from reports.models import ClinicExport, ProgressReport, Status

RETRY = {
    "autoretry_for": services.TRANSIENT,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


class ReportTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Retries exhausted: the report says why instead of staying queued or running."""
        report_id = args[0] if args else kwargs.get("report_id")
        services.report_fail(
            report_id=report_id,
            reason=f"Generation kept failing after {self.max_retries} retries "
            f"({exc.__class__.__name__}: {exc}). Try again later.",
        )
        services.export_advance(report_id=report_id)


@shared_task(bind=True, base=ReportTask, acks_late=True, reject_on_worker_lost=True, **RETRY)
def generate_report(self, report_id: str) -> None:
    """Gather, render and store one report; a second delivery of the same id does nothing."""
    services.report_generate(report_id=report_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, **RETRY)
def start_export(export_id: str) -> None:
    """Fan the export out as a group of per-report tasks."""
    updated = (
        ClinicExport.objects.with_scopes_disabled()
        .filter(pk=export_id, status=Status.QUEUED)
        .update(status=Status.RUNNING)
    )
    if not updated:
        return
    ids = [
        str(pk)
        for pk in ProgressReport.objects.with_scopes_disabled()
        .filter(export_id=export_id)
        .values_list("pk", flat=True)
    ]
    if not ids:
        if services.export_progress(export_id=export_id):
            assemble_export.delay(export_id)
        return
    group(generate_report.s(report_id) for report_id in ids).apply_async()


@shared_task(acks_late=True, reject_on_worker_lost=True, **RETRY)
def assemble_export(export_id: str) -> None:
    """Build the export's ZIP once every part has finished."""
    from reports.data import headline_rows

    export = ClinicExport.objects.with_scopes_disabled().select_related("clinic").get(pk=export_id)
    if export.status == Status.DONE:
        return
    with clinic_scope(export.clinic):
        services.export_assemble(export=export, headline_rows=headline_rows(export))


@shared_task
def sweep_stale_reports() -> int:
    """Re-enqueue reports stuck in running past the hard time limit, or never picked up."""
    ids = services.reports_requeue_stale(older_than=_stale_after())
    for report_id in ids:
        generate_report.delay(report_id)
    return len(ids)


def _stale_after():
    from datetime import timedelta

    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


@shared_task
def expire_report_files() -> int:
    """Remove report and export files past their clinic's retention (the records stay)."""
    return services.files_expire()
