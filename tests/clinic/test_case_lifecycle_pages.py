"""A case's life on pages: status moves (closing asks for a reason), editing the case's details
and therapists and a partner's details, each audited as a page event; the owner, a colleague
without the case and another clinic's member."""

import pytest
from django.urls import reverse

from clinic.models import AuditEvent, CoupleStatus, CoupleStatusChange
from tests.factories import CoupleFactory, MembershipFactory, open_by_break_glass

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, therapist):
    client.force_login(therapist)
    return client


def test_couple_page_offers_only_the_allowed_status_moves(staff, clinic, couple):
    html = staff.get(reverse("couple-detail", args=[clinic.slug, couple.pk])).content.decode()
    assert "Change the case&#x27;s status" in html or "Change the case's status" in html
    # An active case may pause or close, never go back to intake.
    assert '<option value="paused">Paused</option>' in html
    assert '<option value="discharged">Discharged</option>' in html
    assert '<option value="intake">' not in html


def test_closing_a_case_without_a_reason_keeps_the_choice_and_says_why(staff, clinic, couple):
    url = reverse("couple-status", args=[clinic.slug, couple.pk])
    response = staff.post(url, {"status": "discharged", "note": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Give the reason for closing the case." in html
    assert '<option value="discharged" selected>' in html
    couple.refresh_from_db()
    assert couple.status == CoupleStatus.ACTIVE


def test_closing_a_case_with_a_reason_records_who_why_and_when(staff, clinic, couple, therapist):
    url = reverse("couple-status", args=[clinic.slug, couple.pk])
    response = staff.post(url, {"status": "discharged", "note": "Goals met; ending well."})
    assert response.status_code == 302
    couple.refresh_from_db()
    assert couple.status == CoupleStatus.DISCHARGED and couple.end_date is not None
    change = CoupleStatusChange.objects.get(couple=couple, to_status="discharged")
    assert change.note == "Goals met; ending well." and change.changed_by == therapist
    event = AuditEvent.objects.get(object_id=str(couple.pk), action="status")
    assert event.channel == "page" and event.detail == {"from": "active", "to": "discharged"}


def test_a_move_not_allowed_from_here_is_refused_on_the_page(staff, clinic, couple):
    response = staff.post(
        reverse("couple-status", args=[clinic.slug, couple.pk]), {"status": "intake"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    couple.refresh_from_db()
    assert couple.status == CoupleStatus.ACTIVE


def test_editing_the_case_changes_therapists_and_audits_the_fields(
    staff, clinic, couple, therapist
):
    colleague = MembershipFactory(clinic=clinic).user
    url = reverse("couple-edit", args=[clinic.slug, couple.pk])
    page = staff.get(url).content.decode()
    assert "Presenting concerns" in page and str(colleague) in page
    response = staff.post(
        url,
        {
            "therapists": [str(therapist.pk), str(colleague.pk)],
            "intake_date": "2026-01-05",
            "presenting_concerns": "Conflict after a move.",
        },
    )
    assert response.status_code == 302
    couple.refresh_from_db()
    assert set(couple.therapists.all()) == {therapist, colleague}
    assert couple.presenting_concerns == "Conflict after a move."
    event = AuditEvent.objects.get(object_id=str(couple.pk), action="update")
    assert event.channel == "page"
    assert event.detail["fields"] == ["intake_date", "presenting_concerns", "therapists"]


def test_a_refused_edit_keeps_what_was_typed(staff, clinic, couple):
    url = reverse("couple-edit", args=[clinic.slug, couple.pk])
    response = staff.post(
        url, {"intake_date": "not a date", "presenting_concerns": "Kept text after an error"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a valid date." in html and "Kept text after an error" in html


def test_a_therapist_from_another_clinic_cannot_be_assigned(staff, clinic, couple, other_clinic):
    stranger = MembershipFactory(clinic=other_clinic).user
    response = staff.post(
        reverse("couple-edit", args=[clinic.slug, couple.pk]), {"therapists": [str(stranger.pk)]}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert stranger not in couple.therapists.all()


def test_editing_a_partner_returns_to_the_couple_and_is_audited(staff, clinic, couple):
    partner = couple.partner_a
    url = reverse("client-edit", args=[clinic.slug, partner.pk]) + f"?couple={couple.pk}"
    assert partner.legal_name in staff.get(url).content.decode()
    response = staff.post(
        url,
        {"legal_name": partner.legal_name, "preferred_name": "Sam", "phone": "+44 20 7946 0018"},
    )
    assert response.status_code == 302
    assert response.url == reverse("couple-detail", args=[clinic.slug, couple.pk])
    partner.refresh_from_db()
    assert partner.preferred_name == "Sam" and partner.phone == "+442079460018"  # E.164
    event = AuditEvent.objects.get(object_id=str(partner.pk), action="update")
    assert "preferred_name" in event.detail["fields"] and event.channel == "page"
    assert AuditEvent.objects.filter(object_id=str(partner.pk), action="read").exists()


def test_a_partners_birth_date_in_the_future_is_an_error_on_the_page(staff, clinic, couple):
    partner = couple.partner_b
    response = staff.post(
        reverse("client-edit", args=[clinic.slug, partner.pk]),
        {"legal_name": partner.legal_name, "date_of_birth": "2999-01-01"},
    )
    assert response.status_code == 200
    assert "Date of birth cannot be in the future." in response.content.decode()


def test_colleague_without_the_case_and_another_clinic_get_404(
    client, clinic, couple, other_therapist, outsider
):
    urls = [
        reverse("couple-status", args=[clinic.slug, couple.pk]),
        reverse("couple-edit", args=[clinic.slug, couple.pk]),
        reverse("client-edit", args=[clinic.slug, couple.partner_a.pk]),
    ]
    for user in (other_therapist, outsider):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, url
            assert client.post(url, {"status": "paused"}).status_code == 404, url
    couple.refresh_from_db()
    assert couple.status == CoupleStatus.ACTIVE


def test_admin_changes_a_couple_opened_by_break_glass(client, admin, clinic):
    other = CoupleFactory(clinic=clinic)
    client.force_login(admin)
    url = reverse("couple-status", args=[clinic.slug, other.pk])
    assert client.post(url, {"status": "paused"}).status_code == 404  # not without a reason
    open_by_break_glass(other, admin)
    response = client.post(
        reverse("couple-status", args=[clinic.slug, other.pk]), {"status": "paused"}
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.status == CoupleStatus.PAUSED
