"""Admin pages: members, the audit trail and clinic settings (admin only; others get 404)."""

import pytest
from django.urls import reverse

from clinic.models import AuditEvent, Membership, Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _members_url(clinic):
    return reverse("members", args=[clinic.slug])


def _membership(user, clinic):
    return Membership.objects.get(user=user, clinic=clinic)


def test_admin_sees_members_with_role_and_supervision(client, admin, therapist, clinic):
    supervised = MembershipFactory(clinic=clinic, is_supervised=True, supervisor=therapist)
    client.force_login(admin)
    response = client.get(_members_url(clinic))
    assert response.status_code == 200
    html = response.content.decode()
    assert therapist.email in html and admin.email in html
    assert f"supervised by {therapist}" in html
    assert supervised.user.email in html
    assert '<label for="id_add_email">Email' in html


def test_members_page_is_hidden_from_a_therapist(client, therapist, clinic):
    client.force_login(therapist)
    assert client.get(_members_url(clinic)).status_code == 404
    assert client.post(_members_url(clinic), {"action": "add"}).status_code == 404


def test_members_page_is_hidden_from_another_clinics_admin(client, outsider, clinic):
    client.force_login(outsider)
    assert client.get(_members_url(clinic)).status_code == 404


def test_admin_adds_a_member_and_it_is_audited(client, admin, therapist, clinic):
    client.force_login(admin)
    response = client.post(
        _members_url(clinic),
        {
            "action": "add",
            "email": "New.Person@Example.test",
            "full_name": "New Person",
            "role": Role.THERAPIST,
            "is_supervised": "on",
            "supervisor": str(therapist.pk),
        },
    )
    assert response.status_code == 302
    added = Membership.objects.get(clinic=clinic, user__email="new.person@example.test")
    assert added.is_supervised and added.supervisor == therapist
    assert AuditEvent.objects.filter(
        clinic=clinic, action="member_add", object_id=str(added.pk)
    ).exists()


def test_adding_an_existing_member_shows_the_rule_on_the_page(client, admin, therapist, clinic):
    client.force_login(admin)
    response = client.post(
        _members_url(clinic), {"action": "add", "email": therapist.email, "role": Role.ADMIN}
    )
    assert response.status_code == 200
    assert "already a member of the clinic" in response.content.decode()


def test_last_admin_cannot_step_down_and_sees_why(client, admin, clinic):
    client.force_login(admin)
    mine = _membership(admin, clinic)
    response = client.post(
        _members_url(clinic), {"action": "change", "member": str(mine.pk), "role": Role.THERAPIST}
    )
    assert response.status_code == 200
    assert "at least one active admin" in response.content.decode()
    mine.refresh_from_db()
    assert mine.role == Role.ADMIN


def test_last_admin_cannot_deactivate_themselves(client, admin, clinic):
    client.force_login(admin)
    mine = _membership(admin, clinic)
    response = client.post(_members_url(clinic), {"action": "deactivate", "member": str(mine.pk)})
    assert response.status_code == 200
    assert "at least one active admin" in response.content.decode()
    mine.refresh_from_db()
    assert mine.is_active


def test_admin_changes_a_therapists_role(client, admin, therapist, clinic):
    client.force_login(admin)
    theirs = _membership(therapist, clinic)
    response = client.post(
        _members_url(clinic), {"action": "change", "member": str(theirs.pk), "role": Role.ADMIN}
    )
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.role == Role.ADMIN


def test_admin_deactivates_a_member_who_then_loses_access(client, admin, therapist, clinic):
    client.force_login(admin)
    theirs = _membership(therapist, clinic)
    response = client.post(_members_url(clinic), {"action": "deactivate", "member": str(theirs.pk)})
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert not theirs.is_active
    assert AuditEvent.objects.filter(action="member_deactivate", object_id=str(theirs.pk)).exists()
    client.force_login(therapist)
    assert client.get(reverse("caseload", args=[clinic.slug])).status_code == 404


def test_another_clinics_member_cannot_be_changed_from_here(client, admin, outsider, clinic):
    client.force_login(admin)
    foreign = Membership.objects.get(user=outsider)
    response = client.post(
        _members_url(clinic), {"action": "deactivate", "member": str(foreign.pk)}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.is_active
