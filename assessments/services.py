"""Writes with rules for assessments: assign, save answers, submit, acknowledge a risk alert,
and a clinic's licensed wording and reliability parameters. Each service records its audit
event in the same transaction as the change."""

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.models import (
    OPEN_RESPONSE_STATUSES,
    Assignment,
    LicensedWording,
    ReliabilityOverride,
    Response,
    ResponseStatus,
    RiskAlert,
)
from assessments.risk import alert_severity, endorsed_flags
from assessments.scoring import (
    InvalidAnswer,
    RiskFlag,
    UnknownInstrument,
    get_instrument,
    score,
)
from assessments.selectors import current_wording
from assessments.wording import validate_wording, wording_format
from clinic.audit import record_event
from clinic.date_style import format_for_clinic
from clinic.models import OPEN_COUPLE_STATUSES, Client, Clinic, Couple, User
from clinic.permissions import require_admin_of

#: How long before its due date a recurring occurrence appears in the partner's portal.
OPEN_WINDOW = timedelta(days=7)
MAX_REPEAT_WEEKS = 52
MAX_OCCURRENCES = 104


class ResponseFinal(Exception):
    """A submitted (or withdrawn) response cannot change; the message says why, for the client."""


def local_today(clinic: Clinic) -> date:
    """Today's date in the clinic's time zone (due dates are clinic-local dates)."""
    return timezone.localdate(timezone.now(), clinic.tz)


def occurrence_dates(
    *, first_due_on: date, repeat_every_weeks: int | None, repeat_until: date | None
) -> list[date]:
    """Due dates of an assignment: the first, then every N weeks while on or before the end."""
    if not repeat_every_weeks:
        return [first_due_on]
    step = timedelta(weeks=repeat_every_weeks)
    dates, due = [], first_due_on
    while repeat_until is not None and due <= repeat_until:
        dates.append(due)
        due += step
    return dates


def _check_schedule(
    *, today: date, first_due_on: date, repeat_every_weeks: int | None, repeat_until: date | None
) -> None:
    errors: dict[str, str] = {}
    if first_due_on < today:
        errors["first_due_on"] = "The due date cannot be in the past."
    if repeat_every_weeks is not None and not 1 <= repeat_every_weeks <= MAX_REPEAT_WEEKS:
        errors["repeat_every_weeks"] = f"Repeat every 1 to {MAX_REPEAT_WEEKS} weeks."
    if repeat_every_weeks and repeat_until is None:
        errors["repeat_until"] = "A recurring assignment needs an end date."
    if not repeat_every_weeks and repeat_until is not None:
        errors["repeat_every_weeks"] = "Say how often it repeats, or leave the end date empty."
    if repeat_until is not None and repeat_until < first_due_on:
        errors["repeat_until"] = "The end date must be on or after the first due date."
    if errors:
        raise ValidationError(errors)
    dates = occurrence_dates(
        first_due_on=first_due_on,
        repeat_every_weeks=repeat_every_weeks,
        repeat_until=repeat_until,
    )
    if len(dates) > MAX_OCCURRENCES:
        raise ValidationError(
            {"repeat_until": f"That makes {len(dates)} occurrences; at most {MAX_OCCURRENCES}."}
        )


def _instruments_for(clinic: Clinic, codes: Iterable[str]) -> list:
    instruments, errors = [], []
    for code in dict.fromkeys(codes):
        try:
            instrument = get_instrument(code)
        except UnknownInstrument:
            errors.append(f"There is no instrument {code!r}.")
            continue
        if not instrument.licence.wording_shipped and current_wording(clinic, instrument) is None:
            errors.append(
                f"{instrument.short_name}: upload the wording your clinic is licensed to use "
                "before assigning it (the items would otherwise read 'Item 1', 'Item 2' ...)."
            )
            continue
        instruments.append(instrument)
    if errors:
        raise ValidationError({"instruments": errors})
    if not instruments:
        raise ValidationError({"instruments": "Choose at least one instrument."})
    return instruments


@transaction.atomic
def assignments_create(
    *,
    clinic: Clinic,
    couple: Couple,
    by: User,
    partners: Iterable[Client],
    instruments: Iterable[str],
    first_due_on: date,
    repeat_every_weeks: int | None = None,
    repeat_until: date | None = None,
    request=None,
) -> list[Assignment]:
    """Assign each instrument (latest version) to each chosen partner of the couple, once or
    every N weeks until a date; create every occurrence. Returns one assignment per pair."""
    if couple.archived_at or couple.status not in OPEN_COUPLE_STATUSES:
        raise ValidationError("This couple's case is closed; reopen it before assigning.")
    partners = list(dict.fromkeys(partners))
    if not partners:
        raise ValidationError({"partners": "Choose at least one partner."})
    if any(p.pk not in (couple.partner_a_id, couple.partner_b_id) for p in partners):
        raise ValidationError({"partners": "Only the partners of this couple can be assigned."})
    today = local_today(clinic)
    _check_schedule(
        today=today,
        first_due_on=first_due_on,
        repeat_every_weeks=repeat_every_weeks,
        repeat_until=repeat_until,
    )
    chosen = _instruments_for(clinic, instruments)
    dates = occurrence_dates(
        first_due_on=first_due_on,
        repeat_every_weeks=repeat_every_weeks,
        repeat_until=repeat_until,
    )
    window = min(OPEN_WINDOW, timedelta(weeks=repeat_every_weeks or 1))
    created, occurrences = [], []
    for instrument in chosen:
        for partner in partners:
            assignment = Assignment.objects.create(
                clinic=clinic,
                couple=couple,
                partner=partner,
                instrument_code=instrument.code,
                instrument_version=instrument.version,
                first_due_on=first_due_on,
                repeat_every_weeks=repeat_every_weeks or None,
                repeat_until=repeat_until,
                created_by=by,
            )
            created.append(assignment)
            for index, due in enumerate(dates):
                # The first occurrence is there at once; later ones appear shortly before due.
                opens = today if index == 0 else max(today, due - window)
                occurrences.append(
                    Response(
                        clinic=clinic,
                        couple=couple,
                        partner=partner,
                        assignment=assignment,
                        instrument_code=instrument.code,
                        instrument_version=instrument.version,
                        opens_on=opens,
                        due_on=due,
                    )
                )
            record_event(
                clinic=clinic,
                actor=by,
                action="create",
                obj=assignment,
                request=request,
                detail={
                    "couple": str(couple.pk),
                    "partner": str(partner.pk),
                    "instrument": f"{instrument.code}-{instrument.version}",
                    "occurrences": len(dates),
                },
            )
    Response.objects.bulk_create(occurrences)
    return created


@transaction.atomic
def assignment_cancel(*, assignment: Assignment, by: User, request=None) -> Assignment:
    """Stop an assignment: its open occurrences are withdrawn; submitted ones stay as they are."""
    if assignment.cancelled_at is None:
        now = timezone.now()
        assignment.cancelled_at, assignment.cancelled_by = now, by
        assignment.save(update_fields=["cancelled_at", "cancelled_by"])
        withdrawn = (
            Response.objects.for_clinic(assignment.clinic)
            .filter(assignment=assignment, status__in=OPEN_RESPONSE_STATUSES)
            .update(status=ResponseStatus.CANCELLED)
        )
        record_event(
            clinic=assignment.clinic,
            actor=by,
            action="cancel",
            obj=assignment,
            request=request,
            detail={"withdrawn": withdrawn},
        )
    return assignment


@transaction.atomic
def assignment_stop_repeating(*, assignment: Assignment, by: User, request=None) -> Assignment:
    """End a recurring assignment after what the partner can already see: occurrences that
    have opened stay to be completed, later ones are withdrawn and the series ends there."""
    if assignment.cancelled_at is not None:
        raise ValidationError("This assignment was already cancelled.")
    if not assignment.recurring:
        raise ValidationError("This assignment does not repeat.")
    today = local_today(assignment.clinic)
    occurrences = Response.objects.for_clinic(assignment.clinic).filter(assignment=assignment)
    withdrawn = occurrences.filter(opens_on__gt=today, status__in=OPEN_RESPONSE_STATUSES).update(
        status=ResponseStatus.CANCELLED
    )
    last_due = (
        occurrences.exclude(status=ResponseStatus.CANCELLED)
        .order_by("-due_on")
        .values_list("due_on", flat=True)
        .first()
    )
    previous_until = assignment.repeat_until
    assignment.repeat_until = min(previous_until, last_due or today) if previous_until else today
    assignment.save(update_fields=["repeat_until"])
    record_event(
        clinic=assignment.clinic,
        actor=by,
        action="stop_repeating",
        obj=assignment,
        request=request,
        detail={"withdrawn": withdrawn, "repeat_until": str(assignment.repeat_until)},
    )
    return assignment


def _locked(response: Response) -> Response:
    """Re-read the row under a lock so a double submit or save-after-submit cannot slip by."""
    fresh = Response.objects.for_clinic(response.clinic_id).select_for_update().get(pk=response.pk)
    if fresh.status == ResponseStatus.SUBMITTED:
        raise ResponseFinal(
            "This questionnaire has already been submitted, and submitted answers are final. "
            "If something needs correcting, tell your therapist."
        )
    if fresh.status == ResponseStatus.CANCELLED:
        raise ResponseFinal("Your therapist has withdrawn this questionnaire; nothing to save.")
    if fresh.status == ResponseStatus.DECLINED:
        raise ResponseFinal(
            "You chose not to answer this questionnaire, and that choice is final. If you "
            "would like to answer it after all, tell your therapist."
        )
    return fresh


#: why an all-blank submission is refused (the API's field error and the page's message)
NOTHING_ANSWERED = (
    "No question is answered. Answer at least one, or choose “I'd rather not answer this "
    "one” to tell your therapist you are skipping it."
)


def unanswered_count(response: Response, answers: Mapping[Any, Any] | None = None) -> int:
    """How many items of the response's instrument would be unanswered with `answers` applied
    to what is saved (what the partner is asked to confirm before submitting)."""
    stored, _ = _merged_answers(response, answers or {})
    instrument = get_instrument(response.instrument_code, response.instrument_version)
    return len(instrument.items) - len(stored)


def _merged_answers(
    response: Response, changes: Mapping[Any, Any]
) -> tuple[dict[str, int], dict[int, int]]:
    """The stored answers with `changes` applied (None clears an item: prefer not to answer),
    validated against the response's own instrument version."""
    instrument = get_instrument(response.instrument_code, response.instrument_version)
    merged = dict(response.answers)
    for key, value in changes.items():
        number = str(key).strip()
        if value is None or value == "":
            merged.pop(number, None)
        else:
            merged[number] = value
    as_ints: dict[int, int] = {}
    for key, value in merged.items():
        item_number = int(key) if str(key).isdigit() else None
        answer = value if type(value) is int else (int(value) if str(value).isdigit() else None)
        if item_number is None or not instrument.has_item(item_number):
            raise ValidationError({"answers": f"{instrument.short_name} has no item {key}."})
        if answer is None or answer not in instrument.item(item_number).scale.values:
            raise ValidationError(
                {"answers": f"Item {item_number}: {value!r} is not one of the answers offered."}
            )
        as_ints[item_number] = answer
    try:
        score(instrument, as_ints)  # the engine's own check, same as at submission
    except InvalidAnswer as exc:
        raise ValidationError({"answers": str(exc)}) from exc
    return {str(k): v for k, v in sorted(as_ints.items())}, as_ints


@transaction.atomic
def response_save(
    *,
    response: Response,
    answers: Mapping[Any, Any],
    by: User,
    request=None,
) -> Response:
    """Save answers so far (partial is fine; None or "" clears an item). Refuses with
    ResponseFinal once submitted."""
    response = _locked(response)
    stored, as_ints = _merged_answers(response, answers)
    now = timezone.now()
    response.answers = stored
    response.status = ResponseStatus.IN_PROGRESS
    response.started_at = response.started_at or now
    response.saved_at = now
    response.save(update_fields=["answers", "status", "started_at", "saved_at"])
    record_event(
        clinic=response.clinic,
        actor=by,
        action="update",
        obj=response,
        request=request,
        detail={"answered": len(stored)},
    )
    # A partner who endorses item 9 and then stops ("finish later") may never submit: the
    # therapist must know now. Blank items in a draft are not skips yet, so only endorsed ones.
    instrument = get_instrument(response.instrument_code, response.instrument_version)
    _raise_alerts(
        response=response,
        flags=endorsed_flags(score(instrument, as_ints).risk_flags),
        by=by,
        request=request,
        from_draft=True,
    )
    return response


def _raise_alerts(
    *,
    response: Response,
    flags: Iterable[RiskFlag],
    by: User,
    request,
    from_draft: bool,
) -> list[RiskAlert]:
    """One alert per risk item of the response, audited: an item already alerted (e.g. from
    a saved draft) is not alerted again when the questionnaire is submitted."""
    flags = list(flags)
    if not flags:
        return []
    already = set(
        RiskAlert.objects.for_clinic(response.clinic_id)
        .filter(response=response)
        .values_list("item_number", flat=True)
    )
    raised = []
    now = timezone.now()
    for flag in flags:
        if flag.item in already:
            continue
        alert = RiskAlert.objects.create(
            clinic_id=response.clinic_id,
            couple_id=response.couple_id,
            partner_id=response.partner_id,
            response=response,
            item_number=flag.item,
            value=flag.value,
            severity=alert_severity(flag),
            message=flag.message[:500],
            raised_at=now,
            from_draft=from_draft,
        )
        record_event(
            clinic=response.clinic,
            actor=by,
            action="raise",
            obj=alert,
            request=request,
            detail={
                "response": str(response.pk),
                "item": flag.item,
                "severity": alert.severity,
                "from_draft": from_draft,
            },
        )
        raised.append(alert)
    return raised


@transaction.atomic
def response_submit(
    *,
    response: Response,
    by: User,
    answers: Mapping[Any, Any] | None = None,
    request=None,
) -> Response:
    """Make the answers final: score them with the response's instrument version, keep the
    snapshot, and raise a risk alert for each risk item endorsed or left blank."""
    response = _locked(response)
    stored, as_ints = _merged_answers(response, answers or {})
    if not stored:
        # An empty submission is almost always a slip (a tap on Submit too early); declining
        # is a separate, explicit choice (response_decline), recorded as such and not scored.
        raise ValidationError({"answers": NOTHING_ANSWERED})
    instrument = get_instrument(response.instrument_code, response.instrument_version)
    result = score(instrument, as_ints)
    now = timezone.now()
    response.answers = stored
    response.scores = result.to_dict()
    response.status = ResponseStatus.SUBMITTED
    response.started_at = response.started_at or now
    response.saved_at = now
    response.submitted_at = now
    response.submitted_by = by
    response.save(
        update_fields=[
            "answers",
            "scores",
            "status",
            "started_at",
            "saved_at",
            "submitted_at",
            "submitted_by",
        ]
    )
    record_event(
        clinic=response.clinic,
        actor=by,
        action="submit",
        obj=response,
        request=request,
        detail={
            "instrument": f"{instrument.code}-{instrument.version}",
            "answered": len(stored),
            "risk_flags": len(result.risk_flags),
        },
    )
    _raise_alerts(
        response=response,
        flags=result.risk_flags,
        by=by,
        request=request,
        from_draft=False,
    )
    return response


@transaction.atomic
def response_decline(*, response: Response, by: User, request=None) -> Response:
    """The partner chose "I'd rather not answer this one": final, recorded as declined and never
    scored (answers saved so far are kept as they were). An instrument's risk items go to the
    therapist as not answered, as a skipped risk item would."""
    response = _locked(response)
    now = timezone.now()
    response.status = ResponseStatus.DECLINED
    response.declined_at = now
    response.save(update_fields=["status", "declined_at"])
    record_event(
        clinic=response.clinic,
        actor=by,
        action="decline",
        obj=response,
        request=request,
        detail={"instrument": f"{response.instrument_code}-{response.instrument_version}"},
    )
    instrument = get_instrument(response.instrument_code, response.instrument_version)
    _raise_alerts(
        response=response,
        flags=[f for f in score(instrument, {}).risk_flags if f.value is None],
        by=by,
        request=request,
        from_draft=False,
    )
    return response


@transaction.atomic
def risk_alert_acknowledge(
    *, alert: RiskAlert, by: User, note: str = "", request=None
) -> RiskAlert:
    """Record that a clinician has seen the alert and acted (who, when, note); once only."""
    alert = RiskAlert.objects.for_clinic(alert.clinic_id).select_for_update().get(pk=alert.pk)
    if alert.acknowledged_at is not None:
        raise ValidationError(
            "This alert was already acknowledged on "
            f"{format_for_clinic(alert.acknowledged_at, 'datetime', alert.clinic)} "
            f"({alert.clinic.time_zone})."
        )
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationError({"note": "Keep the note under 2000 characters."})
    alert.acknowledged_at, alert.acknowledged_by, alert.acknowledgement_note = (
        timezone.now(),
        by,
        note,
    )
    alert.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement_note"])
    record_event(
        clinic=alert.clinic,
        actor=by,
        action="acknowledge",
        obj=alert,
        request=request,
        detail={"note": note, "response": str(alert.response_id)},
    )
    return alert


@transaction.atomic
def reliability_override_set(
    *,
    clinic: Clinic,
    by: User,
    instrument_code: str,
    scale_id: str = "total",
    sd: float | None = None,
    r: float | None = None,
    fixed_threshold: float | None = None,
    source: str,
    request=None,
) -> ReliabilityOverride:
    """Set (or replace) the clinic's reliability reference for one scale of an instrument."""
    require_admin_of(clinic=clinic, user=by)
    try:
        instrument = get_instrument(instrument_code)
    except UnknownInstrument as exc:
        raise ValidationError({"instrument_code": str(exc)}) from exc
    try:
        scale = instrument.scale(scale_id)
    except KeyError as exc:
        raise ValidationError({"scale_id": str(exc.args[0])}) from exc
    if not (source or "").strip():
        raise ValidationError({"source": "Say where these figures come from."})
    if sd is None and r is None and fixed_threshold is None:
        raise ValidationError("Give SD and r, or a fixed threshold in points.")
    if (sd is None) != (r is None):
        raise ValidationError({"r" if r is None else "sd": "SD and r are given together."})
    try:
        scale.reliability.overridden(sd=sd, r=r, fixed_threshold=fixed_threshold, source=source)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    override, _ = ReliabilityOverride.objects.for_clinic(clinic).update_or_create(
        clinic=clinic,
        instrument_code=instrument.code,
        scale_id=scale.id,
        defaults={
            "sd": sd,
            "r": r,
            "fixed_threshold": fixed_threshold,
            "source": source.strip(),
            "set_by": by,
            "set_at": timezone.now(),
        },
    )
    record_event(
        clinic=clinic,
        actor=by,
        action="update",
        obj=override,
        request=request,
        detail={
            "instrument": instrument.code,
            "scale": scale.id,
            "sd": sd,
            "r": r,
            "fixed_threshold": fixed_threshold,
        },
    )
    return override


@transaction.atomic
def reliability_override_remove(*, override: ReliabilityOverride, by: User, request=None) -> None:
    """Go back to the definition's own reliability reference for that scale."""
    require_admin_of(clinic=override.clinic, user=by)
    record_event(
        clinic=override.clinic,
        actor=by,
        action="delete",
        obj=override,
        request=request,
        detail={"instrument": override.instrument_code, "scale": override.scale_id},
    )
    override.delete()


@transaction.atomic
def wording_store(
    *,
    clinic: Clinic,
    by: User,
    instrument_code: str,
    instrument_version: int,
    wording: dict,
    source: str,
    file_name: str = "",
    request=None,
) -> LicensedWording:
    """Keep already-validated wording as the clinic's current wording for that instrument
    version; the previous upload is retired, not removed."""
    now = timezone.now()
    LicensedWording.objects.for_clinic(clinic).filter(
        instrument_code=instrument_code,
        instrument_version=instrument_version,
        retired_at__isnull=True,
    ).update(retired_at=now)
    stored = LicensedWording.objects.create(
        clinic=clinic,
        instrument_code=instrument_code,
        instrument_version=instrument_version,
        wording=wording,
        source=source.strip(),
        file_name=file_name[:200],
        uploaded_by=by,
        uploaded_at=now,
    )
    record_event(
        clinic=clinic,
        actor=by,
        action="upload",
        obj=stored,
        request=request,
        detail={"instrument": f"{instrument_code}-{instrument_version}", "file": file_name},
    )
    return stored


def wording_upload(
    *,
    clinic: Clinic,
    by: User,
    instrument_code: str,
    content: bytes | str,
    file_name: str,
    source: str,
    instrument_version: int | None = None,
    request=None,
) -> LicensedWording:
    """Validate an uploaded JSON or CSV of item wording against the definition and keep it as the
    clinic's wording for that instrument version; every problem comes back as a field error."""
    require_admin_of(clinic=clinic, user=by)
    try:
        instrument = get_instrument(instrument_code, instrument_version)
    except UnknownInstrument as exc:
        raise ValidationError({"instrument_code": str(exc)}) from exc
    if not (source or "").strip():
        raise ValidationError(
            {"source": "Say where the wording comes from and under what licence you use it."}
        )
    fmt = wording_format(file_name or "")
    if fmt is None:
        raise ValidationError({"file": "Upload a .json or .csv file."})
    check = validate_wording(instrument, content, fmt)
    if not check.ok or check.wording is None:
        raise ValidationError({"file": list(check.errors)})
    wording = {
        "items": {str(n): text for n, text in check.wording.items.items()},
        "instructions": check.wording.instructions,
        # a list per item (jsonb keeps list order, not key order): the order the form shows
        "anchors": {
            str(n): [[value, label] for value, label in pairs]
            for n, pairs in check.wording.anchors.items()
        },
    }
    return wording_store(
        clinic=clinic,
        by=by,
        instrument_code=instrument.code,
        instrument_version=instrument.version,
        wording=wording,
        source=source,
        file_name=file_name,
        request=request,
    )


@transaction.atomic
def wording_retire(*, wording: LicensedWording, by: User, request=None) -> LicensedWording:
    """Stop using an uploaded wording (kept for the record)."""
    if wording.retired_at is None:
        wording.retired_at = timezone.now()
        wording.save(update_fields=["retired_at"])
        record_event(clinic=wording.clinic, actor=by, action="retire", obj=wording, request=request)
    return wording
