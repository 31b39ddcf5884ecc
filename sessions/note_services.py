"""Writes with rules for session notes: start a draft, edit it (optimistic concurrency), sign,
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

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from clinic.audit import record_event
from clinic.models import Membership, Role, User
from sessions.models import (
    NoteAddendum,
    NoteState,
    SessionNote,
    SessionStatus,
    TherapySession,
)
from sessions.note_content import (
    TEMPLATE_SECTIONS,
    NoteContent,
    NoteContentError,
    check_complete,
    check_draft,
    empty_sections,
    normalise_sections,
)

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
def note_start(
    *, session: TherapySession, by: User, template: str, request=None, channel: str = "api"
) -> SessionNote:
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
        channel=channel,
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
    channel: str = "api",
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
        channel=channel,
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
def note_sign(
    *, note: SessionNote, by: User, version: int, request=None, channel: str = "api"
) -> SessionNote:
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
        channel=channel,
        detail={"state": state, "version": note.version},
    )
    return note


@transaction.atomic
def note_cosign(*, note: SessionNote, by: User, request=None, channel: str = "api") -> SessionNote:
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
    record_event(
        clinic=note.clinic, actor=by, action="cosign", obj=note, request=request, channel=channel
    )
    return note


def _active_member(note: SessionNote, user_id) -> Membership | None:
    return (
        Membership.objects.for_clinic(note.clinic).filter(user_id=user_id, is_active=True).first()
    )


@transaction.atomic
def note_cosigner_reassign(
    *, note: SessionNote, by: User, cosigner: User, request=None, channel: str = "api"
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
        channel=channel,
        detail={"from": str(previous_id), "to": str(cosigner.pk)},
    )
    return note


def note_delete(*, note: SessionNote) -> None:
    """Always refused: clinical notes are never deleted (the database refuses it too)."""
    raise NoteLockedError(
        LOCKED_MESSAGE if note.is_locked else "Notes are never deleted; edit the draft instead."
    )


@transaction.atomic
def addendum_add(
    *, note: SessionNote, by: User, text: str, request=None, channel: str = "api"
) -> NoteAddendum:
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
        channel=channel,
        detail={"addendum": str(addendum.pk)},
    )
    return addendum
