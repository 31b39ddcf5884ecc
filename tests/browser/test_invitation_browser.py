"""In real Chromium: an admin invites a therapist; the therapist follows the emailed link, sets
a password, sets up an authenticator app (the code computed with pyotp, as a phone would) and
lands on the caseload; then gives a partner portal access, and the partner logs in."""

import re

import pyotp
import pytest
from django.core import mail

from clinic.models import Membership
from tests.browser.conftest import login
from tests.factories import PASSWORD, ClientFactory, CoupleFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THERAPIST_PASSWORD = "river-stone-lantern-42"
PARTNER_PASSWORD = "quiet-harbour-morning-7"


def _link_sent_to(email: str) -> str:
    body = next(m.body for m in reversed(mail.outbox) if m.to == [email])
    return re.search(r"(/invitations/[^/\s]+/)", body).group(1)


def test_invited_therapist_sets_up_and_gives_a_partner_portal_access(browser, live_server):
    admin = MembershipFactory(role="admin").user
    clinic = admin.memberships.get().clinic
    admin_page = browser.new_page()
    login(admin_page, live_server, admin.email, PASSWORD)
    admin_page.goto(f"{live_server.url}/c/{clinic.slug}/members/")
    invite = admin_page.locator(
        "form", has=admin_page.get_by_role("button", name="Send invitation")
    )
    invite.get_by_label("Email").fill("sam.new@example.test")
    invite.get_by_label("Name").fill("Sam New")
    assert invite.get_by_label("Role").input_value() == "therapist"  # never admin by default
    admin_page.get_by_role("button", name="Send invitation").click()
    admin_page.wait_for_load_state("networkidle")
    assert "An invitation was sent to sam.new@example.test." in admin_page.content()

    therapist_page = browser.new_page()
    therapist_page.goto(live_server.url + _link_sent_to("sam.new@example.test"))
    therapist_page.locator("#id_password1").fill(THERAPIST_PASSWORD)
    therapist_page.locator("#id_password2").fill(THERAPIST_PASSWORD)
    therapist_page.get_by_role("button", name="Set password and continue").click()
    therapist_page.wait_for_load_state("networkidle")
    assert "/accounts/2fa/totp/activate/" in therapist_page.url
    secret = therapist_page.locator("#authenticator_secret").input_value()
    therapist_page.get_by_label("Authenticator code").fill(pyotp.TOTP(secret).now())
    therapist_page.get_by_role("button", name="Activate").click()
    therapist_page.wait_for_load_state("networkidle")
    therapist_page.get_by_role("link", name="Continue to Attune").click()
    therapist_page.wait_for_load_state("networkidle")
    assert therapist_page.url.endswith(f"/c/{clinic.slug}/caseload/")
    therapist = Membership.objects.get(clinic=clinic, user__email="sam.new@example.test").user

    couple = CoupleFactory(
        clinic=clinic,
        therapists=[therapist],
        partner_a=ClientFactory(
            clinic=clinic, email="robin.p@example.test", legal_name="Robin Park"
        ),
    )
    therapist_page.goto(f"{live_server.url}/c/{clinic.slug}/couples/{couple.pk}/")
    therapist_page.get_by_role("button", name="Give Robin Park portal access").click()
    therapist_page.wait_for_load_state("networkidle")
    assert "Invited" in therapist_page.content()

    partner_page = browser.new_page()
    partner_page.goto(live_server.url + _link_sent_to("robin.p@example.test"))
    partner_page.locator("#id_password1").fill(PARTNER_PASSWORD)
    partner_page.locator("#id_password2").fill(PARTNER_PASSWORD)
    partner_page.get_by_role("button", name="Set password and continue").click()
    partner_page.wait_for_load_state("networkidle")
    assert partner_page.url.endswith("/portal/")
    partner_page.context.clear_cookies()
    login(partner_page, live_server, "robin.p@example.test", PARTNER_PASSWORD)
    assert partner_page.url.endswith("/portal/")
    assert partner_page.get_by_role("link", name="Leave quickly").is_visible()
