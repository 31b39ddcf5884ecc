"""Break-glass: an admin opens a couple outside their caseload only by stating a reason, for a
limited time; the opening is its own audit action with the reason, and the couple's therapists
see it on the couple page. Without it, being an admin opens no couple's clinical record."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEvent, BreakGlass
from clinic.selectors import clients_visible_to, couples_visible_to, membership_for
from tests.conftest import api_client_for
from tests.factories import CoupleFactory
from tests.sessions.world import make_note, make_session

pytestmark = pytest.mark.django_db


def _page(name, clinic, couple=None):
    args = [clinic.slug] + ([couple.pk] if couple is not None else [])
    return reverse(name, args=args)


def _open(client, clinic, couple, reason="Complaint from partner A about billing", minutes=60):
    return client.post(_page("break-glass", clinic, couple), {"reason": reason, "minutes": minutes})


def test_an_admin_not_assigned_gets_no_clinical_record_without_break_glass(
    client, admin, clinic, couple
):
    note = make_note(make_session(couple))
    client.force_login(admin)
    assert client.get(_page("couple-detail", clinic, couple)).status_code == 404
    assert client.get(reverse("note-page", args=[clinic.slug, note.pk])).status_code == 404
    api = api_client_for(admin)
    assert api.get(f"/api/v1/clinics/{clinic.slug}/couples/{couple.pk}/").status_code == 404
    assert api.get(f"/api/v1/clinics/{clinic.slug}/notes/{note.pk}/").status_code == 404
    listed = api.get(f"/api/v1/clinics/{clinic.slug}/clients/").json()["results"]
    assert str(couple.partner_a.pk) not in {c["id"] for c in listed}


def test_administrative_pages_still_work_for_an_unassigned_admin(client, admin, clinic, couple):
    client.force_login(admin)
    for name in ("members", "audit", "clinic-settings", "exports", "caseload"):
        assert client.get(_page(name, clinic)).status_code == 200, name
    cases = client.get(_page("clinic-cases", clinic))
    html = cases.content.decode()
    assert couple.label.replace("&", "&amp;") in html
    assert _page("break-glass", clinic, couple) in html
    assert "Presenting" not in html


def test_break_glass_needs_a_reason(client, admin, clinic, couple):
    client.force_login(admin)
    response = _open(client, clinic, couple, reason="   ")
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    short = _open(client, clinic, couple, reason="because")
    assert "at least 10 characters" in short.content.decode()
    bad_length = _open(client, clinic, couple, minutes=10_000)
    assert "Select a valid choice" in bad_length.content.decode()
    assert not BreakGlass.objects.exists()
    assert not AuditEvent.objects.filter(action="break_glass").exists()
    assert client.get(_page("couple-detail", clinic, couple)).status_code == 404


def test_break_glass_opens_the_case_for_the_time_chosen_and_is_audited_with_the_reason(
    client, admin, clinic, couple
):
    client.force_login(admin)
    response = _open(client, clinic, couple, minutes=60)
    assert response.status_code == 302
    assert response["Location"] == _page("couple-detail", clinic, couple)
    assert client.get(_page("couple-detail", clinic, couple)).status_code == 200
    event = AuditEvent.objects.get(action="break_glass")
    assert (event.actor, event.couple_id, event.channel) == (admin, couple.pk, "page")
    assert event.detail["reason"] == "Complaint from partner A about billing"
    assert event.detail["minutes"] == 60
    api = api_client_for(admin)
    assert api.get(f"/api/v1/clinics/{clinic.slug}/couples/{couple.pk}/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        client.force_login(admin)
        assert client.get(_page("couple-detail", clinic, couple)).status_code == 404
        assert api.get(f"/api/v1/clinics/{clinic.slug}/couples/{couple.pk}/").status_code == 404


def test_the_assigned_therapist_sees_who_opened_the_case_when_and_why(
    client, admin, therapist, clinic, couple
):
    admin.full_name = "Avery Admin"
    admin.save()
    client.force_login(admin)
    _open(client, clinic, couple, reason="Records request from the client's lawyer")
    client.force_login(therapist)
    html = client.get(_page("couple-detail", clinic, couple)).content.decode()
    assert "Opened outside the caseload" in html
    assert "Admin Avery Admin opened this case on" in html
    assert "Records request from the client&#x27;s lawyer" in html


def test_a_therapist_cannot_break_glass(client, therapist, other_therapist, clinic, couple):
    client.force_login(other_therapist)
    response = _open(client, clinic, couple)
    assert response.status_code == 403
    assert not BreakGlass.objects.exists()
    membership = membership_for(clinic=clinic, user=other_therapist)
    assert not couples_visible_to(clinic=clinic, membership=membership).exists()


def test_break_glass_is_for_this_clinics_couples_only(client, admin, clinic, other_clinic):
    foreign = CoupleFactory(clinic=other_clinic)
    client.force_login(admin)
    assert _open(client, clinic, foreign).status_code == 404
    assert not BreakGlass.objects.exists()


def test_a_case_already_on_the_caseload_needs_no_break_glass(client, admin, clinic, couple):
    couple.therapists.add(admin, through_defaults=couple.assignment_defaults)
    client.force_login(admin)
    response = client.get(_page("break-glass", clinic, couple))
    assert response.status_code == 302
    assert response["Location"] == _page("couple-detail", clinic, couple)


def test_break_glass_opens_the_partners_to_that_admin_alone(admin, clinic, couple, client):
    other_admin_couple = CoupleFactory(clinic=clinic)
    client.force_login(admin)
    _open(client, clinic, couple)
    membership = membership_for(clinic=clinic, user=admin)
    assert list(couples_visible_to(clinic=clinic, membership=membership)) == [couple]
    clients = set(clients_visible_to(clinic=clinic, membership=membership))
    assert clients == {couple.partner_a, couple.partner_b}
    assert other_admin_couple.partner_a not in clients
