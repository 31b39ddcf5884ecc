"""Writes with rules for therapy sessions: schedule, reschedule, mark held, cancel, no-show.

Sessions are never deleted: a session that did not happen is cancelled or a no-show, with a
reason. Each service locks the session row, checks the rule, and writes its audit event in the
same transaction.

Writes with rules for session notes: start a draft, edit it (optimistic concurrency), sign,
co-sign, and add addenda to a signed note.

Rules (the database enforces the lock too; see migration 0002):
- one note per held session; only its author edits and signs the draft;
- every draft write is `UPDATE ... WHERE version = n AND signed_at IS NULL`: a stale version
  raises NoteVersionConflict carrying the current note, and nothing is overwritten;
- from the first signature the content is locked for ever (NoteLockedError); corrections are
  addenda, which are append-only;
- an author whose membership `is_supervised` signs into "awaiting co-signature"; only the
  supervisor fixed at signing may co-sign (a clinic admin may not stand in: co-signature attests
  clinical supervision, which the admin role does not imply). If that supervisor leaves the
  clinic, an admin may hand the pending co-signature to another active member (migration 0006).
Each service audits in the same transaction.
"""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from clinic.audit import record_event
from clinic.date_style import format_for_clinic
from clinic.models import Client, Couple, CoupleStatus, Membership, Role, User
from sessions.models import (
    DURATION_MAX_MINUTES,
    DURATION_MIN_MINUTES,
    NoteAddendum,
    NoteState,
    SessionKind,
    SessionModality,
    SessionNote,
    SessionStatus,
    TherapySession,
)
from sessions.therapy.note_content import (
    TEMPLATE_SECTIONS,
    NoteContent,
    NoteContentError,
    check_complete,
    check_draft,
    empty_sections,
    normalise_sections,
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
    clinic = couple.clinic
    end = other.starts_at + timedelta(minutes=other.duration_minutes)
    whose = "this couple" if other.couple_id == couple.pk else "the therapist"
    return (
        f"This time clashes with a session of {whose} on "
        f"{format_for_clinic(other.starts_at, 'day_year', clinic)}, "
        f"{format_for_clinic(other.starts_at, 'time', clinic)} to "
        f"{format_for_clinic(end, 'time', clinic)} ({other.starts_at.astimezone(clinic.tz).tzname()})."
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
) -> TherapySession:
    """Move or change a scheduled session (start, length, modality, therapist); others refuse.

    The new time may not overlap another scheduled or held session of its therapist or couple.
    """
    session = _locked(session)
    _require_scheduled(session, "rescheduled")
    changed: dict[str, list[str | int]] = {}
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
        detail={"status": status},
    )
    return session


CONTENT_FIELDS = (
    "template",
    "sections",
    "partner_a_zone",
    "partner_a_intensity",
    "partner_b_zone",
    "partner_b_intensity",
    "interventions",
    "interventions_other",
    "risk_level",
    "risk_concerns",
    "risk_plan",
)
ADDENDUM_MAX_CHARS = 5000
LOCKED_MESSAGE = "This note is signed and can no longer be changed. Add an addendum instead."


class NoteLockedError(Exception):
    """A change to a signed note (or a deletion of any note) was refused."""

    def __init__(self, message: str = LOCKED_MESSAGE) -> None:
        super().__init__(message)
        self.message = message


class NoteVersionConflict(Exception):
    """The draft changed since the caller read it; `note` is the current row."""

    def __init__(self, note: SessionNote) -> None:
        super().__init__(
            f"This note was changed elsewhere (now version {note.version}); "
            "reload it and apply your edits again."
        )
        self.note = note
        self.message = str(self)


def _content_error(exc: NoteContentError) -> ValidationError:
    return ValidationError(exc.errors)


def content_of(note: SessionNote, **changes) -> NoteContent:
    """The note's content as plain values, with `changes` applied."""
    values = {name: changes.get(name, getattr(note, name)) for name in CONTENT_FIELDS}
    values["interventions"] = tuple(values["interventions"] or ())
    return NoteContent(**values)


def _presence(session: TherapySession) -> dict[str, bool]:
    return {
        "a_present": bool(session.partner_a_attended),
        "b_present": bool(session.partner_b_attended),
    }


def _current(note: SessionNote) -> SessionNote:
    return SessionNote.objects.for_clinic(note.clinic).select_related("session").get(pk=note.pk)


def _refuse_after_failed_update(note: SessionNote) -> None:
    current = _current(note)
    if current.is_locked:
        raise NoteLockedError
    raise NoteVersionConflict(current)


@transaction.atomic
def note_start(*, session: TherapySession, by: User, template: str, request=None) -> SessionNote:
    """Open the draft note of a held session in the chosen template (one note per session)."""
    if session.status != SessionStatus.HELD:
        raise ValidationError({"session": "A note is written for a held session only."})
    try:
        sections = empty_sections(template)
    except KeyError:
        raise ValidationError({"template": f"Unknown note template '{template}'."}) from None
    if SessionNote.objects.for_clinic(session.clinic).filter(session=session).exists():
        raise ValidationError({"session": "This session already has a note."})
    try:
        with transaction.atomic():
            note = SessionNote.objects.create(
                clinic=session.clinic,
                session=session,
                author=by,
                template=template,
                sections=sections,
            )
    except IntegrityError:
        raise ValidationError({"session": "This session already has a note."}) from None
    record_event(
        clinic=session.clinic,
        actor=by,
        action="create",
        obj=note,
        request=request,
        detail={"session": str(session.pk), "template": template},
    )
    return note


def _require_author(note: SessionNote, by: User, doing: str) -> None:
    if note.author_id != by.pk:
        raise PermissionDenied(f"Only the note's author can {doing}.")


@transaction.atomic
def note_update_draft(
    *,
    note: SessionNote,
    by: User,
    version: int,
    changes: dict,
    request=None,
) -> SessionNote:
    """Apply `changes` (content fields only) to a draft read at `version`.

    Raises NoteLockedError for a signed note and NoteVersionConflict for a stale version; then
    nothing is written.
    """
    if note.is_locked:
        raise NoteLockedError
    _require_author(note, by, "edit this draft")
    unknown = set(changes) - set(CONTENT_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed here."))
    changes = dict(changes)
    if not changes:
        # Nothing to write: still tell a stale caller, but do not bump the version.
        current = _current(note)
        if current.is_locked:
            raise NoteLockedError
        if current.version != version:
            raise NoteVersionConflict(current)
        return current
    template = changes.get("template", note.template)
    if template not in TEMPLATE_SECTIONS:
        raise ValidationError({"template": f"Unknown note template '{template}'."})
    if "template" in changes and "sections" not in changes and template != note.template:
        kept = {k: v for k, v in note.sections.items() if k in empty_sections(template)}
        if any((v or "").strip() for k, v in note.sections.items() if k not in kept):
            raise ValidationError(
                {
                    "template": "Changing the template would drop written sections; send the "
                    "sections in the new template too."
                }
            )
        changes["sections"] = kept
    try:
        if "sections" in changes:
            changes["sections"] = normalise_sections(template, changes["sections"])
        if "interventions" in changes:
            changes["interventions"] = list(changes["interventions"] or [])
        check_draft(content_of(note, **changes), **_presence(note.session))
    except NoteContentError as exc:
        raise _content_error(exc) from None
    now = timezone.now()
    updated = (
        SessionNote.objects.for_clinic(note.clinic)
        .filter(pk=note.pk, version=version, signed_at__isnull=True)
        .update(**changes, version=F("version") + 1, edited_at=now)
    )
    if updated != 1:
        _refuse_after_failed_update(note)
    note = _current(note)
    record_event(
        clinic=note.clinic,
        actor=by,
        action="update",
        obj=note,
        request=request,
        detail={"fields": sorted(changes), "version": note.version},
    )
    return note


def _cosigner_for(note: SessionNote) -> User | None:
    membership = (
        Membership.objects.for_clinic(note.clinic)
        .select_related("supervisor")
        .filter(user_id=note.author_id, is_active=True)
        .first()
    )
    if membership is None or not membership.is_supervised:
        return None
    supervisor = membership.supervisor
    supervisor_active = (
        supervisor is not None
        and supervisor.pk != note.author_id
        and Membership.objects.for_clinic(note.clinic)
        .filter(user=supervisor, is_active=True)
        .exists()
    )
    if not supervisor_active:
        raise ValidationError(
            "Your notes need a supervisor's co-signature, but no active supervisor is set. "
            "Ask a clinic admin to set your supervisor."
        )
    return supervisor


@transaction.atomic
def note_sign(*, note: SessionNote, by: User, version: int, request=None) -> SessionNote:
    """Sign the draft read at `version`; its content is locked from now on.

    A supervised author's note then awaits the supervisor's co-signature.
    """
    if note.is_locked:
        raise NoteLockedError("This note is already signed.")
    _require_author(note, by, "sign it")
    current = _current(note)
    if current.is_locked:
        raise NoteLockedError("This note is already signed.")
    if current.version != version:
        raise NoteVersionConflict(current)
    try:
        check_complete(content_of(current), **_presence(current.session))
    except NoteContentError as exc:
        raise _content_error(exc) from None
    cosigner = _cosigner_for(current)
    state = NoteState.AWAITING_COSIGNATURE if cosigner else NoteState.SIGNED
    updated = (
        SessionNote.objects.for_clinic(note.clinic)
        .filter(pk=note.pk, version=version, signed_at__isnull=True)
        .update(
            state=state,
            signed_at=timezone.now(),
            signed_by=by,
            cosigner_required=cosigner,
            version=F("version") + 1,
        )
    )
    if updated != 1:
        _refuse_after_failed_update(note)
    note = _current(note)
    record_event(
        clinic=note.clinic,
        actor=by,
        action="sign",
        obj=note,
        request=request,
        detail={"state": state, "version": note.version},
    )
    return note


@transaction.atomic
def note_cosign(*, note: SessionNote, by: User, request=None) -> SessionNote:
    """Co-sign a note awaiting co-signature; only the supervisor fixed at signing may."""
    if note.state == NoteState.DRAFT:
        raise ValidationError("The author must sign this note before it can be co-signed.")
    if note.state != NoteState.AWAITING_COSIGNATURE:
        raise NoteLockedError("This note does not await a co-signature.")
    if note.cosigner_required_id != by.pk:
        raise PermissionDenied("Only the author's supervisor can co-sign this note.")
    updated = (
        SessionNote.objects.for_clinic(note.clinic)
        .filter(
            pk=note.pk,
            state=NoteState.AWAITING_COSIGNATURE,
            cosigned_at__isnull=True,
            cosigner_required=by,
        )
        .update(state=NoteState.SIGNED, cosigned_at=timezone.now(), cosigned_by=by)
    )
    if updated != 1:
        raise NoteLockedError("This note does not await a co-signature.")
    note = _current(note)
    record_event(clinic=note.clinic, actor=by, action="cosign", obj=note, request=request)
    return note


def _active_member(note: SessionNote, user_id) -> Membership | None:
    return (
        Membership.objects.for_clinic(note.clinic).filter(user_id=user_id, is_active=True).first()
    )


@transaction.atomic
def note_cosigner_reassign(
    *, note: SessionNote, by: User, cosigner: User, request=None
) -> SessionNote:
    """Hand a pending co-signature to another active member, when the co-signer fixed at signing
    is no longer an active member; clinic admins only. The note's content stays locked."""
    acting = _active_member(note, by.pk)
    if acting is None or acting.role != Role.ADMIN:
        raise PermissionDenied("Only a clinic admin can reassign a note's co-signer.")
    current = _current(note)
    if current.state != NoteState.AWAITING_COSIGNATURE or current.cosigned_at is not None:
        raise ValidationError({"cosigner": "This note does not await a co-signature."})
    previous_id = current.cosigner_required_id
    if _active_member(current, previous_id) is not None:
        # The supervisor fixed at signing is still here: they attest the supervision.
        raise ValidationError(
            {"cosigner": "The current co-signer is still an active member; ask them to co-sign."}
        )
    if cosigner.pk == current.author_id:
        raise ValidationError({"cosigner": "The note's author cannot co-sign their own note."})
    if _active_member(current, cosigner.pk) is None:
        raise ValidationError({"cosigner": "Choose an active member of this clinic."})
    updated = (
        SessionNote.objects.for_clinic(note.clinic)
        .filter(
            pk=note.pk,
            state=NoteState.AWAITING_COSIGNATURE,
            cosigned_at__isnull=True,
            cosigner_required_id=previous_id,
        )
        .update(cosigner_required=cosigner)
    )
    if updated != 1:
        raise ValidationError({"cosigner": "The note changed meanwhile; reload it and retry."})
    note = _current(note)
    record_event(
        clinic=note.clinic,
        actor=by,
        action="reassign_cosigner",
        obj=note,
        request=request,
        detail={"from": str(previous_id), "to": str(cosigner.pk)},
    )
    return note


def note_delete(*, note: SessionNote) -> None:
    """Always refused: clinical notes are never deleted (the database refuses it too)."""
    raise NoteLockedError(
        LOCKED_MESSAGE if note.is_locked else "Notes are never deleted; edit the draft instead."
    )


@transaction.atomic
def addendum_add(*, note: SessionNote, by: User, text: str, request=None) -> NoteAddendum:
    """Append a correction or addition to a signed note (append-only; never edited)."""
    text = (text or "").strip()
    if not note.is_locked:
        raise ValidationError(
            {"text": "Addenda are added to signed notes; edit the draft instead."}
        )
    if not text:
        raise ValidationError({"text": "Write the addendum."})
    if len(text) > ADDENDUM_MAX_CHARS:
        raise ValidationError({"text": f"An addendum is at most {ADDENDUM_MAX_CHARS} characters."})
    addendum = NoteAddendum.objects.create(clinic=note.clinic, note=note, author=by, text=text)
    record_event(
        clinic=note.clinic,
        actor=by,
        action="addendum",
        obj=note,
        request=request,
        detail={"addendum": str(addendum.pk)},
    )
    return addendum
