"""Writes with rules for therapy sessions: schedule, reschedule, mark held, cancel, no-show.

Sessions are never deleted: a session that did not happen is cancelled or a no-show, with a
reason. Each service locks the session row, checks the rule, and writes its audit event in the
same transaction.
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from clinic.audit import record_event
from clinic.models import Client, Couple, CoupleStatus, Membership, User
from sessions.models import (
    DURATION_MAX_MINUTES,
    DURATION_MIN_MINUTES,
    SessionKind,
    SessionModality,
    SessionStatus,
    TherapySession,
)


def _check_starts_at(starts_at: datetime) -> None:
    if not isinstance(starts_at, datetime) or timezone.is_naive(starts_at):
        raise ValidationError(
            {"starts_at": "Give the start as a date and time with its UTC offset."}
        )


def _check_duration(minutes: int) -> None:
    if not DURATION_MIN_MINUTES <= minutes <= DURATION_MAX_MINUTES:
        raise ValidationError(
            {
                "duration_minutes": f"A session lasts between {DURATION_MIN_MINUTES} and "
                f"{DURATION_MAX_MINUTES} minutes."
            }
        )


def _check_modality(modality: str) -> None:
    if modality not in SessionModality.values:
        raise ValidationError({"modality": f"Unknown modality '{modality}'."})


def _check_therapist(*, couple: Couple, therapist: User) -> None:
    assigned = couple.therapists.filter(pk=therapist.pk).exists()
    active = (
        Membership.objects.for_clinic(couple.clinic).filter(user=therapist, is_active=True).exists()
    )
    if not (assigned and active):
        raise ValidationError(
            {"therapist": "The session's therapist must be assigned to this couple."}
        )


def _check_couple_open(couple: Couple) -> None:
    if couple.archived_at is not None:
        raise ValidationError("This couple is archived; sessions can no longer be scheduled.")
    if couple.status == CoupleStatus.DISCHARGED:
        raise ValidationError("This couple is discharged; re-open the case to schedule sessions.")


BOOKED = (SessionStatus.SCHEDULED, SessionStatus.HELD)


def _serialise_bookings(*keys: object) -> None:
    """Hold transaction-scoped advisory locks on the therapist and the couple, so two
    concurrent bookings of the same slot cannot both pass the clash check."""
    if connection.vendor != "postgresql":
        return  # SQLite (quick start) serialises writers already.
    with connection.cursor() as cursor:
        for key in sorted(str(k) for k in keys):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def _check_no_clash(
    *,
    couple: Couple,
    therapist_id: object,
    starts_at: datetime,
    duration_minutes: int,
    exclude: TherapySession | None = None,
) -> None:
    """Refuse a time overlapping another scheduled or held session of the same therapist or
    the same couple; the message names the clashing session's time in the clinic's zone."""
    _serialise_bookings(f"therapist:{therapist_id}", f"couple:{couple.pk}")
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    # No session is longer than the maximum, so earlier starts cannot reach this one.
    candidates = (
        TherapySession.objects.for_clinic(couple.clinic)
        .filter(Q(therapist_id=therapist_id) | Q(couple=couple), status__in=BOOKED)
        .filter(
            starts_at__lt=ends_at,
            starts_at__gt=starts_at - timedelta(minutes=DURATION_MAX_MINUTES),
        )
        .order_by("starts_at")
    )
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    for other in candidates:
        if other.starts_at + timedelta(minutes=other.duration_minutes) > starts_at:
            raise ValidationError({"starts_at": _clash_message(other, couple=couple)})


def _clash_message(other: TherapySession, *, couple: Couple) -> str:
    tz = couple.clinic.tz
    start = other.starts_at.astimezone(tz)
    end = (other.starts_at + timedelta(minutes=other.duration_minutes)).astimezone(tz)
    whose = "this couple" if other.couple_id == couple.pk else "the therapist"
    return (
        f"This time clashes with a session of {whose} on {start:%a %d %b %Y}, "
        f"{start:%H:%M} to {end:%H:%M} ({start.tzname()})."
    )


def _locked(session: TherapySession) -> TherapySession:
    """The session re-read under a row lock, so two concurrent status changes serialise."""
    return (
        TherapySession.objects.for_clinic(session.clinic)
        .select_for_update()
        .select_related("couple", "clinic")
        .get(pk=session.pk)
    )


def _require_scheduled(session: TherapySession, doing: str) -> None:
    if session.status != SessionStatus.SCHEDULED:
        raise ValidationError(
            {
                "status": f"Only a scheduled session can be {doing}; "
                f"this one is {session.get_status_display().lower()}."
            }
        )


@transaction.atomic
def session_schedule(
    *,
    couple: Couple,
    by: User,
    starts_at: datetime,
    duration_minutes: int = 50,
    kind: str = SessionKind.JOINT,
    partner: Client | None = None,
    modality: str = SessionModality.IN_PERSON,
    therapist: User | None = None,
    request=None,
    channel: str = "api",
) -> TherapySession:
    """Book a session for the couple: joint (no partner) or individual (one of its partners).

    The therapist defaults to the booking user and must be assigned to the couple; the time may
    not overlap another scheduled or held session of the therapist or of the couple.
    """
    _check_couple_open(couple)
    _check_starts_at(starts_at)
    _check_duration(duration_minutes)
    _check_modality(modality)
    if kind == SessionKind.JOINT:
        if partner is not None:
            raise ValidationError({"partner": "A joint session is with both partners."})
    elif kind == SessionKind.INDIVIDUAL:
        if partner is None:
            raise ValidationError({"partner": "Choose the partner seen in this session."})
        if partner.pk not in (couple.partner_a_id, couple.partner_b_id):
            raise ValidationError({"partner": "This person is not a partner of this couple."})
    else:
        raise ValidationError({"kind": f"Unknown session kind '{kind}'."})
    therapist = therapist or by
    _check_therapist(couple=couple, therapist=therapist)
    _check_no_clash(
        couple=couple,
        therapist_id=therapist.pk,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
    )
    session = TherapySession.objects.create(
        clinic=couple.clinic,
        couple=couple,
        kind=kind,
        partner=partner,
        therapist=therapist,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        modality=modality,
        created_by=by,
    )
    record_event(
        clinic=couple.clinic,
        actor=by,
        action="create",
        obj=session,
        request=request,
        channel=channel,
        detail={"couple": str(couple.pk), "kind": kind, "starts_at": starts_at.isoformat()},
    )
    return session


@transaction.atomic
def session_reschedule(
    *,
    session: TherapySession,
    by: User,
    starts_at: datetime | None = None,
    duration_minutes: int | None = None,
    modality: str | None = None,
    therapist: User | None = None,
    request=None,
    channel: str = "api",
) -> TherapySession:
    """Move or change a scheduled session (start, length, modality, therapist); others refuse.

    The new time may not overlap another scheduled or held session of its therapist or couple.
    """
    session = _locked(session)
    _require_scheduled(session, "rescheduled")
    changed: dict[str, list[str]] = {}
    if starts_at is not None:
        _check_starts_at(starts_at)
        if starts_at != session.starts_at:
            changed["starts_at"] = [session.starts_at.isoformat(), starts_at.isoformat()]
            session.starts_at = starts_at
    if duration_minutes is not None:
        _check_duration(duration_minutes)
        if duration_minutes != session.duration_minutes:
            changed["duration_minutes"] = [session.duration_minutes, duration_minutes]
            session.duration_minutes = duration_minutes
    if modality is not None:
        _check_modality(modality)
        if modality != session.modality:
            changed["modality"] = [session.modality, modality]
            session.modality = modality
    if therapist is not None and therapist.pk != session.therapist_id:
        _check_therapist(couple=session.couple, therapist=therapist)
        changed["therapist"] = [str(session.therapist_id), str(therapist.pk)]
        session.therapist = therapist
    if {"starts_at", "duration_minutes", "therapist"} & set(changed):
        _check_no_clash(
            couple=session.couple,
            therapist_id=session.therapist_id,
            starts_at=session.starts_at,
            duration_minutes=session.duration_minutes,
            exclude=session,
        )
    if changed:
        session.save()
    record_event(
        clinic=session.clinic,
        actor=by,
        action="reschedule",
        obj=session,
        request=request,
        channel=channel,
        detail={"changed": changed},
    )
    return session


def _attendance(
    session: TherapySession, a_attended: bool | None, b_attended: bool | None
) -> tuple[bool, bool]:
    couple = session.couple
    if session.kind == SessionKind.INDIVIDUAL:
        # An individual session's attendee is its partner; nothing else is possible.
        expected = (
            session.partner_id == couple.partner_a_id,
            session.partner_id == couple.partner_b_id,
        )
        given = (a_attended, b_attended)
        if any(g is not None and g != e for g, e in zip(given, expected, strict=True)):
            raise ValidationError(
                {"attendance": "An individual session is attended by its partner only."}
            )
        return expected
    if a_attended is None or b_attended is None:
        raise ValidationError({"attendance": "Say whether each partner attended."})
    if not (a_attended or b_attended):
        raise ValidationError(
            {"attendance": "Neither partner attended: record a no-show instead of a held session."}
        )
    return bool(a_attended), bool(b_attended)


@transaction.atomic
def session_mark_held(
    *,
    session: TherapySession,
    by: User,
    partner_a_attended: bool | None = None,
    partner_b_attended: bool | None = None,
    request=None,
    channel: str = "api",
) -> TherapySession:
    """Record that a scheduled session took place and who attended.

    A joint session may be held with one partner absent (not with none); an individual session
    is attended by its partner. A session cannot be held before it starts.
    """
    session = _locked(session)
    _require_scheduled(session, "marked held")
    if session.starts_at > timezone.now():
        raise ValidationError({"status": "A session cannot be marked held before it starts."})
    a, b = _attendance(session, partner_a_attended, partner_b_attended)
    session.partner_a_attended, session.partner_b_attended = a, b
    _set_status(session, by, SessionStatus.HELD, reason="")
    record_event(
        clinic=session.clinic,
        actor=by,
        action="held",
        obj=session,
        request=request,
        channel=channel,
        detail={"partner_a_attended": a, "partner_b_attended": b},
    )
    return session


def _set_status(session: TherapySession, by: User, status: str, *, reason: str) -> None:
    session.status = status
    session.status_reason = reason
    session.status_changed_at = timezone.now()
    session.status_changed_by = by
    session.save()


@transaction.atomic
def session_cancel(
    *,
    session: TherapySession,
    by: User,
    reason: str,
    no_show: bool = False,
    request=None,
    channel: str = "api",
) -> TherapySession:
    """Cancel a scheduled session, or record that nobody came (`no_show`); a reason is required.

    The session stays on record (soft cancel). A no-show cannot be recorded before the start.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {
                "reason": "Give a reason for the no-show."
                if no_show
                else "Give a reason for cancelling."
            }
        )
    session = _locked(session)
    _require_scheduled(session, "marked a no-show" if no_show else "cancelled")
    if no_show and session.starts_at > timezone.now():
        raise ValidationError({"status": "A no-show cannot be recorded before the session starts."})
    status = SessionStatus.NO_SHOW if no_show else SessionStatus.CANCELLED
    _set_status(session, by, status, reason=reason)
    record_event(
        clinic=session.clinic,
        actor=by,
        action="no_show" if no_show else "cancel",
        obj=session,
        request=request,
        channel=channel,
        detail={"status": status},
    )
    return session
