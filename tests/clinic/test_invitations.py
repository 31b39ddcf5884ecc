"""Invitations: staff by an admin, clients to the portal by their therapist. Single-use links
that expire after 72 hours, can be sent again (the old link dies) or revoked; nothing about an
address outside the clinic is disclosed, and nobody becomes a member without accepting."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken

from clinic import invitations
from clinic.models import AuditEvent, Client, Invitation, Membership, Role
from tests.conftest import api_client_for
from tests.factories import ClientFactory, CoupleFactory, MembershipFactory
from tests.login import LoginClient

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-new-passphrase-2026"


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Run a step and deliver the mail it queued on commit; return the last link sent."""

    def run(step):
        with django_capture_on_commit_callbacks(execute=True):
            result = step()
        return result, re.search(r"(/invitations/[^/\s]+/)", mail.outbox[-1].body).group(1)

    return run


def _members(clinic):
    return reverse("members", args=[clinic.slug])


def _invite_on_page(client, clinic, email, **fields):
    return client.post(_members(clinic), {"action": "invite", "email": email, **fields})


def test_a_new_therapist_accepts_sets_a_password_and_is_sent_to_set_up_a_second_factor(
    client, admin, clinic, sent
):
    client.force_login(admin)
    response, link = sent(
        lambda: _invite_on_page(client, clinic, "new@example.test", role="therapist")
    )
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["new@example.test"]
    invitee = LoginClient()
    form = invitee.get(link)
    assert form.status_code == 200 and "Set password and continue" in form.content.decode()
    done = invitee.post(
        link, {"full_name": "Nia New", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert done.status_code == 302 and done["Location"] == f"/c/{clinic.slug}/caseload/"
    membership = Membership.objects.get(clinic=clinic, user__email="new@example.test")
    assert membership.role == Role.THERAPIST and membership.user.full_name == "Nia New"
    caseload = invitee.get(done["Location"])
    assert caseload.status_code == 302 and caseload["Location"].startswith("/accounts/2fa/totp/")
    invitation = Invitation.objects.get(email="new@example.test")
    assert AuditEvent.objects.filter(
        action="invitation_accept", object_id=str(invitation.pk)
    ).exists()
    # The link works once.
    again = LoginClient().get(link)
    assert again.status_code == 404
    assert "no longer valid" in again.content.decode()


def test_an_invitation_expires_after_72_hours(admin, clinic, sent):
    _, link = sent(
        lambda: invitations.staff_invite(clinic=clinic, by=admin, email="late@example.test")
    )
    with time_machine.travel(timezone.now() + timedelta(hours=71, minutes=59)):
        assert LoginClient().get(link).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=72, minutes=1)):
        response = LoginClient().post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
        assert response.status_code == 404
    assert not Membership.objects.filter(user__email="late@example.test").exists()


def test_sending_again_kills_the_old_link_and_revoking_kills_the_new(client, admin, clinic, sent):
    invitation, first = sent(
        lambda: invitations.staff_invite(clinic=clinic, by=admin, email="twice@example.test")
    )
    client.force_login(admin)
    _, second = sent(
        lambda: client.post(
            _members(clinic), {"action": "resend", "invitation": str(invitation.pk)}
        )
    )
    assert first != second
    assert LoginClient().get(first).status_code == 404
    assert LoginClient().get(second).status_code == 200
    client.post(_members(clinic), {"action": "revoke", "invitation": str(invitation.pk)})
    assert LoginClient().get(second).status_code == 404
    actions = set(
        AuditEvent.objects.filter(object_id=str(invitation.pk)).values_list("action", flat=True)
    )
    assert {"invitation_create", "invitation_resend", "invitation_revoke"} <= actions
    page = client.get(_members(clinic)).content.decode()
    assert "Revoke the invitation to twice@example.test" not in page  # no longer waiting


def test_another_clinics_invitations_cannot_be_resent_or_revoked(
    client, admin, clinic, other_clinic, outsider
):
    theirs = invitations.staff_invite(clinic=other_clinic, by=outsider, email="x@example.test")
    client.force_login(admin)
    for action in ("resend", "revoke"):
        response = client.post(_members(clinic), {"action": action, "invitation": str(theirs.pk)})
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_inviting_an_address_with_a_login_elsewhere_discloses_nothing(
    client, admin, clinic, other_clinic, couple, sent
):
    """Another clinic's therapist, a client's portal login and an unknown address get the same
    answer; nobody becomes a member until the person accepts."""
    elsewhere = MembershipFactory(clinic=other_clinic).user
    portal_login = CoupleFactory(clinic=other_clinic).partner_a.portal_user
    client.force_login(admin)
    pages = []
    for email in (elsewhere.email, portal_login.email, "unknown@example.test"):
        response = client.post(
            _members(clinic), {"action": "invite", "email": email, "role": "therapist"}, follow=True
        )
        page = response.content.decode().replace(email, "EMAIL")
        pages.append(re.search(r'<ul class="messages".*?</ul>', page, re.S).group(0))
    assert pages[0] == pages[1] == pages[2]
    assert "An invitation was sent to EMAIL." in pages[0]
    assert not Membership.objects.filter(clinic=clinic, user=elsewhere).exists()
    api = api_client_for(admin).post(
        f"/api/v1/clinics/{clinic.slug}/members/",
        {"email": "api." + elsewhere.email},
        format="json",
    )
    assert set(api.json()) == {
        "id",
        "kind",
        "email",
        "full_name",
        "role",
        "is_supervised",
        "supervisor",
        "status",
        "sent_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    }


def test_someone_with_a_login_accepts_by_logging_in_as_themselves(
    admin, clinic, other_clinic, sent
):
    elsewhere = MembershipFactory(clinic=other_clinic).user
    _, link = sent(lambda: invitations.staff_invite(clinic=clinic, by=admin, email=elsewhere.email))
    anonymous = LoginClient().get(link).content.decode()
    assert "Log in to accept" in anonymous and "Set password" not in anonymous
    someone_else = LoginClient()
    someone_else.force_login(admin)
    assert "logged in with another account" in someone_else.get(link).content.decode()
    invitee = LoginClient()
    invitee.force_login(elsewhere)
    response = invitee.post(link)
    assert response.status_code == 302
    assert Membership.objects.get(clinic=clinic, user=elsewhere).role == Role.THERAPIST


def test_a_portal_login_cannot_accept_a_staff_invitation(admin, clinic, other_clinic, sent):
    portal_login = CoupleFactory(clinic=other_clinic).partner_a.portal_user
    _, link = sent(
        lambda: invitations.staff_invite(clinic=clinic, by=admin, email=portal_login.email)
    )
    invitee = LoginClient()
    invitee.force_login(portal_login)
    response = invitee.post(link)
    assert response.status_code == 200
    assert "portal login; ask the clinic to invite another address" in response.content.decode()
    assert not Membership.objects.filter(user=portal_login).exists()


def _portal(client, clinic, partner, action):
    return client.post(
        reverse("client-portal-access", args=[clinic.slug, partner.pk]), {"action": action}
    )


def test_a_therapist_gives_a_partner_portal_access_and_can_end_it(client, therapist, clinic, sent):
    couple = CoupleFactory(
        clinic=clinic,
        therapists=[therapist],
        partner_a=ClientFactory(clinic=clinic, email="robin@example.test"),
    )
    partner = couple.partner_a
    client.force_login(therapist)
    page = client.get(reverse("couple-detail", args=[clinic.slug, couple.pk])).content.decode()
    assert f'Portal for {partner.display_name}: <span class="badge">No access</span>' in page
    _, link = sent(lambda: _portal(client, clinic, partner, "grant"))
    assert mail.outbox[-1].to == ["robin@example.test"]
    page = client.get(reverse("couple-detail", args=[clinic.slug, couple.pk])).content.decode()
    assert f'Portal for {partner.display_name}: <span class="badge">Invited</span>' in page
    robin = LoginClient()
    accepted = robin.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert accepted.status_code == 302 and accepted["Location"] == "/portal/"
    assert robin.get("/portal/").status_code == 200
    partner.refresh_from_db()
    token_client = api_client_for(partner.portal_user)
    _portal(client, clinic, partner, "revoke")
    assert robin.get("/portal/").status_code == 302  # the session ended at once
    assert not AuthToken.objects.filter(user=partner.portal_user).exists()
    assert token_client.get("/api/v1/portal/me/").status_code == 401
    page = client.get(reverse("couple-detail", args=[clinic.slug, couple.pk])).content.decode()
    assert "Access ended" in page
    _portal(client, clinic, partner, "grant")  # access back, with the same login
    again = LoginClient()
    again.post(
        reverse("account_login"), {"login": partner.portal_user.email, "password": NEW_PASSWORD}
    )
    assert again.get("/portal/").status_code == 200
    actions = list(
        AuditEvent.objects.filter(object_id=str(partner.pk)).values_list("action", flat=True)
    )
    assert "portal_revoke" in actions and "portal_grant" in actions


def test_a_therapist_cannot_manage_portal_access_of_an_unassigned_couple(
    client, other_therapist, couple, clinic
):
    client.force_login(other_therapist)
    response = _portal(client, clinic, couple.partner_a, "revoke")
    assert response.status_code == 404
    assert Client.objects.get(pk=couple.partner_a.pk).portal_revoked_at is None


def test_the_invitations_api_lists_resends_and_revokes_for_admins_only(
    admin, therapist, clinic, sent
):
    invitation, _ = sent(
        lambda: invitations.staff_invite(clinic=clinic, by=admin, email="api@example.test")
    )
    api = api_client_for(admin)
    base = f"/api/v1/clinics/{clinic.slug}/invitations/"
    assert [i["email"] for i in api.get(base).json()["results"]] == ["api@example.test"]
    assert api.post(f"{base}{invitation.pk}/resend/").json()["status"] == "pending"
    assert api.post(f"{base}{invitation.pk}/revoke/").json()["status"] == "revoked"
    assert api_client_for(therapist).get(base).status_code == 403
    again = api.post(f"{base}{invitation.pk}/resend/")
    assert again.status_code == 400
    assert again.json()["errors"]["non_field_errors"] == [
        "This invitation was already accepted or revoked."
    ]


def test_createadmin_invites_a_new_clinics_first_admin(django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("createadmin", "first@example.test", "--clinic", "new-clinic", stdout=out)
    link = re.search(r"(/invitations/[^/\s]+/)", out.getvalue()).group(1)
    assert mail.outbox[-1].to == ["first@example.test"] and link in mail.outbox[-1].body
    invitee = LoginClient()
    invitee.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    membership = Membership.objects.get(user__email="first@example.test")
    assert membership.role == Role.ADMIN and membership.clinic.slug == "new-clinic"
    assert AuditEvent.objects.filter(action="invitation_create", channel="command").exists()
