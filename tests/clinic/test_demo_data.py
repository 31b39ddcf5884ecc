"""The demo data is what a therapist would believe: every couple has a history, partners have
their own names and birthdays, the time-out agreement is accepted before any time-out, notes
differ from week to week, and no instrument is assigned twice to one partner."""

from collections import Counter

import pytest

from assessments.models import Assignment, Response
from clinic.demo import seed_demo
from clinic.models import Couple
from clinic.tenancy import across_clinics
from sessions.models import AgreementResponse, SessionNote, TherapySession, TimeOutLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    seed_demo()
    with across_clinics():
        yield list(Couple.objects.select_related("partner_a", "partner_b", "clinic"))


def test_every_demo_couple_has_a_history(demo):
    assert len(demo) == 7
    for couple in demo:
        assert TherapySession.objects.filter(couple=couple, status="held").exists(), couple
        assert Response.objects.filter(couple=couple, status="submitted").exists(), couple


def test_partners_have_their_own_surnames_and_birthdays(demo):
    for couple in demo:
        a, b = couple.partner_a, couple.partner_b
        assert a.legal_name.split()[-1] != b.legal_name.split()[-1]
        assert a.date_of_birth != b.date_of_birth


def test_the_agreement_is_accepted_by_both_before_the_first_time_out(demo):
    for couple in demo:
        first = TimeOutLog.objects.filter(couple=couple).order_by("started_at").first()
        if first is None:
            continue
        accepted = AgreementResponse.objects.filter(
            version__homework=first.homework, decision="accepted", at__lt=first.started_at
        )
        assert accepted.count() == 2, couple


def test_notes_differ_from_week_to_week(demo):
    for couple in demo:
        notes = SessionNote.objects.filter(session__couple=couple)
        texts = [tuple(sorted(n.sections.items())) for n in notes]
        assert len(texts) >= 2 and len(set(texts)) > len(texts) // 2, couple


def test_no_instrument_is_assigned_twice_to_one_partner(demo):
    pairs = Counter(Assignment.objects.values_list("partner_id", "instrument_code"))
    assert pairs and max(pairs.values()) == 1
    # The running questionnaires' next round is due today, on the same assignments.
    assert Response.objects.filter(status="pending", assignment__instrument_code="phq9").exists()


def test_seeding_twice_adds_nothing(demo):
    before = (Assignment.objects.count(), SessionNote.objects.count())
    seed_demo()
    assert (Assignment.objects.count(), SessionNote.objects.count()) == before


def test_sessions_fall_on_weekdays_at_daytime_hours_each_couple_in_its_own_slot(demo):
    from django.utils import timezone

    slots = {}
    for couple in demo:
        tz = couple.clinic.tz
        times = {
            (s.weekday(), s.hour, s.minute)
            for s in (
                timezone.localtime(t, tz)
                for t in TherapySession.objects.filter(couple=couple).values_list(
                    "starts_at", flat=True
                )
            )
        }
        assert len(times) == 1, (couple, times)  # one weekly slot, kept across the clocks' change
        (slot,) = times
        assert slot[0] < 5 and 8 <= slot[1] < 19, slot
        slots.setdefault(couple.clinic_id, []).append(slot)
    for clinic_slots in slots.values():
        assert len(set(clinic_slots)) == len(clinic_slots)
    assert len({hour for s in slots.values() for _, hour, _ in s}) > 3


def test_the_therapist_has_a_believable_name_and_sessions_this_week(demo):
    from datetime import timedelta

    from django.utils import timezone

    from clinic.models import User

    therapist = User.objects.get(email="therapist1@harbour.example")
    assert "Therapist" not in therapist.full_name and "(" not in therapist.full_name
    clinic = next(c.clinic for c in demo if c.clinic.slug == "harbour")
    today = timezone.localdate(timezone=clinic.tz)
    monday = today - timedelta(days=today.weekday())
    this_week = TherapySession.objects.filter(
        therapist=therapist,
        starts_at__date__gte=monday,
        starts_at__date__lte=monday + timedelta(days=6),
    )
    assert this_week.count() >= 2


def test_old_portal_entries_are_past_their_correction_window(demo):
    from datetime import timedelta

    from django.utils import timezone

    from sessions.models import CheckIn, PracticeLog

    # Written as if logged when it happened: a week-old entry can no longer be corrected,
    # while yesterday evening's still can.
    now = timezone.now()
    for model, when in (
        (CheckIn, "checked_at"),
        (PracticeLog, "practiced_at"),
        (TimeOutLog, "started_at"),
    ):
        entries = list(model.objects.all())
        assert entries, model
        for entry in entries:
            happened = getattr(entry, when)
            assert timedelta(0) <= entry.created_at - happened <= timedelta(hours=1), model
            assert entry.is_locked(now) == (now - entry.created_at >= timedelta(hours=24))
        assert any(e.is_locked(now) for e in entries), model


def test_check_ins_out_of_the_window_are_moderate_as_in_a_calm_demo(demo):
    from sessions.models import CheckIn

    outside = CheckIn.objects.exclude(zone="within")
    assert outside.exists()
    assert not outside.filter(intensity__gt=7).exists()
