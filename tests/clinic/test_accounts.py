"""The account lifecycle on allauth: the second factor (required for staff, replay refused),
API tokens only after it, password reset without enumeration, password rules everywhere, and
every event that should end access ending all sessions and API tokens."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from clinic.identity import SECOND_FACTOR_NEEDED
from clinic.models import AuditEvent, Membership
from tests.conftest import api_client_for
from tests.factories import PASSWORD, MembershipFactory, totp_code
from tests.login import LoginClient

pytestmark = pytest.mark.django_db

API_LOGIN = "/api/v1/auth/login/"


def _password_then_code(client, user, code):
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    return client.post(reverse("mfa_authenticate"), {"code": code})


def test_a_used_totp_code_is_refused_the_second_time(therapist):
    code = totp_code()
    first = LoginClient()
    assert _password_then_code(first, therapist, code).status_code == 302
    second = LoginClient()
    replay = _password_then_code(second, therapist, code)
    assert replay.status_code == 200
    assert "Incorrect code." in replay.content.decode()
    assert "_auth_user_id" not in second.session


def test_api_token_needs_the_code_for_staff(therapist):
    response = APIClient().post(
        API_LOGIN, {"email": therapist.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["code"] == ["Enter the code from your authenticator app."]
    assert not AuthToken.objects.filter(user=therapist).exists()


def test_api_token_code_cannot_be_replayed(therapist):
    body = {"email": therapist.email, "password": PASSWORD, "code": totp_code()}
    assert APIClient().post(API_LOGIN, body, format="json").status_code == 200
    again = APIClient().post(API_LOGIN, body, format="json")
    assert again.status_code == 400
    assert again.json()["errors"]["code"] == ["This code is not valid or was already used."]


def test_staff_without_a_second_factor_get_no_api_token(clinic):
    user = MembershipFactory(clinic=clinic, second_factor=False).user
    response = APIClient().post(
        API_LOGIN, {"email": user.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["detail"] == SECOND_FACTOR_NEEDED
    assert not AuthToken.objects.filter(user=user).exists()


def test_a_partner_without_a_second_factor_gets_a_token_with_the_password(couple):
    partner = couple.partner_a.portal_user
    response = APIClient().post(
        API_LOGIN, {"email": partner.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["token"]


def test_a_clinic_can_require_a_second_factor_of_its_clients(client, couple, clinic):
    clinic.require_client_mfa = True
    clinic.save()
    partner = couple.partner_a.portal_user
    response = APIClient().post(
        API_LOGIN, {"email": partner.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 403
    client.force_login(partner)
    page = client.get("/portal/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/2fa/totp/")
    assert api_client_for(partner).get("/api/v1/portal/me/").status_code == 403


def test_the_api_login_keeps_the_per_user_token_limit(therapist, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}
    for _ in range(2):
        AuthToken.objects.create(therapist)
    response = APIClient().post(
        API_LOGIN,
        {"email": therapist.email, "password": PASSWORD, "code": totp_code()},
        format="json",
    )
    assert response.status_code == 403
    assert "already has 2 live API tokens" in response.json()["detail"]
    assert AuthToken.objects.filter(user=therapist).count() == 2


def _request_reset(client, email):
    return client.post(reverse("account_reset_password"), {"email": email})


def test_password_reset_answers_the_same_for_unknown_addresses(client, therapist):
    known = _request_reset(client, therapist.email)
    unknown = _request_reset(LoginClient(), "nobody@example.test")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("account_reset_password_done")
    to_known = [m for m in mail.outbox if m.to == [therapist.email]]
    assert len(to_known) == 1 and "/accounts/password/reset/key/" in to_known[0].body
    # Nothing sent to the unknown address can lead anywhere: it holds no reset link.
    assert all(
        "/password/reset/key/" not in m.body for m in mail.outbox if m.to != [therapist.email]
    )


def _reset_link(email) -> str:
    body = next(m.body for m in mail.outbox if m.to == [email])
    return re.search(r"https?://[^/]+(/accounts/password/reset/key/\S+/)", body).group(1)


def test_a_reset_ends_every_session_and_token_and_its_link_works_once(client, therapist, clinic):
    signed_in = LoginClient()
    signed_in.force_login(therapist)
    api = api_client_for(therapist)
    _request_reset(client, therapist.email)
    link = _reset_link(therapist.email)
    form_url = client.get(link)["Location"]
    new_password = "a-new-long-passphrase-2026"
    done = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert done.status_code == 302
    therapist.refresh_from_db()
    assert therapist.check_password(new_password)
    assert signed_in.get(reverse("caseload", args=[clinic.slug])).status_code == 302
    assert api.get(f"/api/v1/clinics/{clinic.slug}/couples/").status_code == 401
    assert AuditEvent.objects.filter(action="password_reset", object_id=str(therapist.pk)).exists()
    again = LoginClient().get(link, follow=True)
    assert "The password reset link was invalid" in again.content.decode()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-pass1", "at least 12 characters"),
        ("123456789012", "entirely numeric"),
        ("password1234", "too common"),
    ],
)
def test_new_passwords_pass_the_validators_when_accepting_an_invitation(
    admin, clinic, password, message, django_capture_on_commit_callbacks
):
    from clinic.invitations import staff_invite

    with django_capture_on_commit_callbacks(execute=True):
        staff_invite(clinic=clinic, by=admin, email="new.person@example.test")
    link = re.search(r"(/invitations/[^/\s]+/)", mail.outbox[-1].body).group(1)
    response = LoginClient().post(link, {"password1": password, "password2": password})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Membership.objects.filter(user__email="new.person@example.test").exists()


def test_the_password_change_page_refuses_a_short_password(client, therapist):
    client.force_login(therapist)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "short1", "password2": "short1"},
    )
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()


def test_logging_out_ends_the_users_api_tokens(client, therapist):
    api = api_client_for(therapist)
    client.force_login(therapist)
    client.post(reverse("account_logout"))
    assert not AuthToken.objects.filter(user=therapist).exists()
    assert api.get("/api/v1/clinics/").status_code == 401


def test_deactivating_a_member_ends_their_sessions_and_tokens(client, admin, therapist, clinic):
    theirs = LoginClient()
    theirs.force_login(therapist)
    api = api_client_for(therapist)
    membership = Membership.objects.get(user=therapist, clinic=clinic)
    client.force_login(admin)
    client.post(
        reverse("members", args=[clinic.slug]),
        {"action": "deactivate", "member": str(membership.pk)},
    )
    assert theirs.get("/").status_code == 302
    assert "_auth_user_id" not in theirs.session
    assert api.get("/api/v1/clinics/").status_code == 401


def test_removing_the_only_authenticator_app_is_refused_for_staff(client, therapist):
    from allauth.mfa.models import Authenticator

    client.force_login(therapist)
    # Changing a second factor asks for the password first; give it, so the refusal is the rule's.
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    totp = Authenticator.objects.get(user=therapist, type=Authenticator.Type.TOTP)
    response = client.post(reverse("mfa_deactivate_totp"), {})
    assert Authenticator.objects.filter(pk=totp.pk).exists()
    assert response.status_code == 200
    assert "You cannot deactivate two-factor authentication." in response.content.decode()


def _emailed_code(email) -> str:
    body = next(m.body for m in reversed(mail.outbox) if m.to == [email])
    return re.search(r"^\s*([A-Z0-9]{3,4}-[A-Z0-9]{3,4}|[A-Z0-9]{6,8})\s*$", body, re.M).group(1)


def test_a_partner_logs_in_with_a_code_sent_by_email(couple):
    partner = couple.partner_a.portal_user
    client = LoginClient()
    sent = client.post(reverse("account_request_login_code"), {"email": partner.email})
    assert sent.status_code == 302
    done = client.post(sent["Location"], {"code": _emailed_code(partner.email)})
    assert done.status_code == 302
    assert client.get("/portal/").status_code == 200


def test_a_code_login_still_asks_staff_for_their_second_factor(therapist):
    client = LoginClient()
    sent = client.post(reverse("account_request_login_code"), {"email": therapist.email})
    done = client.post(sent["Location"], {"code": _emailed_code(therapist.email)})
    assert done["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
