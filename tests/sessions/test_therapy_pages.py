"""The therapist's session and note pages: couple panel, booking, outcomes, the note draft,
signing, co-signing and addenda; signed notes refuse every page POST."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from clinic.models import AuditEvent, Role
from sessions.models import NoteAddendum, NoteState, SessionNote, SessionStatus, TherapySession
from tests.factories import MembershipFactory
from tests.sessions.world import make_held_session, make_note, make_session, make_signed_note

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def page(client, therapist):
    client.force_login(therapist)
    return client


def couple_page(page, clinic, couple):
    return page.get(reverse("couple-detail", args=[clinic.slug, couple.pk]))


def test_couple_page_lists_sessions_with_status_and_note_state(page, clinic, couple):
    make_session(couple, status="cancelled", status_reason="Snowed in")
    make_note(couple=couple)
    html = couple_page(page, clinic, couple).content.decode()
    assert 'id="sessions-heading"' in html
    assert "Cancelled" in html and "Snowed in" in html
    assert "Draft" in html
    assert 'for="id_schedule-starts_at"' in html
    assert (
        AuditEvent.objects.filter(
            object_type="therapy_sessions.therapysession", action="read", channel="page"
        ).count()
        == 2
    )


@time_machine.travel(NOW, tick=False)
def test_booking_form_takes_clinic_local_time(page, clinic, couple, therapist):
    # The clinic is in Europe/London: 1 July is summer time (UTC+1).
    response = page.post(
        reverse("session-new", args=[clinic.slug, couple.pk]),
        {
            "schedule-kind": "joint",
            "schedule-starts_at": "2026-07-01T18:00",
            "schedule-duration_minutes": "50",
            "schedule-modality": "telehealth",
            "schedule-therapist": str(therapist.pk),
        },
    )
    assert response.status_code == 302
    session = TherapySession.objects.get(couple=couple)
    assert session.starts_at == datetime(2026, 7, 1, 17, 0, tzinfo=UTC)
    detail = page.get(response["Location"]).content.decode()
    assert "18:00" in detail


@time_machine.travel(NOW, tick=False)
def test_a_session_booked_in_the_past_is_saved_but_flagged_to_mark_it_held(
    page, clinic, couple, therapist
):
    booking = {
        "schedule-kind": "joint",
        "schedule-duration_minutes": "50",
        "schedule-modality": "in_person",
        "schedule-therapist": str(therapist.pk),
    }
    url = reverse("session-new", args=[clinic.slug, couple.pk])
    # Three days ago: a session that took place may be recorded, but not left "Scheduled" unseen.
    response = page.post(url, {**booking, "schedule-starts_at": "2026-02-27T10:00"}, follow=True)
    past = TherapySession.objects.get(couple=couple)
    assert past.status == SessionStatus.SCHEDULED
    html = response.content.decode()
    assert "The session was booked." in html
    assert "This session&#x27;s time has passed: mark it held" in html
    assert "Outcome due" in html
    assert "Outcome due" in couple_page(page, clinic, couple).content.decode()

    response = page.post(url, {**booking, "schedule-starts_at": "2026-03-05T10:00"}, follow=True)
    html = response.content.decode()
    assert "The session was booked." in html and "time has passed" not in html
    assert "Outcome due" not in html

    future = TherapySession.objects.get(couple=couple, starts_at__gt=NOW)
    response = page.post(
        reverse("session-reschedule", args=[clinic.slug, future.pk]),
        {
            "reschedule-starts_at": "2026-02-26T10:00",
            "reschedule-duration_minutes": "50",
            "reschedule-modality": "in_person",
            "reschedule-therapist": str(therapist.pk),
        },
        follow=True,
    )
    html = response.content.decode()
    assert "The session was rescheduled." in html and "time has passed" in html


def test_booking_errors_are_shown_on_the_form(page, clinic, couple, therapist):
    response = page.post(
        reverse("session-new", args=[clinic.slug, couple.pk]),
        {
            "schedule-kind": "individual",
            "schedule-starts_at": "2026-07-01T18:00",
            "schedule-duration_minutes": "50",
            "schedule-modality": "in_person",
            "schedule-therapist": str(therapist.pk),
        },
    )
    assert response.status_code == 400
    assert "Choose the partner" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_mark_held_with_attendance_then_start_the_note(page, clinic, couple):
    session = make_session(couple, starts_at=NOW - timedelta(hours=1))
    response = page.post(
        reverse("session-held", args=[clinic.slug, session.pk]),
        {"held-partner_a_attended": "on"},
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.HELD
    assert (session.partner_a_attended, session.partner_b_attended) == (True, False)
    response = page.post(
        reverse("session-note-start", args=[clinic.slug, session.pk]), {"note-template": "dap"}
    )
    assert response.status_code == 302
    note = SessionNote.objects.get(session=session)
    html = page.get(response["Location"]).content.decode()
    assert '<label for="id_section_data">Data' in html
    # Partner B was absent: there is no field to record their regulation.
    assert "id_partner_a_zone" in html and "id_partner_b_zone" not in html
    assert note.template == "dap"


def test_cancel_needs_a_reason_on_the_page(page, clinic, couple):
    session = make_session(couple)
    response = page.post(
        reverse("session-cancel", args=[clinic.slug, session.pk]),
        {"cancel-outcome": "cancelled", "cancel-reason": ""},
    )
    assert response.status_code == 400
    assert "reason" in response.context["cancel_form"].errors
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED
    ok = page.post(
        reverse("session-cancel", args=[clinic.slug, session.pk]),
        {"cancel-outcome": "cancelled", "cancel-reason": "Holiday"},
    )
    assert ok.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED and session.status_reason == "Holiday"


def draft_post(note, **overrides):
    data = {
        "version": str(note.version),
        "section_subjective": "S",
        "section_objective": "O",
        "section_assessment": "A",
        "section_plan": "P",
        "partner_a_zone": "hyper",
        "partner_a_intensity": "6",
        "partner_b_zone": "",
        "partner_b_intensity": "",
        "interventions": ["grounding", "enactment"],
        "interventions_other": "",
        "risk_level": "none",
        "risk_concerns": "",
        "risk_plan": "",
    }
    data.update(overrides)
    return data


def test_note_page_saves_the_draft_and_is_audited(page, clinic, couple):
    note = make_note(couple=couple)
    html = page.get(reverse("note-page", args=[clinic.slug, note.pk])).content.decode()
    assert '<label for="id_section_subjective">Subjective' in html
    response = page.post(reverse("note-page", args=[clinic.slug, note.pk]), draft_post(note))
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.version == 2 and note.sections["plan"] == "P"
    assert note.interventions == ["grounding", "enactment"]
    assert note.partner_a_intensity == 6
    assert AuditEvent.objects.filter(object_id=str(note.pk), action="read", channel="page").exists()
    assert AuditEvent.objects.filter(
        object_id=str(note.pk), action="update", channel="page"
    ).exists()


def test_note_page_with_a_stale_version_is_409_and_keeps_both_texts(page, clinic, couple):
    note = make_note(couple=couple)
    page.post(reverse("note-page", args=[clinic.slug, note.pk]), draft_post(note))
    stale = page.post(
        reverse("note-page", args=[clinic.slug, note.pk]),
        draft_post(note, version="1", section_plan="My other tab"),
    )
    assert stale.status_code == 409
    html = stale.content.decode()
    assert "changed elsewhere" in html
    assert "My other tab" in html
    note.refresh_from_db()
    assert note.sections["plan"] == "P"


def test_signed_note_refuses_every_page_post(page, clinic, couple, therapist):
    note = make_signed_note(couple=couple)
    before = SessionNote.objects.filter(pk=note.pk).values().get()
    draft = page.post(reverse("note-page", args=[clinic.slug, note.pk]), draft_post(note))
    assert draft.status_code == 409
    assert "signed and can no longer be changed" in draft.content.decode()
    sign = page.post(reverse("note-sign", args=[clinic.slug, note.pk]), {"version": note.version})
    assert sign.status_code == 409
    assert "This note is already signed." in sign.content.decode()
    cosign = page.post(reverse("note-cosign", args=[clinic.slug, note.pk]))
    assert cosign.status_code == 409
    assert "This note does not await a co-signature." in cosign.content.decode()
    assert SessionNote.objects.filter(pk=note.pk).values().get() == before


def test_sign_on_the_page_then_add_an_addendum(page, clinic, couple):
    note = make_note(couple=couple)
    page.post(reverse("note-page", args=[clinic.slug, note.pk]), draft_post(note))
    signed = page.post(
        reverse("note-sign", args=[clinic.slug, note.pk]), {"version": "2", "confirm": "on"}
    )
    assert signed.status_code == 302
    note.refresh_from_db()
    assert note.state == NoteState.SIGNED
    html = page.get(reverse("note-page", args=[clinic.slug, note.pk])).content.decode()
    assert 'name="section_plan"' not in html
    assert '<label for="id_text">Addendum' in html
    added = page.post(
        reverse("note-addendum", args=[clinic.slug, note.pk]), {"text": "Late arrival: 10 min."}
    )
    assert added.status_code == 302
    assert NoteAddendum.objects.get(note=note).text == "Late arrival: 10 min."


def _invalid_and_focused(html: str, name: str) -> bool:
    """The field's own tag says it is invalid (for screen readers) and takes the focus."""
    tag = re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*>', html).group(0)
    return 'aria-invalid="true"' in tag and "autofocus" in tag


def test_signing_an_incomplete_note_shows_what_is_missing(page, clinic, couple):
    note = make_note(couple=couple)
    response = page.post(
        reverse("note-sign", args=[clinic.slug, note.pk]), {"version": "1", "confirm": "on"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Write at least one section" in html
    # inline at the first section, which is marked invalid and takes the focus
    assert _invalid_and_focused(html, "section_subjective")
    note.refresh_from_db()
    assert note.state == NoteState.DRAFT


def test_supervisor_cosigns_on_the_page_and_others_cannot(client, clinic, couple, therapist):
    supervisor = MembershipFactory(clinic=clinic, role=Role.THERAPIST).user
    membership = therapist.memberships.get(clinic=clinic)
    membership.is_supervised, membership.supervisor = True, supervisor
    membership.save()
    note = make_note(couple=couple)
    client.force_login(therapist)
    client.post(reverse("note-page", args=[clinic.slug, note.pk]), draft_post(note))
    client.post(
        reverse("note-sign", args=[clinic.slug, note.pk]), {"version": "2", "confirm": "on"}
    )
    note.refresh_from_db()
    assert note.state == NoteState.AWAITING_COSIGNATURE
    refused = client.post(reverse("note-cosign", args=[clinic.slug, note.pk]))
    assert refused.status_code == 409
    assert "supervisor" in refused.content.decode()
    client.force_login(supervisor)
    html = client.get(reverse("note-page", args=[clinic.slug, note.pk])).content.decode()
    assert "Co-sign as supervisor" in html
    assert client.post(reverse("note-cosign", args=[clinic.slug, note.pk])).status_code == 302
    note.refresh_from_db()
    assert note.state == NoteState.SIGNED and note.cosigned_by == supervisor


def test_session_and_note_pages_are_404_for_an_unassigned_therapist(
    client, other_therapist, clinic, couple
):
    note = make_signed_note(couple=couple)
    client.force_login(other_therapist)
    for name, arg in (("session-page", note.session_id), ("note-page", note.pk)):
        assert client.get(reverse(name, args=[clinic.slug, arg])).status_code == 404
    assert (
        client.post(
            reverse("note-addendum", args=[clinic.slug, note.pk]), {"text": "x"}
        ).status_code
        == 404
    )
    assert client.post(reverse("session-new", args=[clinic.slug, couple.pk])).status_code == 404


def test_confidentiality_control_on_the_couple_page_changes_policy_audited(page, clinic, couple):
    html = couple_page(page, clinic, couple).content.decode()
    assert "Confidentiality between partners" in html
    assert "private to its partner" in html
    response = page.post(
        reverse("couple-confidentiality-page", args=[clinic.slug, couple.pk]),
        {
            "policy": "shared",
            "applies_to": "all",
            "partner_a_consent_on": "2026-01-10",
            "partner_a_consent_method": "in_session",
            "partner_b_consent_on": "2026-01-10",
            "partner_b_consent_method": "in_writing",
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    couple.refresh_from_db()
    assert couple.individual_material_policy == "shared"
    event = AuditEvent.objects.get(object_id=str(couple.pk), action="confidentiality")
    assert event.detail["to"] == "shared" and event.channel == "page"
    assert "shared with the other partner" in couple_page(page, clinic, couple).content.decode()


def test_held_session_page_offers_the_note_not_the_outcome_forms(page, clinic, couple):
    session = make_held_session(couple)
    html = page.get(reverse("session-page", args=[clinic.slug, session.pk])).content.decode()
    assert "Start the note" in html
    assert "Mark held" not in html and "Reschedule" not in html


def test_save_and_sign_in_one_post(page, clinic, couple):
    note = make_note(couple=couple)
    response = page.post(
        reverse("note-page", args=[clinic.slug, note.pk]),
        {**draft_post(note), "action": "sign", "confirm_sign": "on"},
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.state == NoteState.SIGNED and note.sections["plan"] == "P"
    html = page.get(reverse("note-page", args=[clinic.slug, note.pk])).content.decode()
    assert "Grounding, Enactment" in html


def test_save_and_sign_keeps_the_draft_when_signing_is_refused(page, clinic, couple):
    note = make_note(couple=couple)
    post = draft_post(
        note, risk_level="concerns", risk_concerns="Threat made", action="sign", confirm_sign="on"
    )
    response = page.post(reverse("note-page", args=[clinic.slug, note.pk]), post)
    assert response.status_code == 400
    html = response.content.decode()
    assert "saved but not signed" in html
    assert "risk plan is required" in html
    assert _invalid_and_focused(html, "risk_plan")
    note.refresh_from_db()
    assert note.state == NoteState.DRAFT and note.risk_concerns == "Threat made"


def test_note_page_groups_interventions_in_a_fieldset(page, clinic, couple):
    note = make_note(couple=couple)
    html = page.get(reverse("note-page", args=[clinic.slug, note.pk])).content.decode()
    assert "Interventions used</legend>" in html
    assert 'for=""' not in html


def test_couple_page_query_count_is_the_same_for_2_and_30_sessions(page, clinic, couple):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert couple_page(page, clinic, couple).status_code == 200
        return len(ctx.captured_queries)

    def add(n):
        for i in range(n):
            if i % 2:
                make_note(couple=couple)
            else:
                make_held_session(couple)

    add(2)
    small = count()
    add(28)
    large = count()
    assert small == large


# --- the risk section has no default; signing is confirmed ---------------------------------


def test_a_new_note_has_no_risk_answer_and_cannot_be_signed_without_one(page, clinic, couple):
    note = make_note(couple=couple)
    assert note.risk_level == ""
    html = page.get(reverse("note-page", args=[clinic.slug, note.pk])).content.decode()
    assert 'type="radio" name="risk_level" value="none"' in html
    assert "checked" not in html.split('name="risk_level"')[1].split("</fieldset>")[0]
    post = draft_post(note, risk_level="", action="sign", confirm_sign="on")
    response = page.post(reverse("note-page", args=[clinic.slug, note.pk]), post)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose “No risk concerns”, or describe the concerns and a plan" in html
    assert re.search(r'name="risk_level" value="none"[^>]*aria-invalid="true"', html)
    note.refresh_from_db()
    assert note.state == NoteState.DRAFT


def test_signing_needs_the_confirmation_box(page, clinic, couple):
    note = make_note(couple=couple)
    response = page.post(
        reverse("note-page", args=[clinic.slug, note.pk]), {**draft_post(note), "action": "sign"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Tick the box to confirm" in html
    assert _invalid_and_focused(html, "confirm_sign")
    note.refresh_from_db()
    assert note.state == NoteState.DRAFT and note.version == 1  # nothing saved either
    refused = page.post(reverse("note-sign", args=[clinic.slug, note.pk]), {"version": "1"})
    assert refused.status_code == 400 and "Tick the box to confirm" in refused.content.decode()


def test_a_signed_note_records_risk_concerns_without_the_forms_hint(page, clinic, couple):
    note = make_signed_note(
        couple=couple, risk_level="concerns", risk_concerns="Threat", risk_plan="Safety plan"
    )
    html = page.get(reverse("note-page", args=[clinic.slug, note.pk])).content.decode()
    assert "<p>Risk concerns</p>" in html and "(plan required)" not in html
    draft = make_note(couple=couple)
    form = page.get(reverse("note-page", args=[clinic.slug, draft.pk])).content.decode()
    assert "Risk concerns (plan required)" in form


def test_risk_concerns_in_the_latest_signed_note_flag_the_caseload(page, clinic, couple):
    earlier = make_signed_note(
        couple=couple, risk_level="concerns", risk_concerns="Threat", risk_plan="Safety plan"
    )
    html = page.get(reverse("caseload", args=[clinic.slug])).content.decode()
    assert "Risk concerns in the note of" in html
    assert reverse("note-page", args=[clinic.slug, earlier.pk]) in html
    later = make_held_session(couple)
    later.starts_at = earlier.session.starts_at + timedelta(days=7)
    later.save()
    make_signed_note(later, risk_level="none")
    html = page.get(reverse("caseload", args=[clinic.slug])).content.decode()
    assert "Risk concerns in the note of" not in html


def test_a_note_of_an_earlier_session_signed_afterwards_leaves_the_risk_flag(
    page, clinic, couple, therapist
):
    # The latest note is the latest session's, whenever each was signed: catching up on an
    # older session's note says nothing about the risk recorded since.
    recent = make_signed_note(
        couple=couple, risk_level="concerns", risk_concerns="Threat", risk_plan="Safety plan"
    )
    older = make_held_session(couple, starts_at=recent.session.starts_at - timedelta(days=7))
    make_signed_note(older, risk_level="none")
    html = page.get(reverse("caseload", args=[clinic.slug])).content.decode()
    assert reverse("note-page", args=[clinic.slug, recent.pk]) in html
    from tests.conftest import api_client_for

    api = api_client_for(therapist).get(f"/api/v1/clinics/{clinic.slug}/couples/").json()
    assert api["results"][0]["caseload"]["note_risk"]["note"] == str(recent.pk)


def test_the_risk_flag_dates_its_note_in_the_clinics_style_on_the_page_and_the_api(
    page, clinic, couple, therapist
):
    # 03:30 UTC on 1 March is still 28 February in New York; a US clinic writes it month first.
    clinic.time_zone, clinic.locale = "America/New_York", "en-us"
    clinic.save()
    held = make_held_session(couple, starts_at=datetime(2026, 3, 1, 3, 30, tzinfo=UTC))
    make_signed_note(held, risk_level="concerns", risk_concerns="Threat", risk_plan="Plan")
    html = page.get(reverse("caseload", args=[clinic.slug])).content.decode()
    assert "Risk concerns in the note of Feb 28, 2026" in html
    from tests.conftest import api_client_for

    api = api_client_for(therapist).get(f"/api/v1/clinics/{clinic.slug}/couples/").json()
    assert api["results"][0]["caseload"]["note_risk"]["on"] == "Feb 28, 2026"


def test_a_couple_with_risk_concerns_in_its_note_comes_first_from_a_later_page(
    page, clinic, couple, therapist
):
    from tests.factories import CoupleFactory

    flagged = couple  # the oldest: by the page's order alone it would be on page 2
    make_signed_note(
        couple=flagged, risk_level="concerns", risk_concerns="Threat", risk_plan="Safety plan"
    )
    newest = [CoupleFactory(clinic=clinic, therapists=[therapist]) for _ in range(55)][-1]
    html = page.get(reverse("caseload", args=[clinic.slug])).content.decode()
    assert str(flagged.pk) in html and "Risk concerns in the note of" in html
    first_card = html.index('class="card couple"')
    assert html.index(str(flagged.pk)) - first_card < html.index(str(newest.pk)) - first_card


# --- a long history: the panel shows the near sessions, the list page all of them -----------


def _session_links(html: str) -> list[str]:
    return re.findall(r"/sessions/([0-9a-f-]{36})/\"", html)


def test_couple_page_shows_the_next_and_last_sessions_and_links_to_all(page, clinic, couple):
    now = datetime.now(UTC)
    past = [
        make_note(make_held_session(couple, starts_at=now - timedelta(days=7 * (n + 1)))).session
        for n in range(14)
    ]
    ahead = [make_session(couple, starts_at=now + timedelta(days=7 * (n + 1))) for n in range(7)]
    # Older than the last ten, still waiting for the therapist: shown all the same.
    unnoted = make_held_session(couple, starts_at=now - timedelta(days=200))
    unmarked = make_session(couple, starts_at=now - timedelta(days=210))

    html = couple_page(page, clinic, couple).content.decode()

    shown = _session_links(html)
    expected = [*reversed(ahead[:5]), *past[:10], unnoted, unmarked]
    assert shown == [str(s.pk) for s in expected]
    assert "No note yet" in html
    all_sessions = reverse("couple-sessions-page", args=[clinic.slug, couple.pk])
    assert f'href="{all_sessions}">All 23 sessions</a>' in html
    read = AuditEvent.objects.filter(
        object_type="therapy_sessions.therapysession", action="read", channel="page"
    )
    assert sorted(read.values_list("object_id", flat=True)) == sorted(shown)


def test_couple_page_with_a_short_history_lists_every_session_without_a_link(page, clinic, couple):
    make_held_session(couple)
    make_session(couple)
    html = couple_page(page, clinic, couple).content.decode()
    assert len(_session_links(html)) == 2
    assert "sessions</a>" not in html


def test_the_sessions_list_shows_every_session_25_a_page_newest_first(page, clinic, couple):
    now = datetime.now(UTC)
    sessions = [make_session(couple, starts_at=now + timedelta(days=n - 20)) for n in range(30)]
    newest_first = [str(s.pk) for s in reversed(sessions)]
    url = reverse("couple-sessions-page", args=[clinic.slug, couple.pk])

    first = page.get(url).content.decode()
    second = page.get(url, {"page": 2}).content.decode()

    assert _session_links(first) == newest_first[:25]
    assert _session_links(second) == newest_first[25:]
    assert "30 sessions, newest first; page 1 of 2." in first
    read = AuditEvent.objects.filter(object_type="therapy_sessions.therapysession", action="read")
    assert read.count() == 30


def test_the_sessions_list_is_404_for_an_unassigned_therapist(
    client, clinic, couple, other_therapist
):
    make_session(couple)
    client.force_login(other_therapist)
    response = client.get(reverse("couple-sessions-page", args=[clinic.slug, couple.pk]))
    assert response.status_code == 404


def test_the_sessions_list_costs_the_same_queries_for_3_and_60_sessions(page, clinic, couple):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("couple-sessions-page", args=[clinic.slug, couple.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert page.get(url).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        make_note(couple=couple)
    small = count()
    for _ in range(57):
        make_held_session(couple)
    assert count() == small
