"""The login's second step (authenticator code, recovery code, security key) under the same
lockout as the password: wrong answers count per account and address, are audited, lock the
step at the fifth, and while locked even the right answer is refused until the lock ends."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from clinic.lockout import LOCKED_MESSAGE
from clinic.models import AuditEvent
from tests.factories import PASSWORD, MembershipFactory, totp_code
from tests.login import LoginClient
from tests.security_key import SecurityKey, page_js_data

pytestmark = pytest.mark.django_db

IP = "203.0.113.7"
API_LOGIN = "/api/v1/auth/login/"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _password_step(client, user):
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, REMOTE_ADDR=IP
    )
    assert response["Location"] == reverse("mfa_authenticate")


def _code_step(client, code):
    return client.post(reverse("mfa_authenticate"), {"code": code}, REMOTE_ADDR=IP)


def _events(clinic, user):
    return AuditEvent.objects.filter(clinic=clinic, object_id=str(user.pk))


def test_wrong_codes_lock_the_second_step_and_a_right_code_waits_for_the_lock(therapist, clinic):
    with time_machine.travel(START, tick=False) as traveller:
        client = LoginClient()
        _password_step(client, therapist)
        statuses = [_code_step(client, "000000").status_code for _ in range(5)]
        assert statuses == [200, 200, 200, 200, 429]
        traveller.shift(timedelta(seconds=40))  # a fresh code, never used
        refused = _code_step(client, totp_code())
        assert refused.status_code == 429
        assert LOCKED_MESSAGE in refused.content.decode()
        assert "_auth_user_id" not in client.session
        # Starting again from the password changes nothing: the pair is locked.
        again = LoginClient()
        locked = again.post(
            reverse("account_login"),
            {"login": therapist.email, "password": PASSWORD},
            REMOTE_ADDR=IP,
        )
        assert locked.status_code == 429
        traveller.shift(timedelta(minutes=14))
        assert _code_step(client, totp_code()).status_code == 429
        traveller.shift(timedelta(minutes=1, seconds=30))
        after = LoginClient()
        _password_step(after, therapist)
        assert _code_step(after, totp_code()).status_code == 302
        assert after.session["_auth_user_id"] == str(therapist.pk)

    events = _events(clinic, therapist)
    failed = events.filter(action="login_failed")
    assert failed.count() == 4
    assert all(e.detail == {"second_factor": "code"} for e in failed)
    locks = events.filter(action="login_locked")
    assert locks.exists()
    assert all(e.ip == IP and e.channel == "page" for e in locks)
    # Answers refused while locked are not new guesses: nothing more was audited or counted.
    assert events.filter(action="login").count() == 1


def test_wrong_recovery_codes_count_like_wrong_app_codes(therapist):
    client = LoginClient()
    _password_step(client, therapist)
    for _ in range(4):
        assert _code_step(client, "AAAA-BBBB").status_code == 200
    assert _code_step(client, "CCCC-DDDD").status_code == 429


def test_wrong_second_steps_and_wrong_passwords_share_one_count(client, therapist):
    for _ in range(3):
        client.post(
            reverse("account_login"),
            {"login": therapist.email, "password": "wrong"},
            REMOTE_ADDR=IP,
        )
    second = LoginClient()
    _password_step(second, therapist)
    assert _code_step(second, "000000").status_code == 200
    assert _code_step(second, "000000").status_code == 429


def test_another_address_is_not_locked_by_a_strangers_codes(therapist):
    client = LoginClient()
    _password_step(client, therapist)
    for _ in range(5):
        _code_step(client, "000000")
    mine = LoginClient()
    mine.post(
        reverse("account_login"),
        {"login": therapist.email, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.20",
    )
    ok = mine.post(reverse("mfa_authenticate"), {"code": totp_code()}, REMOTE_ADDR="198.51.100.20")
    assert ok.status_code == 302


def test_a_wrong_security_key_counts_and_locks(clinic):
    therapist = MembershipFactory(clinic=clinic, second_factor=False).user
    mine = SecurityKey()
    mine.enrol(therapist)
    client = LoginClient()
    _password_step(client, therapist)

    def touch(key):
        options = page_js_data(client.get(reverse("mfa_authenticate")))["request_options"]
        return client.post(
            reverse("mfa_authenticate"),
            {"credential": json.dumps(key.sign(options))},
            REMOTE_ADDR=IP,
        )

    assert [touch(SecurityKey()).status_code for _ in range(5)] == [200, 200, 200, 200, 429]
    assert touch(mine).status_code == 429  # the right key, refused while locked
    assert "_auth_user_id" not in client.session
    failed = _events(clinic, therapist).filter(action="login_failed")
    assert [e.detail for e in failed] == [{"second_factor": "security_key"}] * 4
    assert _events(clinic, therapist).filter(action="login_locked").exists()


def test_the_api_token_login_locks_on_wrong_codes_and_refuses_a_right_one(therapist, clinic):
    def api(code):
        return APIClient().post(
            API_LOGIN,
            {"email": therapist.email, "password": PASSWORD, "code": code},
            REMOTE_ADDR=IP,
            format="json",
        )

    with time_machine.travel(START, tick=False) as traveller:
        assert [api("000000").status_code for _ in range(5)] == [400, 400, 400, 400, 429]
        traveller.shift(timedelta(seconds=40))
        refused = api(totp_code())
        assert refused.status_code == 429 and "token" not in refused.json()
        traveller.shift(timedelta(minutes=15))
        assert api(totp_code()).status_code == 200
    failed = _events(clinic, therapist).filter(action="login_failed")
    assert [e.detail for e in failed] == [{"second_factor": "code"}] * 4
    assert _events(clinic, therapist).filter(action="login_locked").exists()
