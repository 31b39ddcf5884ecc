"""Cancelling a questionnaire assignment, or stopping a recurring one, from the couple page:
audited as page events, and the partner's portal follows at once."""

from datetime import timedelta

import pytest
from django.urls import reverse

from assessments.models import Response
from assessments.services import local_today
from clinic.models import AuditEvent
from tests.assessments.world import assign

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, therapist):
    client.force_login(therapist)
    return client


def _portal(client, couple):
    client.force_login(couple.partner_a.portal_user)
    return client.get("/portal/").content.decode()


def test_cancelling_an_assignment_takes_it_off_the_portal(staff, clinic, couple, client):
    assignment = assign(couple, couple.partner_a)
    page = staff.get(reverse("couple-detail", args=[clinic.slug, couple.pk])).content.decode()
    cancel_url = reverse("assessment-assignment-cancel", args=[clinic.slug, assignment.pk])
    assert cancel_url in page
    response = staff.post(cancel_url)
    assert response.status_code == 302
    followed = staff.get(response.url).content.decode()
    assert "was cancelled" in followed
    assert not Response.objects.filter(assignment=assignment).open().exists()
    event = AuditEvent.objects.get(object_id=str(assignment.pk), action="cancel")
    assert event.channel == "page" and event.detail == {"withdrawn": 1}
    assert "PHQ-9" not in _portal(client, couple)


def test_stopping_a_recurring_assignment_keeps_the_open_one_and_withdraws_the_rest(
    staff, clinic, couple, client
):
    today = local_today(clinic)
    assignment = assign(
        couple,
        couple.partner_a,
        due=today,
        repeat_every_weeks=2,
        repeat_until=today + timedelta(weeks=8),
    )
    assert assignment.responses.count() == 5
    response = staff.post(reverse("assessment-assignment-stop", args=[clinic.slug, assignment.pk]))
    assert response.status_code == 302
    open_ones = Response.objects.filter(assignment=assignment).open()
    assert [r.due_on for r in open_ones] == [today]
    assignment.refresh_from_db()
    assert assignment.repeat_until == today and assignment.cancelled_at is None
    event = AuditEvent.objects.get(object_id=str(assignment.pk), action="stop_repeating")
    assert event.channel == "page" and event.detail["withdrawn"] == 4
    assert "PHQ-9" in _portal(client, couple)


def test_stopping_a_one_off_assignment_says_it_does_not_repeat(staff, clinic, couple):
    assignment = assign(couple, couple.partner_a)
    response = staff.post(
        reverse("assessment-assignment-stop", args=[clinic.slug, assignment.pk]), follow=True
    )
    assert "This assignment does not repeat." in response.content.decode()
    assert Response.objects.filter(assignment=assignment).open().count() == 1


def test_a_colleague_without_the_case_cannot_cancel(client, clinic, couple, other_therapist):
    assignment = assign(couple, couple.partner_a)
    client.force_login(other_therapist)
    url = reverse("assessment-assignment-cancel", args=[clinic.slug, assignment.pk])
    assert client.post(url).status_code == 404
    assert client.get(url).status_code == 405
    assignment.refresh_from_db()
    assert assignment.cancelled_at is None


def test_assigning_says_how_many_in_plain_words(staff, clinic, couple):
    response = staff.post(
        reverse("assessment-assign", args=[clinic.slug, couple.pk]),
        {
            "partners": [str(couple.partner_a.pk), str(couple.partner_b.pk)],
            "instruments": ["phq9"],
            "first_due_on": str(local_today(clinic)),
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Assigned 2 questionnaires." in html and "(s)" not in html
