"""Builders of the sessions app's models for the route walk (see tests/world.py), and the small
constructors the sessions tests share. Each area adds its own section below; keep them apart."""

from datetime import timedelta

from django.utils import timezone

from sessions.models import (
    NoteState,
    SessionKind,
    SessionNote,
    SessionStatus,
    TherapySession,
)
from tests.world import builder

# --- therapy sessions and notes -------------------------------------------------------------


def make_session(couple, *, therapist=None, **fields) -> TherapySession:
    """A saved session of `couple` (joint, scheduled tomorrow unless `fields` say otherwise)."""
    therapist = therapist or couple.therapists.first()
    if therapist is None:
        from tests.factories import MembershipFactory

        therapist = MembershipFactory(clinic=couple.clinic).user
        couple.therapists.add(therapist)
    fields.setdefault("starts_at", timezone.now() + timedelta(days=1))
    if fields.get("kind") == SessionKind.INDIVIDUAL:
        fields.setdefault("partner", couple.partner_a)
    return TherapySession.objects.create(
        clinic=couple.clinic, couple=couple, therapist=therapist, **fields
    )


def make_held_session(couple, **fields) -> TherapySession:
    """A joint session held yesterday with both partners (individual: its partner only)."""
    fields.setdefault("starts_at", timezone.now() - timedelta(days=1))
    individual = fields.get("kind") == SessionKind.INDIVIDUAL
    partner = fields.get("partner", couple.partner_a) if individual else None
    fields.setdefault("partner_a_attended", partner == couple.partner_a if individual else True)
    fields.setdefault("partner_b_attended", partner == couple.partner_b if individual else True)
    return make_session(couple, status=SessionStatus.HELD, **fields)


def make_note(session=None, *, couple=None, author=None, **fields) -> SessionNote:
    """A draft SOAP note of a held session (a new one of `couple` when no session is given)."""
    session = session or make_held_session(couple)
    fields.setdefault("template", "soap")
    fields.setdefault("sections", {"subjective": "", "objective": "", "assessment": "", "plan": ""})
    return SessionNote.objects.create(
        clinic=session.clinic, session=session, author=author or session.therapist, **fields
    )


def make_signed_note(session=None, *, couple=None, **fields) -> SessionNote:
    """A note signed by its author (no co-signature needed)."""
    note = make_note(session, couple=couple, **fields)
    SessionNote.objects.filter(pk=note.pk).update(
        state=NoteState.SIGNED, signed_at=timezone.now(), signed_by=note.author
    )
    note.refresh_from_db()
    return note


@builder(TherapySession)
def _therapy_session(couple, partner):
    return make_session(couple)


@builder(SessionNote)
def _session_note(couple, partner):
    return make_note(couple=couple)
