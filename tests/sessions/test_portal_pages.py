"""Portal pages: the home section, accepting the agreement, logging, checking in, and one's own
entries (correctable for 24 hours, the other partner's shown only by policy)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEvent, IndividualMaterialPolicy
from sessions.models import AgreementResponse, CheckIn, PracticeLog, TimeOutLog
from tests.sessions.world import (
    make_agreement,
    make_check_in,
    make_practice,
    make_practice_log,
    make_session,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner_a(client, couple):
    client.force_login(couple.partner_a.portal_user)
    return client


def local_now():
    return timezone.localtime(timezone.now()).strftime("%Y-%m-%dT%H:%M")


def test_portal_home_offers_check_in_practice_time_out_and_the_agreement(
    partner_a, couple, therapist
):
    make_practice(couple)
    agreement = make_agreement(couple, by=therapist)
    make_session(couple)
    html = partner_a.get(reverse("portal-home")).content.decode()
    assert "Daily check-in" in html and "Log a practice" in html and "Log a time-out" in html
    assert reverse("portal-agreement", args=[agreement.pk]) in html
    assert "Coming up" in html
    assert "Leave quickly" in html
    assert AuditEvent.objects.filter(object_id=str(agreement.pk), channel="portal").exists()


def test_portal_home_counts_the_weeks_practices_in_words_past_the_goal_too(client, couple):
    # Sunday 6 December 2026, the week's last day: a practice 5 a week since 23 November
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        client.force_login(couple.partner_a.portal_user)
        practice = make_practice(couple, start_date=datetime(2026, 11, 23).date())
        for hours in (1, 2):
            make_practice_log(
                couple,
                couple.partner_a,
                homework=practice,
                practiced_at=now - timedelta(hours=hours),
            )
        html = client.get(reverse("portal-home")).content.decode()
        assert "2 of 5 practices this week" in html
        for hours in (3, 4, 5, 6):
            make_practice_log(
                couple,
                couple.partner_a,
                homework=practice,
                practiced_at=now - timedelta(hours=hours),
            )
        html = client.get(reverse("portal-home")).content.decode()
    assert "6 practices this week (goal 5)" in html
    assert "6 of 5" not in html


def test_accepting_the_agreement_on_its_page(partner_a, couple, therapist):
    agreement = make_agreement(couple, by=therapist)
    page = partner_a.get(reverse("portal-agreement", args=[agreement.pk])).content.decode()
    assert "Pause, please" in page and "At least 20 minutes and no more than 24 hours" in page
    response = partner_a.post(
        reverse("portal-agreement", args=[agreement.pk]), {"version": 1, "answer": "accept"}
    )
    assert response.status_code == 302
    answer = AgreementResponse.objects.get()
    assert (answer.partner, answer.decision) == (couple.partner_a, "accepted")
    again = partner_a.get(reverse("portal-agreement", args=[agreement.pk])).content.decode()
    assert "You have accepted this version" in again
    assert "I accept this agreement" not in again


def test_asking_to_discuss_on_the_agreement_page(partner_a, couple, therapist):
    agreement = make_agreement(couple, by=therapist)
    partner_a.post(
        reverse("portal-agreement", args=[agreement.pk]),
        {"version": 1, "answer": "discuss", "note": "Twenty minutes is short"},
    )
    answer = AgreementResponse.objects.get()
    assert (answer.decision, answer.note) == ("discuss", "Twenty minutes is short")


def test_an_agreement_changed_while_reading_is_shown_again(partner_a, couple, therapist):
    from sessions.homework.services import agreement_revise

    agreement = make_agreement(couple, by=therapist)
    agreement_revise(homework=agreement, by=therapist, min_break_minutes=30)
    response = partner_a.post(
        reverse("portal-agreement", args=[agreement.pk]),
        {"version": 1, "answer": "accept"},
        follow=True,
    )
    assert "changed while you were reading" in response.content.decode()
    assert not AgreementResponse.objects.exists()


def test_logging_a_practice_from_the_form(partner_a, couple):
    practice = make_practice(couple)
    page = partner_a.get(reverse("portal-practice-new")).content.decode()
    assert '<label for="id_minutes">' in page and "<legend>Before you started" in page
    response = partner_a.post(
        reverse("portal-practice-new"),
        {
            "homework": practice.pk,
            "practiced_at": local_now(),
            "minutes": 15,
            "before_zone": "hyper",
            "before_intensity": 6,
            "after_zone": "within",
            "after_intensity": 2,
        },
    )
    assert response.status_code == 302
    log = PracticeLog.objects.get()
    assert (log.partner, log.before_zone, log.after_intensity) == (couple.partner_a, "hyper", 2)


def test_a_practice_form_with_a_bad_number_says_so(partner_a, couple):
    practice = make_practice(couple)
    response = partner_a.post(
        reverse("portal-practice-new"),
        {
            "homework": practice.pk,
            "practiced_at": local_now(),
            "minutes": 15,
            "after_intensity": 14,
        },
    )
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not PracticeLog.objects.exists()


def test_logging_a_time_out_called_by_the_partner(partner_a, couple, therapist):
    agreement = make_agreement(couple, by=therapist)
    response = partner_a.post(
        reverse("portal-time-out-new"),
        {
            "started_at": local_now(),
            "called_by": "partner",
            "minutes_apart": 45,
            "reconvened": "yes",
            "reconvene_note": "We sat down and listened",
            "intensity": 7,
        },
    )
    assert response.status_code == 302
    log = TimeOutLog.objects.get()
    assert (log.called_by, log.homework, log.reconvened) == (couple.partner_b, agreement, True)


def test_the_check_in_says_it_is_a_self_rating_and_saves(partner_a, couple):
    page = partner_a.get(reverse("portal-check-in")).content.decode()
    assert "not a validated measure" in page
    partner_a.post(reverse("portal-check-in"), {"zone": "hypo", "intensity": 5})
    check_in = CheckIn.objects.get()
    assert (check_in.partner, check_in.zone, check_in.scale) == (
        couple.partner_a,
        "hypo",
        "SUDS 0-10",
    )


def test_my_entries_show_mine_and_hide_my_partners_when_private(partner_a, couple):
    make_check_in(couple, couple.partner_a, note="my own words")
    make_check_in(couple, couple.partner_b, note="their private words")
    html = partner_a.get(reverse("portal-logs")).content.decode()
    assert "my own words" in html
    assert "their private words" not in html


def test_my_entries_show_my_partners_when_the_couple_shares(partner_a, couple):
    couple.individual_material_policy = IndividualMaterialPolicy.SHARED
    couple.save()
    theirs = make_check_in(couple, couple.partner_b, note="their shared words")
    html = partner_a.get(reverse("portal-logs")).content.decode()
    assert "their shared words" in html
    assert reverse("portal-log-edit", args=["check-in", theirs.pk]) not in html


def test_correcting_an_entry_within_a_day_and_not_after(partner_a, couple):
    with time_machine.travel(timezone.now() - timedelta(hours=23), tick=False):
        log = make_check_in(couple, couple.partner_a, intensity=2)
    url = reverse("portal-log-edit", args=["check-in", log.pk])
    assert partner_a.get(url).status_code == 200
    partner_a.post(url, {"zone": "within", "intensity": 4})
    log.refresh_from_db()
    assert log.intensity == 4 and log.corrected_at is not None
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        response = partner_a.post(url, {"zone": "within", "intensity": 9})
    assert response.status_code == 302
    log.refresh_from_db()
    assert log.intensity == 4


def test_taking_an_entry_back_keeps_it(partner_a, couple):
    log = make_check_in(couple, couple.partner_a)
    partner_a.post(
        reverse("portal-log-void", args=["check-in", log.pk]), {"reason": "Pressed twice"}
    )
    log.refresh_from_db()
    assert log.voided_at is not None and log.void_reason == "Pressed twice"


def test_the_other_partners_entry_cannot_be_opened_for_correction(partner_a, couple):
    couple.individual_material_policy = IndividualMaterialPolicy.SHARED
    couple.save()
    theirs = make_check_in(couple, couple.partner_b)
    for name in ("portal-log-edit", "portal-log-void"):
        assert partner_a.get(reverse(name, args=["check-in", theirs.pk])).status_code == 404


def test_another_couples_agreement_is_not_found(partner_a, clinic, therapist):
    from tests.factories import CoupleFactory

    other = make_agreement(CoupleFactory(clinic=clinic, therapists=[therapist]), by=therapist)
    assert partner_a.get(reverse("portal-agreement", args=[other.pk])).status_code == 404


def test_staff_cannot_open_portal_pages(client, therapist, couple):
    client.force_login(therapist)
    assert client.get(reverse("portal-check-in")).status_code == 404


def test_portal_home_tells_a_partner_what_their_partner_can_see(client, couple):
    client.force_login(couple.partner_a.portal_user)
    couple.individual_material_policy = "private"
    couple.save()
    page = client.get("/portal/").content.decode()
    assert "What your partner can see" in page
    assert "stay private: your partner does not see them" in page
    assert "suicidal thoughts" in page  # never shared, whatever the agreement
    couple.individual_material_policy = "shared"
    couple.save()
    page = client.get("/portal/").content.decode()
    assert "your partner can see your questionnaire scores, questionnaire answers" in page
    assert "individual session with your therapist" in page


def test_sharing_summary_follows_the_confidentiality_rule():
    from clinic.confidentiality import Sharing, sharing_summary

    assert sharing_summary(Sharing("private"))[0] == []
    shared, never, since = sharing_summary(Sharing("shared"))
    assert "daily check-ins" in shared and len(never) == 2 and since is None
    moment = datetime(2026, 3, 10, 14, tzinfo=UTC)
    assert sharing_summary(Sharing("shared", moment))[2] == moment


def test_my_entries_are_paged_by_kind_newest_first(partner_a, couple):
    with time_machine.travel(timezone.now() - timedelta(days=30), tick=False):
        oldest = make_check_in(couple, couple.partner_a, note="the very first")
    for n in range(20):
        with time_machine.travel(timezone.now() - timedelta(days=20 - n), tick=False):
            make_check_in(couple, couple.partner_a, note=f"entry {n}")
    first = partner_a.get(reverse("portal-logs")).content.decode()
    assert "entry 19" in first and "the very first" not in first
    assert "Page 1 of 2" in first and 'href="?check-in-page=2#entries-check-in"' in first
    second = partner_a.get(reverse("portal-logs"), {"check-in-page": 2}).content.decode()
    assert "the very first" in second and "entry 19" not in second
    assert AuditEvent.objects.filter(object_id=str(oldest.pk), action="read").exists()


def test_correct_is_offered_only_while_the_24_hours_run(partner_a, couple):
    with time_machine.travel(timezone.now() - timedelta(hours=25), tick=False):
        old = make_check_in(couple, couple.partner_a, note="yesterday")
    fresh = make_check_in(couple, couple.partner_a, note="just now")
    html = partner_a.get(reverse("portal-logs")).content.decode()
    assert reverse("portal-log-edit", args=["check-in", fresh.pk]) in html
    assert reverse("portal-log-edit", args=["check-in", old.pk]) not in html
    assert reverse("portal-log-void", args=["check-in", old.pk]) not in html
