"""One lockout for every login path (login page, portal, API token login), on django-axes with
the counts in the database: 5 failures of one account from one address within 5 minutes lock
that pair for 15 minutes; a higher bound per account across addresses; the address comes from
the trusted proxies only; unknown accounts answer like wrong passwords; Redis down is no 500."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from clinic.lockout import LOCKED_MESSAGE, pair_locked_at
from clinic.models import AuditEvent
from tests.factories import PASSWORD, totp_code

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
API_LOGIN = "/api/v1/auth/login/"
WRONG_PASSWORD_MESSAGE = "The email address and/or password you specified are not correct."


def _page_login(client, email, password, ip="203.0.113.7", **extra):
    return client.post(LOGIN, {"login": email, "password": password}, REMOTE_ADDR=ip, **extra)


def _api_login(email, password, ip="203.0.113.7", **extra):
    return APIClient().post(
        API_LOGIN, {"email": email, "password": password}, REMOTE_ADDR=ip, format="json", **extra
    )


def test_five_failures_lock_the_account_and_address_pair(client, therapist):
    statuses = [_page_login(client, therapist.email, "wrong").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    locked = _page_login(client, therapist.email, PASSWORD)
    assert locked.status_code == 429
    assert LOCKED_MESSAGE in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # The same account from another address is not locked: a stranger cannot lock them out.
    elsewhere = _page_login(client, therapist.email, PASSWORD, ip="198.51.100.20")
    assert elsewhere.status_code == 302
    assert elsewhere["Location"] == reverse("mfa_authenticate")


def test_the_lock_lasts_fifteen_minutes_from_the_locking_failure(client, therapist):
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        for _ in range(5):
            _page_login(client, therapist.email, "wrong")
        traveller.shift(timedelta(minutes=14))
        assert _page_login(client, therapist.email, PASSWORD).status_code == 429
        traveller.shift(timedelta(minutes=1, seconds=1))
        assert _page_login(client, therapist.email, PASSWORD).status_code == 302


def test_failures_spread_beyond_five_minutes_do_not_lock(client, therapist):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as traveller:
        for _ in range(4):
            assert _page_login(client, therapist.email, "wrong").status_code == 200
        traveller.shift(timedelta(minutes=6))
        assert _page_login(client, therapist.email, "wrong").status_code == 200
        assert _page_login(client, therapist.email, PASSWORD).status_code == 302


def test_the_pair_rule_as_a_pure_function():
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    five_in_four_minutes = [t0 + timedelta(minutes=i) for i in range(5)]
    assert pair_locked_at(five_in_four_minutes, limit=5, window=timedelta(minutes=5)) == (
        t0 + timedelta(minutes=4)
    )
    spread = [t0 + timedelta(minutes=2 * i) for i in range(5)]
    assert pair_locked_at(spread, limit=5, window=timedelta(minutes=5)) is None
    assert pair_locked_at(spread[:4], limit=5, window=timedelta(minutes=5)) is None


def test_many_addresses_reach_the_per_account_bound(client, therapist, settings):
    settings.AXES_ACCOUNT_FAILURE_LIMIT = 8
    for n in range(4):  # two guesses from each of four addresses: no pair is locked
        for _ in range(2):
            _page_login(client, therapist.email, "wrong", ip=f"192.0.2.{n + 1}")
    fresh_address = _page_login(client, therapist.email, PASSWORD, ip="192.0.2.200")
    assert fresh_address.status_code == 429
    assert LOCKED_MESSAGE in fresh_address.content.decode()


def test_api_failures_lock_the_login_page_too(client, therapist):
    """One mechanism: guesses through the API count for the page, and the API answers 429."""
    statuses = [_api_login(therapist.email, "wrong").status_code for _ in range(5)]
    assert statuses == [400, 400, 400, 400, 429]
    assert _api_login(therapist.email, PASSWORD).json() == {"detail": LOCKED_MESSAGE, "errors": {}}
    assert _page_login(client, therapist.email, PASSWORD).status_code == 429


def test_wrong_authenticator_codes_on_the_api_count_towards_the_lockout(therapist):
    for _ in range(4):
        response = APIClient().post(
            API_LOGIN,
            {"email": therapist.email, "password": PASSWORD, "code": "000000"},
            REMOTE_ADDR="203.0.113.7",
            format="json",
        )
        assert response.status_code == 400
        assert response.json()["errors"]["code"] == ["This code is not valid or was already used."]
    assert _api_login(therapist.email, "wrong").status_code == 429


def test_portal_logins_share_the_lockout(client, couple):
    partner = couple.partner_a.portal_user
    for _ in range(5):
        _page_login(client, partner.email, "wrong")
    assert _page_login(client, partner.email, PASSWORD).status_code == 429


def test_an_unknown_account_answers_exactly_like_a_wrong_password(client, therapist):
    unknown = _page_login(client, "nobody@example.test", "wrong")
    known = _page_login(client, therapist.email, "wrong")
    assert unknown.status_code == known.status_code == 200
    assert WRONG_PASSWORD_MESSAGE in unknown.content.decode()
    assert WRONG_PASSWORD_MESSAGE in known.content.decode()
    api_unknown, api_known = (
        _api_login("nobody@example.test", "x"),
        _api_login(therapist.email, "x"),
    )
    assert api_unknown.status_code == api_known.status_code == 400
    assert api_unknown.json() == api_known.json()
    for _ in range(3):
        _page_login(client, "nobody@example.test", "wrong")
    assert _page_login(client, "nobody@example.test", "wrong").status_code == 429


def test_a_forwarded_for_header_does_not_change_the_address_without_trusted_proxies(
    client, therapist
):
    for n in range(5):
        _page_login(client, therapist.email, "wrong", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}")
    spoofed = _page_login(client, therapist.email, PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.99")
    assert spoofed.status_code == 429


def test_behind_one_trusted_proxy_only_its_entry_counts(client, therapist, settings):
    settings.NUM_PROXIES = 1
    proxy = "10.0.0.2"
    for n in range(5):  # the client writes its own leftmost entries; the proxy appends the peer
        _page_login(
            client,
            therapist.email,
            "wrong",
            ip=proxy,
            HTTP_X_FORWARDED_FOR=f"1.1.1.{n}, 203.0.113.9",
        )
    same_client = _page_login(
        client, therapist.email, PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="1.1.1.77, 203.0.113.9"
    )
    assert same_client.status_code == 429
    other_client = _page_login(
        client, therapist.email, PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.10"
    )
    assert other_client.status_code == 302


def test_attempts_and_lockouts_are_audited_in_the_members_clinic(client, therapist, clinic):
    for _ in range(5):
        _page_login(client, therapist.email, "wrong")
    events = AuditEvent.objects.filter(clinic=clinic, object_id=str(therapist.pk))
    assert events.filter(action="login_failed").count() == 4
    locked = events.get(action="login_locked")
    assert locked.ip == "203.0.113.7" and locked.channel == "page"
    _page_login(client, therapist.email, PASSWORD)  # refused while locked: not a new failure
    assert events.filter(action="login_failed").count() == 4


def test_an_admin_unlocks_a_member_from_the_members_page(client, admin, therapist, clinic):
    from clinic.models import Membership

    other = type(client)()
    for _ in range(5):
        _page_login(other, therapist.email, "wrong")
    client.force_login(admin)
    page = client.get(reverse("members", args=[clinic.slug])).content.decode()
    assert "Locked out after failed logins" in page
    membership = Membership.objects.get(user=therapist, clinic=clinic)
    response = client.post(
        reverse("members", args=[clinic.slug]), {"action": "unlock", "member": str(membership.pk)}
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="member_unlock", object_id=str(membership.pk)).exists()
    assert _page_login(other, therapist.email, PASSWORD).status_code == 302
    page = client.get(reverse("members", args=[clinic.slug])).content.decode()
    assert "Locked out after failed logins" not in page


def test_login_works_with_redis_down(client, therapist, settings):
    """The cache falls back to the database: the TOTP step (which remembers used codes) and
    allauth's limits still work, and a replayed code is still refused."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"},
    }
    assert _page_login(client, therapist.email, PASSWORD).status_code == 302
    code = totp_code()
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(therapist.pk)
    token = APIClient().post(
        API_LOGIN,
        {"email": therapist.email, "password": PASSWORD, "code": code},
        format="json",
    )
    assert token.status_code == 400  # the same code, replayed, still refused
    assert token.json()["errors"]["code"] == ["This code is not valid or was already used."]
