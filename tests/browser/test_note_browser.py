"""A therapist writes, signs and corrects a session note on a phone (real Chromium)."""

import pytest

from sessions.models import NoteState, SessionNote
from tests.browser.conftest import login
from tests.factories import PASSWORD, CoupleFactory, MembershipFactory
from tests.sessions.world import make_note

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_therapist_writes_signs_and_adds_an_addendum_on_a_phone(page, live_server):
    from django_scopes import scopes_disabled

    with scopes_disabled():
        therapist = MembershipFactory(clinic__slug="harbour", clinic__name="Harbour").user
        clinic = therapist.memberships.get().clinic
        couple = CoupleFactory(clinic=clinic, therapists=[therapist])
        note = make_note(couple=couple)
    login(page, live_server, therapist.email, PASSWORD)
    page.goto(f"{live_server.url}/c/harbour/notes/{note.pk}/")
    page.get_by_label("Subjective").fill("Both describe a rupture over the weekend.")
    page.get_by_label(f"{couple.partner_a.display_name}: regulation seen in session").select_option(
        "hyper"
    )
    page.get_by_label(f"{couple.partner_a.display_name}: intensity (0-10)").fill("7")
    page.get_by_label("Time-out practice").check()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Signing locks the note for good: without the confirmation nothing happens.
    page.get_by_role("button", name="Save and sign").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Tick the box to confirm").is_visible()
    assert page.evaluate("document.activeElement.name") == "confirm_sign"
    # Confirmed, but no risk answer chosen (there is no default): refused at that field.
    page.get_by_label("To sign: I have reviewed this note").check()
    page.get_by_role("button", name="Save and sign").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Choose “No risk concerns”, or describe the concerns").is_visible()
    assert page.evaluate("document.activeElement.name") == "risk_level"
    assert page.locator('input[name="risk_level"]').first.get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Subjective").input_value().startswith("Both describe a rupture")
    page.get_by_label("No risk concerns").check()
    page.get_by_label("To sign: I have reviewed this note").check()
    page.get_by_role("button", name="Save and sign").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("The note is signed.").is_visible()
    assert page.get_by_label("Subjective").count() == 0
    page.get_by_label("Addendum").fill("Session ran 10 minutes over.")
    page.get_by_role("button", name="Add addendum").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Session ran 10 minutes over.").is_visible()
    with scopes_disabled():
        note = SessionNote.objects.get(pk=note.pk)
    assert note.state == NoteState.SIGNED
    assert note.partner_a_zone == "hyper" and note.interventions == ["time_out_practice"]
