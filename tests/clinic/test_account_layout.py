"""The account pages (Attune's own and allauth's: password, email, second factor) wear the
portal's layout for a client, with its "Leave quickly", and the staff layout for staff."""

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.urls import reverse

from tests.factories import PASSWORD, enrol_totp

pytestmark = pytest.mark.django_db

LEAVE = 'id="leave-quickly"'
LEAVE_SCRIPT = "/static/clinic/leave."
STAFF_NAV = "Caseload</a>"

# Every account page a person opens while logged in (re-authentication first, as allauth asks
# for the password again before the email, password and second-factor pages).
ACCOUNT_PAGES = [
    "account-security",
    "account_change_password",
    "account_email",
    "mfa_index",
    "mfa_activate_totp",
    "mfa_view_recovery_codes",
    "mfa_list_webauthn",
    "mfa_add_webauthn",
    "account_reauthenticate",
]


def _open(client, user, name):
    client.force_login(user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    return client.get(reverse(name))


@pytest.mark.parametrize("name", ACCOUNT_PAGES)
def test_a_client_reads_account_pages_in_the_portal_layout(client, couple, name):
    user = couple.partner_a.portal_user
    # Recovery codes exist once a second factor is on (setting one up is open to anyone).
    if name == "mfa_view_recovery_codes":
        enrol_totp(user)
        RecoveryCodes.activate(user)
    response = _open(client, user, name)
    assert response.status_code == 200
    page = response.content.decode()
    assert LEAVE in page and LEAVE_SCRIPT in page
    assert reverse("portal-home") in page
    assert STAFF_NAV not in page


@pytest.mark.parametrize("name", ["account-security", "account_change_password", "mfa_index"])
def test_staff_read_account_pages_in_the_staff_layout(client, therapist, clinic, name):
    session = client.session
    session["clinic_slug"] = clinic.slug
    session.save()
    response = _open(client, therapist, name)
    assert response.status_code == 200
    page = response.content.decode()
    assert LEAVE not in page and LEAVE_SCRIPT not in page


def test_a_revoked_client_is_not_dressed_as_a_portal_user(client, couple):
    """Revoked portal access ends the login; the layout follows the same rule as the portal."""
    from clinic.layouts import PORTAL_LAYOUT, STAFF_LAYOUT, layout_for

    user = couple.partner_a.portal_user
    assert layout_for(user) == PORTAL_LAYOUT
    couple.partner_a.portal_revoked_at = couple.partner_a.created_at
    couple.partner_a.save()
    assert layout_for(user) == STAFF_LAYOUT
