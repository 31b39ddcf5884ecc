"""Writes with rules for what partners log: practices, time-outs and daily check-ins.

A log belongs to one partner of the couple. Its author may correct it for 24 hours; then it
is locked. Nothing is deleted: a log taken back is voided, keeping who, when and why.
Every change writes its audit event in the same transaction.
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit import record_event
from clinic.date_style import format_for_clinic
from clinic.models import Client, Couple, User
from sessions.homework.selectors import running_time_out_agreement
from sessions.homework.services import check_partner_of
from sessions.models import (
    CheckIn,
    Homework,
    HomeworkKind,
    JointPractice,
    PracticeLog,
    RegulationZone,
    TimeOutLog,
)
from sessions.models.homework import CORRECTION_WINDOW, ClientLog

# Phone clocks drift; a log a few minutes "in the future" is a clock, not a typo.
CLOCK_SKEW = timedelta(minutes=5)
MAX_PRACTICE_MINUTES = 240
MAX_MINUTES_APART = 10080

PRACTICE_FIELDS = (
    "homework",
    "practiced_at",
    "minutes",
    "before_zone",
    "before_intensity",
    "after_zone",
    "after_intensity",
    "note",
    "together",
)
TIME_OUT_FIELDS = (
    "homework",
    "started_at",
    "called_by",
    "minutes_apart",
    "reconvened",
    "reconvene_note",
    "intensity",
    "note",
)
CHECK_IN_FIELDS = ("checked_at", "zone", "intensity", "note")
FIELDS_OF = {PracticeLog: PRACTICE_FIELDS, TimeOutLog: TIME_OUT_FIELDS, CheckIn: CHECK_IN_FIELDS}
WHEN_FIELD = {PracticeLog: "practiced_at", TimeOutLog: "started_at", CheckIn: "checked_at"}


def _check_open(couple: Couple, partner: Client) -> None:
    if couple.archived_at is not None:
        raise ValidationError("This couple's case is archived; nothing more can be logged.")
    check_partner_of(couple, partner)


def _check_when(field: str, when: datetime | None) -> None:
    if when is None:
        raise ValidationError({field: "Say when this happened."})
    if timezone.is_naive(when):
        raise ValidationError({field: "The time must carry a time zone."})
    if when > timezone.now() + CLOCK_SKEW:
        raise ValidationError({field: "This time is in the future."})


def _check_zone(field: str, zone: str, *, required: bool = False) -> None:
    if zone in ("", None):
        if required:
            raise ValidationError({field: "Choose how you felt."})
        return
    if zone not in RegulationZone.values:
        raise ValidationError({field: f"Unknown zone {zone!r}."})


def _check_intensity(field: str, value, *, required: bool = False) -> None:
    if value is None:
        if required:
            raise ValidationError({field: "Give a number from 0 to 10."})
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise ValidationError({field: "Give a whole number from 0 to 10."})


def _check_practice(couple: Couple, partner: Client, values: dict) -> None:
    homework: Homework | None = values.get("homework")
    if homework is None:
        raise ValidationError({"homework": "Choose which homework you practised."})
    if (
        homework.couple_id != couple.pk
        or homework.kind == HomeworkKind.TIME_OUT
        or homework.partner_id not in (None, partner.pk)
        or homework.archived_at is not None
    ):
        raise ValidationError({"homework": "This is not one of your practices."})
    together = values.get("together")
    if together is not None and (
        together.couple_id != couple.pk or together.homework_id != homework.pk
    ):
        raise ValidationError({"together": "This is not a practice you were doing together."})
    _check_when("practiced_at", values.get("practiced_at"))
    day = timezone.localtime(values["practiced_at"], couple.clinic.tz).date()
    if not homework.is_due_on(day):
        raise ValidationError(
            {
                "practiced_at": f"“{homework.title}” was not running on {format_for_clinic(day, 'date', couple.clinic)}."
            }
        )
    minutes = values.get("minutes")
    if (
        isinstance(minutes, bool)
        or not isinstance(minutes, int)
        or not 1 <= minutes <= MAX_PRACTICE_MINUTES
    ):
        raise ValidationError(
            {"minutes": f"Give the minutes you practised, 1 to {MAX_PRACTICE_MINUTES}."}
        )
    for moment in ("before", "after"):
        _check_zone(f"{moment}_zone", values.get(f"{moment}_zone", ""))
        _check_intensity(f"{moment}_intensity", values.get(f"{moment}_intensity"))


def _check_time_out(couple: Couple, partner: Client, values: dict) -> None:
    homework: Homework | None = values.get("homework")
    if homework is not None and (homework.couple_id != couple.pk or not homework.is_time_out):
        raise ValidationError({"homework": "This is not your time-out agreement."})
    _check_when("started_at", values.get("started_at"))
    called_by = values.get("called_by")
    if called_by is None:
        raise ValidationError({"called_by": "Say who called the time-out."})
    check_partner_of(couple, called_by, "called_by")
    minutes = values.get("minutes_apart")
    if (
        isinstance(minutes, bool)
        or not isinstance(minutes, int)
        or not 0 <= minutes <= MAX_MINUTES_APART
    ):
        raise ValidationError(
            {"minutes_apart": "Give the minutes you spent apart, up to a week (10080)."}
        )
    if not isinstance(values.get("reconvened"), bool):
        raise ValidationError({"reconvened": "Say whether you came back together."})
    _check_intensity("intensity", values.get("intensity"))


def _check_check_in(couple: Couple, partner: Client, values: dict) -> None:
    _check_when("checked_at", values.get("checked_at"))
    _check_zone("zone", values.get("zone", ""), required=True)
    _check_intensity("intensity", values.get("intensity"), required=True)


CHECKS = {PracticeLog: _check_practice, TimeOutLog: _check_time_out, CheckIn: _check_check_in}


def _create(model, *, couple: Couple, partner: Client, by: User, values: dict, request):
    _check_open(couple, partner)
    unknown = set(values) - set(FIELDS_OF[model])
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "Not part of this entry."})
    CHECKS[model](couple, partner, values)
    log = model.objects.create(
        clinic=couple.clinic, couple=couple, partner=partner, author=by, **values
    )
    record_event(
        clinic=couple.clinic,
        actor=by,
        action="create",
        obj=log,
        request=request,
        detail={"couple": str(couple.pk), "partner": str(partner.pk)},
    )
    return log


@transaction.atomic
def practice_log_create(
    *,
    couple: Couple,
    partner: Client,
    by: User,
    homework: Homework,
    practiced_at: datetime,
    minutes: int,
    before_zone: str = "",
    before_intensity: int | None = None,
    after_zone: str = "",
    after_intensity: int | None = None,
    note: str = "",
    together: JointPractice | None = None,
    request=None,
) -> PracticeLog:
    """Log one practice of the partner's (or the couple's) practice or task, on a day it runs;
    `together` when the partners breathed together (each logs their own)."""
    return _create(
        PracticeLog,
        couple=couple,
        partner=partner,
        by=by,
        values={
            "homework": homework,
            "practiced_at": practiced_at,
            "minutes": minutes,
            "before_zone": before_zone or "",
            "before_intensity": before_intensity,
            "after_zone": after_zone or "",
            "after_intensity": after_intensity,
            "note": (note or "").strip(),
            "together": together,
        },
        request=request,
    )


def time_out_caller(*, couple: Couple, partner: Client, who: str) -> Client:
    """Who called the time-out, from the logging partner's side: "me" or "partner"."""
    if who == "me":
        return partner
    if who == "partner":
        return couple.other_partner(partner)
    raise ValidationError({"called_by": "Say whether you or your partner called the time-out."})


@transaction.atomic
def time_out_log_create(
    *,
    couple: Couple,
    partner: Client,
    by: User,
    started_at: datetime,
    called_by: Client,
    minutes_apart: int,
    reconvened: bool,
    reconvene_note: str = "",
    intensity: int | None = None,
    note: str = "",
    homework: Homework | None = None,
    request=None,
) -> TimeOutLog:
    """Log a time-out: when, who called it, how long apart, whether and how they reconvened.

    Without an explicit agreement the time-out belongs to the couple's running time-out
    agreement, whichever channel logged it, so reports and adherence read the same data."""
    if homework is None:
        homework = running_time_out_agreement(couple=couple)
    return _create(
        TimeOutLog,
        couple=couple,
        partner=partner,
        by=by,
        values={
            "homework": homework,
            "started_at": started_at,
            "called_by": called_by,
            "minutes_apart": minutes_apart,
            "reconvened": reconvened,
            "reconvene_note": (reconvene_note or "").strip(),
            "intensity": intensity,
            "note": (note or "").strip(),
        },
        request=request,
    )


@transaction.atomic
def check_in_create(
    *,
    couple: Couple,
    partner: Client,
    by: User,
    zone: str,
    intensity: int,
    checked_at: datetime | None = None,
    note: str = "",
    request=None,
) -> CheckIn:
    """Record a daily check-in: window-of-tolerance zone and distress 0-10 (a self-rating)."""
    return _create(
        CheckIn,
        couple=couple,
        partner=partner,
        by=by,
        values={
            "checked_at": checked_at or timezone.now(),
            "zone": zone,
            "intensity": intensity,
            "note": (note or "").strip(),
        },
        request=request,
    )


def _lock(log: ClientLog) -> ClientLog:
    return type(log).objects.for_clinic(log.clinic).select_for_update().get(pk=log.pk)


def _check_author_window(log: ClientLog, by: User, verb: str) -> None:
    if log.author_id != by.pk:
        raise ValidationError(f"Only the person who wrote this entry can {verb} it.")
    if log.voided_at is not None:
        raise ValidationError("This entry was taken back and can no longer be changed.")
    if log.is_locked():
        raise ValidationError(
            f"Entries can be changed for {int(CORRECTION_WINDOW.total_seconds() // 3600)} hours; "
            "this one is now part of your record. Add a note in a new entry instead."
        )


@transaction.atomic
def log_correct(*, log: ClientLog, by: User, request=None, **fields):
    """Correct a log: only its author, only within 24 hours of writing it. The audit event
    keeps the values it replaced."""
    log = _lock(log)
    _check_author_window(log, by, "correct")
    model = type(log)
    unknown = set(fields) - set(FIELDS_OF[model])
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "This cannot be changed."})
    values = {name: getattr(log, name) for name in FIELDS_OF[model]}
    values.update(fields)
    for name in ("note", "reconvene_note"):
        if name in values:
            values[name] = (values[name] or "").strip()
    CHECKS[model](log.couple, log.partner, values)
    changed = sorted(name for name in FIELDS_OF[model] if getattr(log, name) != values[name])
    if not changed:
        return log
    before = {name: _plain(getattr(log, name)) for name in changed}
    for name in changed:
        setattr(log, name, values[name])
    log.corrected_at = timezone.now()
    log.save()
    record_event(
        clinic=log.clinic,
        actor=by,
        action="correct",
        obj=log,
        request=request,
        detail={"fields": changed, "before": before},
    )
    return log


@transaction.atomic
def log_void(
    *,
    log: ClientLog,
    by: User,
    reason: str,
    staff: bool = False,
    request=None,
):
    """Take a log back: the row stays, marked with who, when and why. Its author may do this
    within 24 hours; staff may at any time (e.g. an entry made in error)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this entry is taken back."})
    log = _lock(log)
    if log.voided_at is not None:
        raise ValidationError("This entry was already taken back.")
    if not staff:
        _check_author_window(log, by, "take back")
    log.voided_at, log.voided_by, log.void_reason = timezone.now(), by, reason
    log.save(update_fields=["voided_at", "voided_by", "void_reason"])
    record_event(
        clinic=log.clinic,
        actor=by,
        action="void",
        obj=log,
        request=request,
        detail={"reason": reason},
    )
    return log


def _plain(value):
    """A JSON-able form of a field value for the audit trail."""
    if hasattr(value, "pk"):
        return str(value.pk)
    if isinstance(value, datetime):
        return value.isoformat()
    return value
