"""The test client's login: what force_login stands for once staff need a second factor."""

import time

from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from django.test import Client

from clinic.identity import second_factor_counts


class LoginClient(Client):
    """Django's test client, whose force_login stands for the whole login flow: for a user with
    a second factor that includes its step, recorded in the session as allauth records it.
    (A staff user built with second_factor=False has none, and pages refuse them.)"""

    def force_login(self, user, backend=None):
        # A real login loads the user as stored: its session hash must match the row's, which
        # moves when the user's access is ended (a test may hold the object from before).
        user.refresh_from_db(fields=["password", "access_revoked_at"])
        super().force_login(user, backend)
        factors = second_factor_counts(user)
        if factors:
            session = self.session
            session[AUTHENTICATION_METHODS_SESSION_KEY] = [
                {"method": "password", "at": time.time(), "email": user.email},
                {"method": "mfa", "at": time.time(), "type": min(factors)},
            ]
            session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
            session.save()
