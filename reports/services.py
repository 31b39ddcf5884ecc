"""Requesting, generating and expiring progress reports and clinic exports.

A runner claims a report with one conditional UPDATE that records its token and a short lease,
and renews the lease while it renders. Nothing lives in connection state (no advisory lock,
no session setting), so claims hold behind PgBouncer's transaction pooling and across hosts. A
killed runner stops renewing; once its lease lapses the sweep re-queues the report and the
next runner takes it over. Only the holder of the current token may finish it, so a report is
finished exactly once.
"""

import csv
import io
import logging
import re
import shutil
import tempfile
import threading
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from clinic.audit import record_event
from clinic.models import OPEN_COUPLE_STATUSES, Client, Clinic, Couple, User
from clinic.permissions import require_admin_of
from clinic.tenancy import across_clinics, clinic_scope
from reports import dispatch, storage
from reports.broker import ensure_broker
from reports.models import Audience, ClinicExport, ProgressReport, Status
from reports.selectors import shared_with

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


def _lease() -> timedelta:
    return timedelta(seconds=settings.REPORT_LEASE_SECONDS)


def report_claim(*, report_id) -> tuple[ProgressReport, uuid.UUID] | None:
    """Take a queued report, or a running one whose runner's lease lapsed; None otherwise.

    One conditional UPDATE decides: of two workers claiming at once, PostgreSQL lets exactly
    one match. The returned token identifies this run in every later write.
    """
    now = timezone.now()
    token = uuid.uuid4()
    claimable = Q(status=Status.QUEUED) | Q(status=Status.RUNNING, lease_expires_at__lt=now)
    # Rows claimed before leases existed carry none; their runner is gone after a deploy.
    claimable |= Q(status=Status.RUNNING, lease_expires_at__isnull=True)
    claimed = (
        ProgressReport.objects.with_scopes_disabled()
        .filter(claimable, pk=report_id)
        .update(
            status=Status.RUNNING,
            claim_token=token,
            lease_expires_at=now + _lease(),
            started_at=now,
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return None
    report = (
        ProgressReport.objects.with_scopes_disabled()
        .select_related("clinic", "couple")
        .get(pk=report_id)
    )
    return report, token


def report_renew_lease(*, report_id, token: uuid.UUID) -> bool:
    """Extend this run's lease; False when the report is no longer this run's to finish."""
    return bool(
        ProgressReport.objects.with_scopes_disabled()
        .filter(pk=report_id, status=Status.RUNNING, claim_token=token)
        .update(lease_expires_at=timezone.now() + _lease())
    )


@contextmanager
def _lease_kept(report_id, token: uuid.UUID) -> Iterator[None]:
    """Renew the lease from a background thread while the report renders.

    The thread uses its own database connection, one short statement per beat, so nothing is
    held across a pooled connection.
    """
    stop = threading.Event()

    def heartbeat() -> None:
        try:
            # A new thread starts outside any scope; the lease is found by id, across clinics.
            with across_clinics():
                _renew_until_stopped()
        except Exception:
            # The final write re-checks the lease; a missed beat only risks a takeover.
            log.exception("report %s: lease renewal failed", report_id)
        finally:
            connection.close()  # this thread's own connection

    def _renew_until_stopped() -> None:
        while not stop.wait(settings.REPORT_LEASE_SECONDS / 3):
            if not report_renew_lease(report_id=report_id, token=token):
                log.warning("report %s: lease lost to another runner", report_id)
                return

    beat = threading.Thread(target=heartbeat, name=f"lease-{report_id}", daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join()


def report_release(*, report_id, token: uuid.UUID) -> None:
    """Give a report back to the queue (a transient error: the task's retry takes it again)."""
    ProgressReport.objects.with_scopes_disabled().filter(
        pk=report_id, status=Status.RUNNING, claim_token=token
    ).update(status=Status.QUEUED, claim_token=None, lease_expires_at=None)


def report_generate(*, report_id) -> None:
    """Claim, gather, render and store one report, then advance its export if it has one.

    Safe to run twice or after a crash: a report another live runner holds, or one already
    finished, is left alone, and its export is still advanced (that is idempotent), so an
    export never waits on a part that ended earlier. Transient errors hand the report back
    and propagate (the task retries them); any other error fails the report with a reason a
    person can act on.
    """
    from reports import pdf
    from reports.data import gather

    claim = report_claim(report_id=report_id)
    if claim is None:
        log.info("report %s is finished or held by a live runner", report_id)
        export_advance(report_id=report_id)
        return
    report, token = claim
    log.info("report %s claimed (attempt %s)", report_id, report.attempts)
    with _lease_kept(report_id, token), clinic_scope(report.clinic):
        try:
            rendered = pdf.render_pdf(gather(report))
        except TRANSIENT:
            report_release(report_id=report_id, token=token)
            raise
        except Exception as exc:
            log.exception("report %s failed", report_id)
            report_fail(
                report_id=report_id,
                token=token,
                reason=f"The report could not be produced ({exc.__class__.__name__}: {exc}). "
                "Try again; if it fails again, contact support with this report's id.",
            )
        else:
            if report_finish(report=report, pdf=rendered, token=token):
                log.info("report %s done (attempt %s)", report_id, report.attempts)
    export_advance(report_id=report_id)


def report_finish(*, report: ProgressReport, pdf: bytes, token: uuid.UUID) -> bool:
    """Store the PDF at the report's own key and mark the report done, once.

    False (and nothing written) when this run lost its claim: the run that took the report
    over writes the file. The lease is renewed just before writing, so a takeover cannot
    start while this run writes.
    """
    if not report_renew_lease(report_id=report.pk, token=token):
        log.warning("report %s: claim lost before storing; the new runner finishes it", report.pk)
        return False
    stored = storage.store_bytes(storage.report_key(report), pdf)
    now = timezone.now()
    finished = (
        ProgressReport.objects.with_scopes_disabled()
        .filter(pk=report.pk, status=Status.RUNNING, claim_token=token)
        .update(
            status=Status.DONE,
            file_key=stored.key,
            sha256=stored.sha256,
            size_bytes=stored.size,
            finished_at=now,
            failure_reason="",
            lease_expires_at=None,
            expires_at=now + timedelta(days=report.clinic.report_retention_days),
        )
    )
    return bool(finished)


def report_fail(*, report_id, reason: str, token: uuid.UUID | None = None) -> None:
    """Record a permanent failure in words a person can act on (never over a finished report).

    With `token`, only while this run still holds the report.
    """
    rows = (
        ProgressReport.objects.with_scopes_disabled()
        .filter(pk=report_id)
        .exclude(status=Status.DONE)
    )
    if token is not None:
        rows = rows.filter(claim_token=token)
    rows.update(
        status=Status.FAILED,
        failure_reason=reason[:2000],
        finished_at=timezone.now(),
        lease_expires_at=None,
    )


def reports_requeue_stale(*, queued_for: timedelta) -> list[str]:
    """Reports to send to the queue again: running with a lapsed lease (the runner died), or
    queued for longer than `queued_for` (the message was lost).

    Running ones go back to queued. Each re-sent queued report is not sent again for another
    `queued_for`, so a long queue is not flooded with copies on every sweep.
    """
    now = timezone.now()
    reports = ProgressReport.objects.with_scopes_disabled()
    lapsed = Q(status=Status.RUNNING) & (
        Q(lease_expires_at__lt=now)
        | Q(lease_expires_at__isnull=True, started_at__lt=now - queued_for)
    )
    lost = Q(status=Status.QUEUED, created_at__lt=now - queued_for) & (
        Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
    )
    ids = [str(pk) for pk in reports.filter(lapsed | lost).values_list("pk", flat=True)]
    # Conditional, like every claim: a report taken meanwhile by a live runner stays its own.
    reports.filter(Q(pk__in=ids) & (lapsed | lost)).update(
        status=Status.QUEUED, claim_token=None, lease_expires_at=now + queued_for
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
    require_admin_of(clinic=clinic, user=by)
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


def export_start(*, export_id) -> None:
    """Mark a queued export running and queue one task per part; a second call does nothing."""
    started = (
        ClinicExport.objects.with_scopes_disabled()
        .filter(pk=export_id, status=Status.QUEUED)
        .update(status=Status.RUNNING)
    )
    if not started:
        return
    ids = [
        str(pk)
        for pk in ProgressReport.objects.with_scopes_disabled()
        .filter(export_id=export_id)
        .values_list("pk", flat=True)
    ]
    if not ids:
        if export_progress(export_id=export_id):
            dispatch.enqueue(dispatch.ASSEMBLE_EXPORT, str(export_id))
        return
    dispatch.enqueue_each(dispatch.GENERATE_REPORT, ids)


def export_build(*, export_id) -> None:
    """Assemble the export's ZIP unless that already happened."""
    from reports.data import headline_rows

    export = ClinicExport.objects.with_scopes_disabled().select_related("clinic").get(pk=export_id)
    if export.status == Status.DONE:
        return
    with clinic_scope(export.clinic):
        export_assemble(export=export, headline_rows=headline_rows(export))


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


def exports_requeue_stale(*, stale_after: timedelta) -> tuple[list[str], list[str]]:
    """Exports to start again (queued, message lost) and to assemble (every part ended, but no
    live assembly). An assembly running longer than `stale_after` is taken to have died.
    """
    now = timezone.now()
    cutoff = now - stale_after
    exports = ClinicExport.objects.with_scopes_disabled()
    to_start = [
        str(pk)
        for pk in exports.filter(status=Status.QUEUED, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    ]
    to_assemble = []
    for export_id, assembling_at in exports.filter(status=Status.RUNNING).values_list(
        "pk", "assembling_at"
    ):
        if assembling_at is None:
            # Parts may all have ended without the last one advancing the export (it died
            # between storing its PDF and counting): count again.
            if export_progress(export_id=export_id):
                to_assemble.append(str(export_id))
        elif assembling_at < cutoff and exports.filter(
            pk=export_id, status=Status.RUNNING, assembling_at=assembling_at
        ).update(assembling_at=now):
            to_assemble.append(str(export_id))
    return to_start, to_assemble


def stale_work_requeue() -> int:
    """Send stuck reports and exports to the queue again (run by beat every minute)."""
    lost_after = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    report_ids = reports_requeue_stale(queued_for=lost_after)
    for report_id in report_ids:
        dispatch.enqueue(dispatch.GENERATE_REPORT, report_id)
    to_start, to_assemble = exports_requeue_stale(stale_after=lost_after)
    for export_id in to_start:
        dispatch.enqueue(dispatch.START_EXPORT, export_id)
    for export_id in to_assemble:
        dispatch.enqueue(dispatch.ASSEMBLE_EXPORT, export_id)
    return len(report_ids) + len(to_start) + len(to_assemble)


def export_assemble(*, export: ClinicExport, headline_rows: list[dict]) -> ClinicExport:
    """Zip every finished report of the export with a CSV of headline scores, and store it."""
    reports = (
        export.reports.select_related("couple__partner_a", "couple__partner_b")
        .order_by("couple_id", "audience")
        .iterator(chunk_size=500)
    )
    failed = []
    folders = _ArchiveFolders(export.clinic.tz)
    # The archive goes to a temporary file, each PDF copied into it in chunks, so a worker's
    # memory stays flat however many reports a clinic exports.
    with tempfile.TemporaryFile() as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for report in reports:
                if report.status != Status.DONE:
                    failed.append(
                        f"{report.couple.label} ({report.audience}): "
                        f"{report.failure_reason or report.status}"
                    )
                    continue
                name = (
                    f"{folders.of(report.couple)}/{report.audience.capitalize()} report "
                    f"{export.period_start.isoformat()} to {export.period_end.isoformat()}.pdf"
                )
                entry = _zip_entry(name, report.finished_at, export.clinic.tz)
                with storage.open_file(report.file_key) as src, archive.open(entry, "w") as dst:
                    shutil.copyfileobj(src, dst, storage.CHUNK)
            made = timezone.now()
            archive.writestr(
                _zip_entry("headline_scores.csv", made, export.clinic.tz),
                _headline_csv(headline_rows),
            )
            if failed:
                archive.writestr(
                    _zip_entry("FAILED.txt", made, export.clinic.tz), "\n".join(failed) + "\n"
                )
        stored = storage.store_file(storage.export_key(export), spool)
    now = timezone.now()
    ClinicExport.objects.with_scopes_disabled().filter(pk=export.pk).update(
        status=Status.DONE,
        file_key=stored.key,
        sha256=stored.sha256,
        size_bytes=stored.size,
        finished_at=now,
        expires_at=now + timedelta(days=export.clinic.report_retention_days),
        failure_reason=(
            f"{len(failed)} report{'' if len(failed) == 1 else 's'} failed; "
            "see FAILED.txt in the archive."
        )
        if failed
        else "",
    )
    export.refresh_from_db()
    return export


def _zip_entry(name: str, when, tz) -> zipfile.ZipInfo:
    """An archive entry dated when its file was made, in the clinic's time (a ZIP stores local
    time); without a date, unzipped reports would all say 1 January 1980."""
    local = timezone.localtime(when or timezone.now(), tz)
    entry = zipfile.ZipInfo(name, date_time=local.timetuple()[:6])
    entry.compress_type = zipfile.ZIP_DEFLATED
    return entry


# Characters that Windows, macOS or the ZIP format itself refuse or misread in a file name.
_UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


class _ArchiveFolders:
    """One folder a couple in the export's ZIP, named as staff know the case ("Bell & Ångström
    2026-01-05": label and opening date); a second couple of the same name gets " (2)"."""

    def __init__(self, tz) -> None:
        self._tz = tz
        self._names: dict = {}
        self._taken: set[str] = set()

    def of(self, couple: Couple) -> str:
        if couple.pk not in self._names:
            label = " ".join(_UNSAFE_IN_NAME.sub(" ", couple.label).split())[:80] or "Couple"
            opened = couple.intake_date or timezone.localtime(couple.created_at, self._tz).date()
            name, n = f"{label} {opened.isoformat()}", 1
            while name.casefold() in self._taken:
                n += 1
                name = f"{label} {opened.isoformat()} ({n})"
            self._taken.add(name.casefold())
            self._names[couple.pk] = name
        return self._names[couple.pk]


CSV_COLUMNS = ["couple_id", "couple", "partner", "instrument", "date", "total", "band"]


def _headline_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        # Spreadsheet formula injection: a name starting with = + - @ would run as a formula.
        writer.writerow(
            {
                k: ("'" + v if isinstance(v, str) and v and v[0] in "=+-@" else v)
                for k, v in row.items()
            }
        )
    return out.getvalue()


# --- releasing a report to the partners ------------------------------------------------------


@transaction.atomic
def report_share(*, report: ProgressReport, by, request=None) -> ProgressReport:
    """Release a finished couple or partner report to the portal (the couple's report to both
    partners, a partner report to that partner). Audited with whom it was shared."""
    report = (
        ProgressReport.objects.for_clinic(report.clinic_id).select_for_update().get(pk=report.pk)
    )
    if report.audience == Audience.CLINICAL:
        raise ValidationError(
            {"report": "A clinical report is for the record; it is never shared."}
        )
    if report.export_id is not None:
        raise ValidationError(
            {"report": "Reports built for a clinic export are never published to the portal."}
        )
    if report.status != Status.DONE or not report.file_key or report.file_removed_at:
        raise ValidationError({"report": "Only a finished report with its file can be shared."})
    if report.shared_at is None:
        report.shared_at, report.shared_by = timezone.now(), by
        report.save(update_fields=["shared_at", "shared_by"])
        record_event(
            clinic=report.clinic,
            actor=by,
            action="share",
            obj=report,
            request=request,
            detail={"audience": report.audience, "shared_with": shared_with(report)},
        )
    return report


@transaction.atomic
def report_unshare(*, report: ProgressReport, by, request=None) -> ProgressReport:
    """Stop sharing a report: it leaves the portal at once (audited; sharing again is allowed)."""
    report = (
        ProgressReport.objects.for_clinic(report.clinic_id).select_for_update().get(pk=report.pk)
    )
    if report.shared_at is not None:
        shared_since, partners = report.shared_at, shared_with(report)
        report.shared_at, report.shared_by = None, None
        report.save(update_fields=["shared_at", "shared_by"])
        record_event(
            clinic=report.clinic,
            actor=by,
            action="unshare",
            obj=report,
            request=request,
            detail={"shared_since": shared_since.isoformat(), "shared_with": partners},
        )
    return report
