"""Logins for the benchmarks' load generator: an API token and a session cookie per person.

Staff reach no clinical page or API route without a second factor, so a staff member measured
here first enrols an authenticator app (as the website's enrolment would) and their session
carries allauth's record of the password and the MFA step, as a real login leaves it.
"""

from __future__ import annotations

import secrets
import time

from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.test import Client
from knox.models import AuthToken

from clinic.identity import has_second_factor


def enrol_second_factor(user) -> None:
    """Give a staff member an authenticator app (a random secret: nobody types its codes)."""
    secret = secrets.token_hex(20)
    Authenticator.objects.get_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": encrypt(secret)}}
    )


def session_cookie(user) -> dict[str, str]:
    """The Cookie header of a logged-in session of `user`, past the second factor if they
    have one."""
    client = Client()
    client.force_login(user)
    if has_second_factor(user):
        session = client.session
        now = time.time()
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            {"method": "password", "at": now, "email": user.email},
            {"method": "mfa", "at": now, "type": "totp"},
        ]
        session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
        session.save()
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}


def staff_logins(user) -> tuple[dict[str, str], dict[str, str]]:
    """(API token header, session cookie header) for a member of staff, second factor
    enrolled first."""
    enrol_second_factor(user)
    _, token = AuthToken.objects.create(user)
    return {"Authorization": f"Token {token}"}, session_cookie(user)
