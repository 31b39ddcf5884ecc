"""Requesting, generating and expiring progress reports and clinic exports.

Generation is claimed by a conditional update and guarded by a PostgreSQL advisory lock held
for the whole run: a live worker keeps the lock, a killed worker's connection drops it, so a
redelivered task can tell "someone is on it" from "the last runner died" without waiting for
a timeout.
"""

import csv
import io
import logging
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

from clinic.audit import record_event
from clinic.models import OPEN_COUPLE_STATUSES, Client, Clinic, Couple, User
from clinic.tenancy import clinic_scope
from reports import dispatch, storage
from reports.broker import ensure_broker
from reports.models import Audience, ClinicExport, ProgressReport, Status

log = logging.getLogger(__name__)

# Errors worth another try: the database or storage was briefly unreachable. The task retries
# these with backoff; anything else is a permanent failure recorded on the report.
TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)

MAX_PERIOD_DAYS = 3 * 366


def _check_period(period_start: date, period_end: date) -> None:
    if period_end < period_start:
        raise ValidationError({"period_end": "The period must end on or after its start."})
    if (period_end - period_start).days > MAX_PERIOD_DAYS:
        raise ValidationError({"period_end": "A report covers at most three years."})


def report_request(
    *,
    clinic: Clinic,
    by: User,
    couple: Couple,
    period_start: date,
    period_end: date,
    audiences: list[str],
    partner: Client | None = None,
    summary: str = "",
    plan: str = "",
    request=None,
) -> list[ProgressReport]:
    """Queue one report per audience; generation starts when the transaction commits.

    Raises BrokerUnavailable (before writing anything) when the broker cannot be reached.
    """
    _check_period(period_start, period_end)
    if not audiences:
        raise ValidationError({"audiences": "Choose at least one audience."})
    if Audience.PARTNER in audiences:
        if partner is None:
            raise ValidationError({"partner": "A partner report needs the partner it is for."})
        if partner.pk not in (couple.partner_a_id, couple.partner_b_id):
            raise ValidationError({"partner": "This client is not a partner in this couple."})
    ensure_broker()
    request_id = uuid.uuid4()
    with transaction.atomic():
        reports = [
            ProgressReport.objects.create(
                clinic=clinic,
                couple=couple,
                audience=audience,
                partner=partner if audience == Audience.PARTNER else None,
                period_start=period_start,
                period_end=period_end,
                summary=summary,
                plan=plan,
                requested_by=by,
                request_id=request_id,
            )
            for audience in dict.fromkeys(audiences)
        ]
        for report in reports:
            record_event(
                clinic=clinic,
                actor=by,
                action="report_request",
                obj=report,
                request=request,
                detail={"couple": str(couple.pk), "audience": report.audience},
            )
        for report in reports:
            dispatch.enqueue_on_commit(dispatch.GENERATE_REPORT, str(report.pk))
    return reports


@contextmanager
def generation_lock(key: uuid.UUID) -> Iterator[bool]:
    """Yield True when this process holds the run lock for `key` (always True off PostgreSQL)."""
    if connection.vendor != "postgresql":
        yield True
        return
    lock_id = key.int & ((1 << 63) - 1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock_id])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_id])


def report_claim(*, report_id) -> ProgressReport | None:
    """Move a queued (or orphaned running) report to running; None if there is nothing to do.

    Call only while holding `generation_lock(report_id)`: a report found running then has no
    live runner (its worker died), so it is taken over rather than left stuck.
    """
    claimed = (
        ProgressReport.objects.with_scopes_disabled()
        .filter(pk=report_id, status__in=[Status.QUEUED, Status.RUNNING])
        .update(status=Status.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    return (
        ProgressReport.objects.with_scopes_disabled()
        .select_related("clinic", "couple")
        .get(pk=report_id)
    )


def report_generate(*, report_id) -> None:
    """Claim, gather, render and store one report, then advance its export if it has one.

    Safe to run twice or after a crash: a report another live worker is generating, or one
    already finished, is left alone. Transient errors propagate (the task retries them);
    any other error fails the report with a reason a person can act on.
    """
    from reports import pdf
    from reports.data import gather

    with generation_lock(uuid.UUID(str(report_id))) as held:
        if not held:
            log.info("report %s is being generated by another worker", report_id)
            return
        report = report_claim(report_id=report_id)
        if report is None:
            return
        with clinic_scope(report.clinic):
            try:
                rendered = pdf.render_pdf(gather(report))
            except TRANSIENT:
                raise
            except Exception as exc:
                log.exception("report %s failed", report_id)
                report_fail(
                    report_id=report_id,
                    reason=f"The report could not be produced ({exc.__class__.__name__}: {exc}). "
                    "Try again; if it fails again, contact support with this report's id.",
                )
            else:
                report_finish(report=report, pdf=rendered)
    export_advance(report_id=report_id)


def report_finish(*, report: ProgressReport, pdf: bytes) -> ProgressReport:
    """Store the PDF at the report's own key and mark the report done."""
    stored = storage.store_bytes(storage.report_key(report), pdf)
    now = timezone.now()
    ProgressReport.objects.with_scopes_disabled().filter(pk=report.pk).update(
        status=Status.DONE,
        file_key=stored.key,
        sha256=stored.sha256,
        size_bytes=stored.size,
        finished_at=now,
        failure_reason="",
        expires_at=now + timedelta(days=report.clinic.report_retention_days),
    )
    report.refresh_from_db()
    return report


def report_fail(*, report_id, reason: str) -> None:
    """Record a permanent failure in words a person can act on."""
    ProgressReport.objects.with_scopes_disabled().filter(pk=report_id).exclude(
        status=Status.DONE
    ).update(status=Status.FAILED, failure_reason=reason[:2000], finished_at=timezone.now())


def reports_requeue_stale(*, older_than: timedelta) -> list[str]:
    """Ids of reports stuck in running or never picked up, set back to queued for re-enqueueing."""
    cutoff = timezone.now() - older_than
    stale = ProgressReport.objects.with_scopes_disabled().filter(
        status=Status.RUNNING, started_at__lt=cutoff
    ) | ProgressReport.objects.with_scopes_disabled().filter(
        status=Status.QUEUED, created_at__lt=cutoff
    )
    ids = [str(pk) for pk in stale.values_list("pk", flat=True)]
    ProgressReport.objects.with_scopes_disabled().filter(pk__in=ids, status=Status.RUNNING).update(
        status=Status.QUEUED
    )
    return ids


def files_expire(*, now=None) -> int:
    """Remove report and export files past their clinic's retention; the rows stay."""
    now = now or timezone.now()
    removed = 0
    for model in (ProgressReport, ClinicExport):
        expired = (
            model.objects.with_scopes_disabled()
            .filter(expires_at__lt=now, file_removed_at__isnull=True)
            .exclude(file_key="")
        )
        for row in expired:
            storage.remove(row.file_key)
            model.objects.with_scopes_disabled().filter(pk=row.pk).update(file_removed_at=now)
            removed += 1
    return removed


# --- clinic exports -------------------------------------------------------------------------


def export_request(
    *,
    clinic: Clinic,
    by: User,
    period_start: date,
    period_end: date,
    audiences: list[str],
    request=None,
) -> ClinicExport:
    """Queue a clinic-wide export: one report per couple and chosen audience, then one ZIP."""
    _check_period(period_start, period_end)
    audiences = list(dict.fromkeys(audiences))
    if not audiences or Audience.PARTNER in audiences:
        raise ValidationError({"audiences": "Choose clinical and/or couple reports for an export."})
    ensure_broker()
    couples = list(
        Couple.objects.for_clinic(clinic)
        .live()
        .filter(status__in=[*OPEN_COUPLE_STATUSES, "discharged"])
    )
    request_id = uuid.uuid4()
    with transaction.atomic():
        export = ClinicExport.objects.create(
            clinic=clinic,
            requested_by=by,
            period_start=period_start,
            period_end=period_end,
            audiences=audiences,
            total=len(couples) * len(audiences),
        )
        ProgressReport.objects.bulk_create(
            ProgressReport(
                clinic=clinic,
                couple=couple,
                audience=audience,
                period_start=period_start,
                period_end=period_end,
                requested_by=by,
                request_id=request_id,
                export=export,
            )
            for couple in couples
            for audience in audiences
        )
        record_event(
            clinic=clinic,
            actor=by,
            action="export_request",
            obj=export,
            request=request,
            detail={"couples": len(couples), "audiences": audiences},
        )
        dispatch.enqueue_on_commit(dispatch.START_EXPORT, str(export.pk))
    return export


def export_advance(*, report_id) -> None:
    """Count the report's export (if any) forward and queue its assembly once all parts ended."""
    export_id = (
        ProgressReport.objects.with_scopes_disabled()
        .filter(pk=report_id)
        .values_list("export_id", flat=True)
        .first()
    )
    if export_id and export_progress(export_id=export_id):
        dispatch.enqueue(dispatch.ASSEMBLE_EXPORT, str(export_id))


def export_progress(*, export_id) -> bool:
    """Recount the export's finished parts; True for the one caller that should now assemble.

    Counting rows (not incrementing) keeps progress right when a part runs twice.
    """
    with transaction.atomic():
        export = ClinicExport.objects.with_scopes_disabled().select_for_update().get(pk=export_id)
        finished = (
            ProgressReport.objects.with_scopes_disabled()
            .filter(export_id=export_id, status__in=[Status.DONE, Status.FAILED])
            .count()
        )
        should_assemble = finished >= export.total and export.assembling_at is None
        ClinicExport.objects.with_scopes_disabled().filter(pk=export_id).update(
            completed=finished,
            assembling_at=timezone.now() if should_assemble else export.assembling_at,
        )
    return should_assemble


def export_assemble(*, export: ClinicExport, headline_rows: list[dict]) -> ClinicExport:
    """Zip every finished report of the export with a CSV of headline scores, and store it."""
    reports = list(
        export.reports.select_related("couple__partner_a", "couple__partner_b").order_by(
            "couple_id", "audience"
        )
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        failed = []
        for report in reports:
            if report.status != Status.DONE:
                failed.append(
                    f"{report.couple.label} ({report.audience}): {report.failure_reason or report.status}"
                )
                continue
            with storage.open_file(report.file_key) as fh:
                archive.writestr(f"{report.couple_id}/{report.audience}.pdf", fh.read())
        archive.writestr("headline_scores.csv", _headline_csv(headline_rows))
        if failed:
            archive.writestr("FAILED.txt", "\n".join(failed) + "\n")
    stored = storage.store_bytes(storage.export_key(export), buffer.getvalue())
    now = timezone.now()
    ClinicExport.objects.with_scopes_disabled().filter(pk=export.pk).update(
        status=Status.DONE,
        file_key=stored.key,
        sha256=stored.sha256,
        size_bytes=stored.size,
        finished_at=now,
        expires_at=now + timedelta(days=export.clinic.report_retention_days),
        failure_reason=f"{len(failed)} report(s) failed; see FAILED.txt in the archive."
        if failed
        else "",
    )
    export.refresh_from_db()
    return export


CSV_COLUMNS = ["couple_id", "couple", "partner", "instrument", "date", "total", "band"]


def _headline_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        # Spreadsheet formula injection: a name starting with = + - @ would run as a formula.
        writer.writerow(
            {k: ("'" + v if isinstance(v, str) and v[:1] in "=+-@" else v) for k, v in row.items()}
        )
    return out.getvalue()
