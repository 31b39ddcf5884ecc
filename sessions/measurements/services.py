"""Writes with rules for physiological measurements: record one reading, void one, and import a
device file in two steps (preview stored as a pending import, then confirm: all or nothing).

Every value passes sessions.physiology.normalize_measurement (units converted, plausible ranges
and required context checked); each change writes its audit event in the same transaction.
"""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from clinic.audit import record_event
from clinic.models import Client, Couple, User
from sessions.homework.services import check_partner_of
from sessions.measurements.device_import import (
    FORMATS,
    NEEDS_TIME_ZONE,
    ImportPreview,
    TooManyReadings,
    detect_format,
    parse_import,
)
from sessions.measurements.physiology import MeasurementError, normalize_measurement
from sessions.models import (
    ImportStatus,
    Measurement,
    MeasurementImport,
    MeasurementSource,
    SessionKind,
    SessionPhase,
    TherapySession,
)

# Phone clocks drift; a reading a few minutes "in the future" is a clock, not a typo.
CLOCK_SKEW_SECONDS = 300
# A few years of nightly readings of several kinds; larger files are split by the person.
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000


def _moment(value: str) -> datetime:
    """A stored preview row's time (always written as ISO 8601 by the preview itself)."""
    moment = parse_datetime(value)
    if moment is None:
        raise ValueError(f"Not a stored time: {value!r}")
    return moment


def _check_open(couple: Couple, partner: Client) -> None:
    if couple.archived_at is not None:
        raise ValidationError("This couple's case is archived; nothing more can be recorded.")
    if partner is None:
        raise ValidationError({"partner": "Choose whose measurement this is."})
    check_partner_of(couple, partner)


def _check_measured_at(measured_at: datetime | None) -> None:
    if measured_at is None:
        raise ValidationError({"measured_at": "Say when the reading was taken."})
    if timezone.is_naive(measured_at):
        raise ValidationError({"measured_at": "The time must carry a time zone."})
    if (measured_at - timezone.now()).total_seconds() > CLOCK_SKEW_SECONDS:
        raise ValidationError({"measured_at": "This time is in the future."})


def _check_session(
    couple: Couple, partner: Client, session: TherapySession | None, phase: str
) -> None:
    if session is None:
        if phase:
            raise ValidationError({"session": "Choose the session this reading was taken at."})
        return
    if session.couple_id != couple.pk:
        raise ValidationError({"session": "This session is not one of this couple's."})
    if session.kind == SessionKind.INDIVIDUAL and session.partner_id != partner.pk:
        raise ValidationError({"session": "This individual session was with the other partner."})
    if phase not in SessionPhase.values:
        raise ValidationError({"session_phase": "Say whether it was taken before or after."})


@transaction.atomic
def measurement_record(
    *,
    couple: Couple,
    partner: Client,
    by: User,
    kind: str,
    value: Any,
    unit: str | None = None,
    measured_at: datetime,
    context: dict | None = None,
    secondary_value: Any = None,
    session: TherapySession | None = None,
    session_phase: str = "",
    source: str = MeasurementSource.MANUAL,
    request=None,
) -> Measurement:
    """Record one reading of a partner in its stored unit (e.g. cortisol in µg/dL is stored in
    nmol/L); a value outside the plausible range is refused with the range named."""
    _check_open(couple, partner)
    _check_measured_at(measured_at)
    _check_session(couple, partner, session, session_phase or "")
    try:
        normal = normalize_measurement(
            kind, value, unit, context or {}, secondary_value=secondary_value
        )
    except MeasurementError as exc:
        raise ValidationError(exc.as_dict()) from None
    measurement = Measurement.objects.create(
        clinic=couple.clinic,
        couple=couple,
        partner=partner,
        kind=normal.kind,
        value=normal.value,
        secondary_value=normal.secondary_value,
        unit=normal.unit,
        measured_at=measured_at,
        context=normal.context,
        warnings=list(normal.warnings),
        session=session,
        session_phase=session_phase or "",
        source=source,
        entered_by=by,
    )
    record_event(
        clinic=couple.clinic,
        actor=by,
        action="create",
        obj=measurement,
        request=request,
        detail={"kind": normal.kind, "partner": str(partner.pk)},
    )
    return measurement


@transaction.atomic
def measurement_void(
    *, measurement: Measurement, by: User, reason: str, request=None
) -> Measurement:
    """Take a reading back (entered in error): the row stays with who, when and why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this reading is taken back."})
    measurement = (
        Measurement.objects.for_clinic(measurement.clinic)
        .select_for_update()
        .get(pk=measurement.pk)
    )
    if measurement.voided_at is not None:
        raise ValidationError("This reading was already taken back.")
    measurement.voided_at, measurement.voided_by = timezone.now(), by
    measurement.void_reason = reason
    measurement.save(update_fields=["voided_at", "voided_by", "void_reason"])
    record_event(
        clinic=measurement.clinic,
        actor=by,
        action="void",
        obj=measurement,
        request=request,
        detail={"reason": reason},
    )
    return measurement


def read_upload(upload) -> str:
    """The text of an uploaded file, refused by its size before it is read (never more than
    MAX_IMPORT_BYTES + 1 bytes are read into memory)."""
    if (upload.size or 0) > MAX_IMPORT_BYTES:
        raise ValidationError({"file": _too_big_message()})
    return decode_upload(upload.read(MAX_IMPORT_BYTES + 1))


def _too_big_message() -> str:
    return (
        f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB; split it into "
        "smaller files and import them one by one."
    )


def decode_upload(data: bytes) -> str:
    """The text of an uploaded file (UTF-8, with or without BOM); ValidationError if not text."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError({"file": _too_big_message()})
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            # Some spreadsheet programs still save CSV as Windows-1252.
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise ValidationError({"file": "The file is not a text (CSV or XML) file."}) from None


def _row_json(row) -> dict:
    return {
        "row_number": row.row_number,
        "kind": row.kind,
        "value": row.value,
        "unit": row.unit,
        "secondary_value": row.secondary_value,
        "measured_at": row.measured_at.isoformat(),
        "context": row.context,
        "warnings": list(row.warnings),
    }


def _error_json(row_number: int, field: str, message: str) -> dict:
    return {"row_number": row_number, "field": field, "message": message}


def _already_recorded(*, clinic, partner: Client, rows: list[dict]) -> list[dict]:
    """Errors for rows that repeat a reading already stored for this partner (one query)."""
    if not rows:
        return []
    times = [_moment(r["measured_at"]) for r in rows]
    existing = (
        Measurement.objects.for_clinic(clinic)
        .current()
        .filter(
            partner=partner,
            kind__in={r["kind"] for r in rows},
            measured_at__gte=min(times),
            measured_at__lte=max(times),
        )
    )
    stored = set(existing.values_list("kind", "measured_at"))
    return [
        _error_json(
            r["row_number"],
            "measured_at",
            f"{r['kind']} at {r['measured_at']} is already recorded for this person.",
        )
        for r, at in zip(rows, times, strict=True)
        if (r["kind"], at) in stored
    ]


@transaction.atomic
def import_preview(
    *,
    couple: Couple,
    partner: Client,
    by: User,
    text: str,
    filename: str = "",
    format_code: str | None = None,
    time_zone: str = "",
    request=None,
) -> MeasurementImport:
    """Parse a device file for one partner and store what it would add as a pending import.

    The format is detected from the name and first line unless given. Every bad row is kept
    with its reason (including readings already recorded); a pending import with any error
    cannot be confirmed. Nothing is added to the partner's measurements here.
    """
    _check_open(couple, partner)
    code = format_code or detect_format(filename, text)
    if code is None:
        # In words for the page's format choice, each with the code the API's `format` takes.
        named = [f"{label.split(' (')[0]} ({code})" for code, label in FORMATS.items()]
        raise ValidationError(
            {
                "format": "The file's format was not recognised; choose its format: "
                + ", ".join(named[:-1])
                + f" or {named[-1]}."
            }
        )
    if code in NEEDS_TIME_ZONE and not time_zone:
        raise ValidationError(
            {
                "time_zone": "This file's times carry no time zone; choose the zone it was recorded in."
            }
        )
    try:
        preview: ImportPreview = parse_import(
            code, text, tz=time_zone or None, max_readings=MAX_IMPORT_ROWS
        )
    except TooManyReadings:
        # No more can ever be confirmed at once: refuse now rather than parse, store and
        # show rows that could never be imported.
        raise ValidationError(
            {
                "file": f"The file holds more than {MAX_IMPORT_ROWS:,} readings; split it into "
                "smaller files (a month or a quarter each) and import them one by one."
            }
        ) from None
    rows = [_row_json(r) for r in preview.rows]
    errors = [_error_json(e.row_number, e.field, e.message) for e in preview.errors]
    future = [
        _error_json(r["row_number"], "measured_at", "This reading's time is in the future.")
        for r in rows
        if (_moment(r["measured_at"]) - timezone.now()).total_seconds() > CLOCK_SKEW_SECONDS
    ]
    errors += future + _already_recorded(clinic=couple.clinic, partner=partner, rows=rows)
    errors.sort(key=lambda e: e["row_number"])
    pending = MeasurementImport.objects.create(
        clinic=couple.clinic,
        couple=couple,
        partner=partner,
        format=code,
        filename=(filename or "")[:255],
        time_zone=time_zone or "",
        rows=rows,
        errors=errors,
        row_count=len(rows),
        error_count=len(errors),
        created_by=by,
    )
    record_event(
        clinic=couple.clinic,
        actor=by,
        action="import_preview",
        obj=pending,
        request=request,
        detail={"format": code, "rows": len(rows), "errors": len(errors)},
    )
    return pending


class ImportRefused(ValidationError):
    """The import cannot be confirmed; `rows` lists each bad row as "Row n: reason"."""


#: bad rows named in a refusal; the preview pages through all of them
REFUSAL_LINES = 100


def _error_lines(errors: list[dict]) -> list[str]:
    lines = [
        ("File" if e["row_number"] == 0 else f"Row {e['row_number']}") + f": {e['message']}"
        for e in errors[:REFUSAL_LINES]
    ]
    if len(errors) > REFUSAL_LINES:
        lines.append(f"... and {len(errors) - REFUSAL_LINES:,} more rows (see the preview).")
    return lines


@transaction.atomic
def import_confirm(
    *, measurement_import: MeasurementImport, by: User, request=None
) -> list[Measurement]:
    """Add every row of a pending import in one transaction, or none: refused (each bad row
    named) if the preview had errors or a row was recorded meanwhile."""
    pending = (
        MeasurementImport.objects.for_clinic(measurement_import.clinic)
        .select_for_update()
        .select_related("couple")
        .get(pk=measurement_import.pk)
    )
    if pending.status != ImportStatus.PENDING:
        raise ValidationError({"status": f"This import is already {pending.status}."})
    if pending.couple.archived_at is not None:
        raise ValidationError("This couple's case is archived; nothing more can be recorded.")
    errors = list(pending.errors) or _already_recorded(
        clinic=pending.clinic, partner=pending.partner, rows=pending.rows
    )
    if not pending.rows and not errors:
        errors = [_error_json(0, "file", "The file holds no readings.")]
    if errors:
        raise ImportRefused({"rows": _error_lines(errors)})
    measurements = Measurement.objects.bulk_create(
        [
            Measurement(
                clinic=pending.clinic,
                couple=pending.couple,
                partner_id=pending.partner_id,
                kind=row["kind"],
                value=row["value"],
                secondary_value=row["secondary_value"],
                unit=row["unit"],
                measured_at=_moment(row["measured_at"]),
                context=row["context"],
                warnings=row["warnings"],
                source=MeasurementSource.IMPORT,
                source_import=pending,
                entered_by=by,
            )
            for row in pending.rows
        ]
    )
    pending.status, pending.decided_by, pending.decided_at = (
        ImportStatus.IMPORTED,
        by,
        timezone.now(),
    )
    pending.save(update_fields=["status", "decided_by", "decided_at"])
    record_event(
        clinic=pending.clinic,
        actor=by,
        action="import_confirm",
        obj=pending,
        request=request,
        detail={"added": len(measurements), "partner": str(pending.partner_id)},
    )
    return measurements


@transaction.atomic
def import_discard(
    *, measurement_import: MeasurementImport, by: User, request=None
) -> MeasurementImport:
    """Drop a pending import; it is kept as discarded and nothing is added."""
    pending = (
        MeasurementImport.objects.for_clinic(measurement_import.clinic)
        .select_for_update()
        .get(pk=measurement_import.pk)
    )
    if pending.status != ImportStatus.PENDING:
        raise ValidationError({"status": f"This import is already {pending.status}."})
    pending.status, pending.decided_by, pending.decided_at = (
        ImportStatus.DISCARDED,
        by,
        timezone.now(),
    )
    pending.save(update_fields=["status", "decided_by", "decided_at"])
    record_event(
        clinic=pending.clinic, actor=by, action="import_discard", obj=pending, request=request
    )
    return pending
