"""Builders of the sessions app's models for the route walk (see tests/world.py), and the small
constructors the sessions tests share. Each area adds its own section below; keep them apart."""

from datetime import timedelta

from django.utils import timezone

from sessions.models import (
    JointPractice,
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
        couple.therapists.add(therapist, through_defaults=couple.assignment_defaults)
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
    """A note signed by its author (no co-signature needed), its risk answered ("none")."""
    fields.setdefault("risk_level", "none")
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


# --- homework, logs, check-ins, measurements ------------------------------------------------
from sessions.homework.services import homework_create  # noqa: E402
from sessions.models import (  # noqa: E402
    CheckIn,
    Homework,
    HomeworkKind,
    Measurement,
    MeasurementImport,
    PracticeLog,
    TimeOutLog,
)


def make_practice(couple, *, partner=None, **fields):
    """A practice homework (resonance breathing, 5 a week) of `partner` or the couple,
    running since a week ago unless `fields` say otherwise."""
    fields.setdefault("start_date", timezone.localdate() - timedelta(days=7))
    fields.setdefault("target_per_week", 5)
    fields.setdefault("title", "Resonance breathing")
    fields.setdefault("technique", "resonance_breathing")
    fields.setdefault("minutes", 15)
    return Homework.objects.create(
        clinic=couple.clinic, couple=couple, partner=partner, kind=HomeworkKind.PRACTICE, **fields
    )


DEFAULT_TERMS = {
    "signal": "Pause, please (hand raised)",
    "calm_plan_a": "Walk around the block",
    "calm_plan_b": "Slow breathing on the balcony",
    "reconvene_plan": "Back in the kitchen at the time named, for ten minutes",
    "agree_not_to": "No following, no texting during the break",
}


def make_agreement(couple, *, by=None, **terms):
    """A time-out agreement (version 1) made through the service, as a therapist would."""
    by = by or couple.therapists.first()
    return homework_create(
        couple=couple,
        by=by,
        kind="time_out",
        start_date=timezone.localdate(),
        terms={**DEFAULT_TERMS, **terms},
    )


def make_practice_log(couple, partner, *, homework=None, **fields):

    homework = homework or make_practice(couple, partner=partner)
    fields.setdefault("practiced_at", timezone.now() - timedelta(hours=1))
    fields.setdefault("minutes", 15)
    return PracticeLog.objects.create(
        clinic=couple.clinic,
        couple=couple,
        partner=partner,
        author=partner.portal_user,
        homework=homework,
        **fields,
    )


def make_time_out_log(couple, partner, **fields):

    fields.setdefault("started_at", timezone.now() - timedelta(hours=3))
    fields.setdefault("called_by", partner)
    fields.setdefault("minutes_apart", 30)
    fields.setdefault("reconvened", True)
    return TimeOutLog.objects.create(
        clinic=couple.clinic, couple=couple, partner=partner, author=partner.portal_user, **fields
    )


def make_check_in(couple, partner, **fields):

    fields.setdefault("checked_at", timezone.now() - timedelta(minutes=10))
    fields.setdefault("zone", "within")
    fields.setdefault("intensity", 3)
    return CheckIn.objects.create(
        clinic=couple.clinic, couple=couple, partner=partner, author=partner.portal_user, **fields
    )


def make_measurement(couple, partner, **fields):

    fields.setdefault("kind", "hrv_rmssd")
    fields.setdefault("value", 42.0)
    fields.setdefault("unit", "ms")
    fields.setdefault("measured_at", timezone.now() - timedelta(hours=2))
    fields.setdefault("source", "manual")
    return Measurement.objects.create(
        clinic=couple.clinic, couple=couple, partner=partner, **fields
    )


def make_measurement_import(couple, partner, **fields):

    fields.setdefault("format", "generic_csv")
    return MeasurementImport.objects.create(
        clinic=couple.clinic, couple=couple, partner=partner, **fields
    )


@builder(Homework, individual=True)
def _homework(couple, partner):
    return make_practice(couple, partner=partner)


builder(PracticeLog, individual=True)(make_practice_log)
builder(TimeOutLog, individual=True)(make_time_out_log)
builder(CheckIn, individual=True)(make_check_in)
builder(Measurement, individual=True)(make_measurement)
builder(MeasurementImport, individual=True)(make_measurement_import)


# --- guided practice ---------------------------------------------------------------------------


def make_joint_practice(couple, *, started_by=None, homework=None, **fields):
    """Breathing together on a couple practice (resonance), starting now unless told."""
    homework = homework or make_practice(couple)
    fields.setdefault("starts_at", timezone.now())
    fields.setdefault("minutes", 10)
    return JointPractice.objects.create(
        clinic=couple.clinic,
        couple=couple,
        homework=homework,
        started_by=started_by or couple.partner_a,
        **fields,
    )


@builder(JointPractice)
def _joint_practice(couple, partner):
    return make_joint_practice(couple, started_by=partner)
