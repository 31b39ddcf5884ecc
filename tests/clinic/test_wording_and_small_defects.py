"""Wording a therapist reads every day, and small defects: interventions named once, plurals,
"both partners" in a sentence, the case's opening date, the checksum behind a control, status
messages that keep list semantics, and a favicon."""

from datetime import date

import pytest
from django.urls import reverse

from sessions.therapy.pages import intervention_labels
from tests.sessions.world import make_practice, make_signed_note

pytestmark = pytest.mark.django_db


def test_other_intervention_reads_as_other_with_its_description():
    assert intervention_labels(["other"], "Emotion coaching") == ["Other: Emotion coaching"]
    assert intervention_labels([], "Sculpting") == ["Other: Sculpting"]
    assert intervention_labels(["other"], "") == ["Other"]


def test_note_page_names_the_other_intervention_once(client, therapist, clinic, couple):
    note = make_signed_note(
        couple=couple, interventions=["other"], interventions_other="Emotion coaching"
    )
    client.force_login(therapist)
    html = client.get(reverse("note-page", args=[clinic.slug, note.pk])).content.decode()
    assert "Other: Emotion coaching" in html
    assert "Other (describe) (Emotion coaching)" not in html


def test_couple_homework_is_for_both_partners_in_a_sentence(client, therapist, clinic, couple):
    homework = make_practice(couple)
    client.force_login(therapist)
    html = client.get(
        reverse("homework-page", args=[clinic.slug, couple.pk, homework.pk])
    ).content.decode()
    assert "for both partners" in html and "for Both partners" not in html


def test_couple_page_says_when_the_case_opened_and_keeps_messages_out_of_a_status_list(
    client, therapist, clinic, couple
):
    couple.intake_date = date(2026, 1, 5)
    couple.save()
    client.force_login(therapist)
    response = client.post(
        reverse("couple-status", args=[clinic.slug, couple.pk]),
        {"status": "paused", "note": "Travel"},
        follow=True,
    )
    html = response.content.decode()
    assert "Opened " in html and "Intake Intake" not in html
    assert '<div role="status"><ul class="messages"><li>The case is now paused.</li>' in html
    assert '<ul class="messages" role="status">' not in html


def test_pages_link_a_favicon_and_the_old_address_finds_it(client, therapist, clinic):
    client.force_login(therapist)
    html = client.get(reverse("caseload", args=[clinic.slug])).content.decode()
    assert 'rel="icon"' in html and "favicon" in html
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and "clinic/favicon" in response["Location"]
