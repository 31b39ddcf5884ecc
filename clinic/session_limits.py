"""How long a signed-in browser session lasts: staff 30 minutes without a request (a clinic may
choose shorter, never above 60), clients in the portal 15 minutes, and nobody longer than 12
hours from logging in. Pages of a signed-in person are never stored by the browser.

The limits are fixed at login and kept in the session, so checking them costs no query; the
time of the last request is written at most once a minute, so pages do not write the session
on every request.
"""

import time

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.utils.cache import patch_cache_control

from clinic.models import STAFF_IDLE_MINUTES_MAX, Clinic, Membership
from clinic.tenancy import across_clinics

PORTAL_IDLE_SECONDS = 15 * 60
ABSOLUTE_SECONDS = 12 * 3600
TOUCH_EVERY_SECONDS = 60

AUTH_AT, LAST_SEEN, IDLE = "attune_auth_at", "attune_last_seen", "attune_idle_seconds"


def idle_seconds_for(user) -> int:
    """Staff: the shortest idle limit of the clinics they work in; everyone else: the portal's."""
    with across_clinics():  # the clinics this login works in, whichever they are
        clinic_ids = list(
            Membership.objects.filter(user=user, is_active=True).values_list("clinic_id", flat=True)
        )
    clinic_minutes = Clinic.objects.filter(pk__in=clinic_ids).values_list(
        "staff_idle_minutes", flat=True
    )
    minutes = [min(m, STAFF_IDLE_MINUTES_MAX) for m in clinic_minutes]
    return min(minutes) * 60 if minutes else PORTAL_IDLE_SECONDS


def start(request, user) -> None:
    """Called at login: the clock for both limits starts now."""
    now = time.time()
    request.session[AUTH_AT] = now
    request.session[LAST_SEEN] = now
    request.session[IDLE] = idle_seconds_for(user)


def expired(session, now: float) -> bool:
    """Whether this session is past its idle or its absolute limit. Pure over the session."""
    last, started, idle = session.get(LAST_SEEN), session.get(AUTH_AT), session.get(IDLE)
    if last is None or started is None or idle is None:
        return False
    return now - last > idle or now - started > ABSOLUTE_SECONDS


def touch(session, now: float, *, force: bool = False) -> None:
    if force or now - session.get(LAST_SEEN, 0) >= TOUCH_EVERY_SECONDS:
        session[LAST_SEEN] = now


class SessionLimitMiddleware:
    """Ends a session past its limits (the person logs in again) and marks every response to a
    signed-in person `Cache-Control: no-store`. After AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        if signed_in:
            session = request.session
            now = time.time()
            if IDLE not in session:
                start(request, user)  # a session from before these limits: its clock starts now
            elif expired(session, now):
                # This session only: an idle tab elsewhere is not a reason to end the
                # person's other sessions and API tokens (as logging out does).
                session.flush()
                request.user = AnonymousUser()
                return self._ended(request)
            else:
                touch(session, now)
        response = self.get_response(request)
        # DRF authenticates API tokens inside the view and sets the user on this request then.
        user = getattr(request, "user", None)
        if signed_in or (user is not None and user.is_authenticated):
            # Nothing of a signed-in page may be recovered from the browser's cache later.
            patch_cache_control(response, no_store=True, private=True)
        return response

    @staticmethod
    def _ended(request):
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": "Your session ended. Log in again.", "errors": {}}, status=401
            )
        messages.info(request, "You were logged out after a time without activity.")
        return redirect_to_login(request.get_full_path())
