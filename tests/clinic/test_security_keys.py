"""Security keys and passkeys (WebAuthn) as the second factor: a member of staff whose only
factor is a key passes the gate by touching it after the password, keys are added, renamed
and removed after re-authentication (ending the person's other sessions and tokens), staff
keep at least one factor, and the API's token login, which can only take a code, says so.

The key is tests.security_key.SecurityKey: real P-256 signatures checked by fido2 through
allauth's own views, as a USB key would answer them."""

import json
import time

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from clinic.identity import TOTP_NEEDED_FOR_API
from clinic.models import AuditEvent
from clinic.security_keys import LAST_FACTOR
from tests.conftest import api_client_for
from tests.factories import PASSWORD, CoupleFactory, MembershipFactory, enrol_totp, totp_code
from tests.login import LoginClient
from tests.security_key import SecurityKey, page_js_data

pytestmark = pytest.mark.django_db

API_LOGIN = "/api/v1/auth/login/"
WEBAUTHN = Authenticator.Type.WEBAUTHN


@pytest.fixture
def key():
    return SecurityKey()


@pytest.fixture
def key_therapist(clinic, key):
    """A therapist whose only second factor is a security key, assigned to a couple."""
    therapist = MembershipFactory(clinic=clinic, second_factor=False).user
    key.enrol(therapist)
    CoupleFactory(clinic=clinic, therapists=[therapist])
    return therapist


def _caseload(clinic):
    return reverse("caseload", kwargs={"clinic_slug": clinic.slug})


def _password_step(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    return response


def _key_step(client, key):
    """Touch the key on the login's second step: sign the challenge the page carries."""
    options = page_js_data(client.get(reverse("mfa_authenticate")))["request_options"]
    credential = key.sign(options)
    return client.post(reverse("mfa_authenticate"), {"credential": json.dumps(credential)})


def test_a_therapist_with_only_a_key_logs_in_with_password_and_key(clinic, key_therapist, key):
    client = LoginClient()
    _password_step(client, key_therapist)
    assert client.get(_caseload(clinic))["Location"].startswith("/accounts/login/")
    done = _key_step(client, key)
    assert done.status_code == 302
    assert client.get(_caseload(clinic)).status_code == 200
    used = Authenticator.objects.get(user=key_therapist, type=WEBAUTHN)
    assert used.last_used_at is not None
    assert AuditEvent.objects.filter(actor=key_therapist, action="login").exists()


def test_the_login_step_offers_the_key_only_to_those_who_have_one(therapist, key_therapist):
    with_key, with_app = LoginClient(), LoginClient()
    _password_step(with_key, key_therapist)
    _password_step(with_app, therapist)
    key_page = with_key.get(reverse("mfa_authenticate")).content.decode()
    app_page = with_app.get(reverse("mfa_authenticate")).content.decode()
    assert 'id="mfa_webauthn_authenticate"' in key_page
    assert 'id="mfa_webauthn_authenticate"' not in app_page
    assert "Enter the code from your authenticator app" in app_page
    for page in (key_page, app_page):  # options travel as JSON data, never as inline code
        assert "<script>" not in page and " style=" not in page


def test_another_key_is_refused_at_login(clinic, key_therapist):
    client = LoginClient()
    _password_step(client, key_therapist)
    refused = _key_step(client, SecurityKey())
    assert refused.status_code == 200
    assert "That security key was not accepted." in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(_caseload(clinic)).status_code == 302


def test_a_keys_answer_cannot_be_replayed_on_another_login(clinic, key_therapist, key):
    first = LoginClient()
    _password_step(first, key_therapist)
    options = page_js_data(first.get(reverse("mfa_authenticate")))["request_options"]
    answer = json.dumps(key.sign(options))
    assert first.post(reverse("mfa_authenticate"), {"credential": answer}).status_code == 302
    second = LoginClient()
    _password_step(second, key_therapist)
    second.get(reverse("mfa_authenticate"))  # a fresh challenge for this login
    replay = second.post(reverse("mfa_authenticate"), {"credential": answer})
    assert replay.status_code == 200
    assert "_auth_user_id" not in second.session


def test_a_session_that_skipped_the_key_reaches_no_clinical_page(clinic, key_therapist):
    client = Client()
    client.force_login(key_therapist)  # Django's own login: no second factor recorded
    response = client.get(_caseload(clinic))
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "junk", ["", "not json", "{}", json.dumps({"id": "x", "rawId": "y", "response": {}})]
)
def test_junk_in_place_of_a_key_answer_is_refused_without_an_error(key_therapist, junk):
    client = LoginClient()
    _password_step(client, key_therapist)
    client.get(reverse("mfa_authenticate"))
    response = client.post(reverse("mfa_authenticate"), {"credential": junk})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def _signed_in_again(user):
    """A session of the user that has just confirmed the password again, as changing a second
    factor asks (allauth's re-authentication)."""
    client = LoginClient()
    client.force_login(user)
    confirmed = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert confirmed.status_code == 302
    return client


def _add_key(client, key, name="Desk key"):
    page = client.get(reverse("mfa_add_webauthn"))
    assert page.status_code == 200
    credential = key.register(page_js_data(page)["creation_options"])
    return client.post(
        reverse("mfa_add_webauthn"), {"name": name, "credential": json.dumps(credential)}
    )


def test_adding_a_key_names_it_and_ends_the_other_sessions_and_tokens(clinic, therapist, key):
    elsewhere = LoginClient()
    elsewhere.force_login(therapist)
    api = api_client_for(therapist)
    client = _signed_in_again(therapist)
    added = _add_key(client, key, name="Blue USB key")
    assert added.status_code == 302
    stored = Authenticator.objects.get(user=therapist, type=WEBAUTHN)
    assert stored.wrap().name == "Blue USB key"
    assert elsewhere.get(_caseload(clinic)).status_code == 302
    assert api.get("/api/v1/clinics/").status_code == 401
    assert client.get(_caseload(clinic)).status_code == 200  # this session keeps working
    event = AuditEvent.objects.get(actor=therapist, action="mfa_added")
    assert event.detail == {"type": "webauthn"}
    listed = client.get(reverse("mfa_list_webauthn")).content.decode()
    assert "Blue USB key" in listed


def test_a_portal_user_adds_a_key_and_it_is_asked_for_at_their_next_login(couple, clinic, key):
    clinic.require_client_mfa = True  # and a key is enough for a clinic that requires one
    clinic.save()
    partner = couple.partner_a.portal_user
    client = _signed_in_again(partner)
    assert _add_key(client, key)["Location"] == reverse("mfa_view_recovery_codes")
    assert [m.subject for m in mail.outbox if m.to == [partner.email]] == [
        "[Attune] Security Key Added"
    ]
    client.post(reverse("account_logout"))
    _password_step(client, partner)
    assert client.get("/portal/").status_code == 302
    _key_step(client, key)
    assert client.get("/portal/").status_code == 200


def test_a_key_name_is_bounded_and_a_registration_for_another_challenge_is_refused(therapist, key):
    client = _signed_in_again(therapist)
    too_long = _add_key(client, key, name="k" * 65)
    assert "at most 64 characters" in too_long.content.decode()
    client.get(reverse("mfa_add_webauthn"))
    stale = key.register({"publicKey": {"challenge": "c3RhbGUtY2hhbGxlbmdl"}})
    refused = client.post(
        reverse("mfa_add_webauthn"), {"name": "Old", "credential": json.dumps(stale)}
    )
    assert refused.status_code == 200
    assert "Incorrect code." in refused.content.decode()
    assert not Authenticator.objects.filter(user=therapist, type=WEBAUTHN).exists()


def test_changing_keys_asks_for_the_password_again_after_five_minutes(therapist, key):
    stored = key.enrol(therapist)
    urls = (
        reverse("mfa_add_webauthn"),
        reverse("mfa_edit_webauthn", kwargs={"pk": stored.pk}),
        reverse("mfa_remove_webauthn", kwargs={"pk": stored.pk}),
    )
    client = LoginClient()
    client.force_login(therapist)
    for url in urls:
        assert client.get(url)["Location"].startswith(reverse("account_reauthenticate")), url
    client = _signed_in_again(therapist)
    for url in urls:
        assert client.get(url).status_code == 200, url
    with time_machine.travel(time.time() + 360, tick=False):  # after confirming the password
        for url in urls:
            response = client.get(url)
            assert response["Location"].startswith(reverse("account_reauthenticate")), url


def test_a_key_is_renamed(therapist, key):
    stored = key.enrol(therapist, name="Master key")
    client = _signed_in_again(therapist)
    url = reverse("mfa_edit_webauthn", kwargs={"pk": stored.pk})
    assert client.post(url, {"name": "Spare key in the drawer"}).status_code == 302
    stored.refresh_from_db()
    assert stored.wrap().name == "Spare key in the drawer"


def test_staff_cannot_remove_their_only_key(key_therapist):
    stored = Authenticator.objects.get(user=key_therapist, type=WEBAUTHN)
    client = _signed_in_again(key_therapist)
    url = reverse("mfa_remove_webauthn", kwargs={"pk": stored.pk})
    page = client.get(url).content.decode()
    assert "is your only second factor" in page
    refused = client.post(url, follow=True)
    assert LAST_FACTOR in refused.content.decode()
    assert Authenticator.objects.filter(pk=stored.pk).exists()


def test_removing_one_of_two_keys_ends_the_other_sessions_and_tokens(clinic, key_therapist):
    spare = SecurityKey().enrol(key_therapist, name="Spare")
    elsewhere = LoginClient()
    elsewhere.force_login(key_therapist)
    api = api_client_for(key_therapist)
    client = _signed_in_again(key_therapist)
    url = reverse("mfa_remove_webauthn", kwargs={"pk": spare.pk})
    assert client.post(url)["Location"] == reverse("mfa_list_webauthn")
    assert not Authenticator.objects.filter(pk=spare.pk).exists()
    assert elsewhere.get(_caseload(clinic)).status_code == 302
    assert api.get("/api/v1/clinics/").status_code == 401
    event = AuditEvent.objects.get(actor=key_therapist, action="mfa_removed")
    assert event.detail == {"type": "webauthn"}


def test_someone_elses_key_is_not_found(therapist, key_therapist):
    theirs = Authenticator.objects.get(user=key_therapist, type=WEBAUTHN)
    client = _signed_in_again(therapist)
    for name in ("mfa_edit_webauthn", "mfa_remove_webauthn"):
        url = reverse(name, kwargs={"pk": theirs.pk})
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "Mine now"}).status_code == 404
    assert Authenticator.objects.get(pk=theirs.pk).wrap().name == "Blue key"


def test_a_key_can_replace_the_authenticator_app_of_staff(therapist, key):
    key.enrol(therapist)
    client = _signed_in_again(therapist)
    client.post(reverse("mfa_deactivate_totp"), {})
    assert not Authenticator.objects.filter(user=therapist, type="totp").exists()


def test_the_account_page_counts_the_keys(therapist, key):
    key.enrol(therapist)
    SecurityKey().enrol(therapist, name="Spare")
    client = LoginClient()
    client.force_login(therapist)
    page = client.get(reverse("account-security")).content.decode()
    assert "Authenticator app, 2 security keys" in page
    index = client.get(reverse("mfa_index")).content.decode()
    assert "2 keys: Blue key, Spare." in index


def test_the_api_token_login_tells_a_key_only_user_to_add_an_authenticator_app(key_therapist):
    for body in (
        {"email": key_therapist.email, "password": PASSWORD},
        {"email": key_therapist.email, "password": PASSWORD, "code": "123456"},
    ):
        response = APIClient().post(API_LOGIN, body, format="json")
        assert response.status_code == 400
        assert response.json()["errors"]["code"] == [TOTP_NEEDED_FOR_API]
    assert not AuthToken.objects.filter(user=key_therapist).exists()


def test_the_api_token_login_answers_a_wrong_password_the_same_for_a_key_user(key_therapist):
    response = APIClient().post(
        API_LOGIN, {"email": key_therapist.email, "password": "not-the-password"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "non_field_errors": ["Unable to log in with these credentials."]
    }


def test_a_key_user_who_adds_an_authenticator_app_gets_a_token_with_its_code(key_therapist):
    enrol_totp(key_therapist)
    response = APIClient().post(
        API_LOGIN,
        {"email": key_therapist.email, "password": PASSWORD, "code": totp_code()},
        format="json",
    )
    assert response.status_code == 200
    assert AuthToken.objects.filter(user=key_therapist).count() == 1


def test_a_key_confirms_it_is_you_instead_of_the_password(key_therapist, key):
    client = LoginClient()
    client.force_login(key_therapist)
    asked = client.get(reverse("mfa_add_webauthn"))
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    alternatives = client.get(asked["Location"]).content.decode()
    assert reverse("mfa_reauthenticate_webauthn") in alternatives
    page = client.get(reverse("mfa_reauthenticate_webauthn"))
    assert 'id="mfa_webauthn_reauthenticate"' in page.content.decode()
    credential = key.sign(page_js_data(page)["request_options"])
    confirmed = client.post(
        reverse("mfa_reauthenticate_webauthn"), {"credential": json.dumps(credential)}
    )
    assert confirmed.status_code == 302
    assert client.get(reverse("mfa_add_webauthn")).status_code == 200


def test_a_wrong_key_does_not_confirm_it_is_you(key_therapist):
    client = LoginClient()
    client.force_login(key_therapist)
    page = client.get(reverse("mfa_reauthenticate_webauthn"))
    credential = SecurityKey().sign(page_js_data(page)["request_options"])
    client.post(reverse("mfa_reauthenticate_webauthn"), {"credential": json.dumps(credential)})
    assert client.get(reverse("mfa_add_webauthn"))["Location"].startswith(
        reverse("account_reauthenticate")
    )
