"""Failed-login lockout for every login path (pages, portal, API token login), on django-axes.

Each failure is a row in the database (axes' failure log), so counting works with Redis down.
Two bounds, both checked before a password is looked at:

- 5 failures for one account from one address within 5 minutes lock that pair for 15 minutes
  (counted from the failure that reached the limit);
- beyond a higher number of failures for one account from all addresses within 15 minutes, the
  account refuses password attempts until they age out: a distributed guesser gets nowhere,
  and one stranger with a handful of guesses cannot lock a therapist out of work.

An unknown address is counted exactly like a known one, so the answers never tell them apart.
"""

from datetime import datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessFailureLog
from axes.signals import user_locked_out
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

ANY_ADDRESS = object()
LOCKED_MESSAGE = "Too many failed attempts. Please wait 15 minutes and try again."


def attempted_email(request, credentials: dict | None = None) -> str:
    """The address a login attempt names, as it is stored (trimmed, lower case)."""
    value = ""
    if credentials:
        value = credentials.get("email") or credentials.get("username") or ""
    if not value and request is not None:
        data = getattr(request, "data", None) or request.POST
        value = data.get("email") or data.get("login") or data.get("username") or ""
    return str(value).strip().lower()


def pair_locked_at(failure_times: list[datetime], *, limit: int, window: timedelta):
    """The time the pair's lock began (the failure that made `limit` within `window`), or None.

    `failure_times` is sorted, oldest first. Pure function, so the rule is tested on its own.
    """
    for i in range(limit - 1, len(failure_times)):
        if failure_times[i] - failure_times[i - limit + 1] <= window:
            return failure_times[i]
    return None


def is_locked(times_by_ip: dict, *, now: datetime, ip=ANY_ADDRESS) -> bool:
    """The two bounds over one account's recent failures ({address: [times]}): locked for
    `ip`, or from some address when `ip` is not given."""
    cooloff, window = settings.AXES_COOLOFF_TIME, settings.AXES_FAILURE_WINDOW
    recent = sum(1 for times in times_by_ip.values() for t in times if t > now - cooloff)
    if recent >= settings.AXES_ACCOUNT_FAILURE_LIMIT:
        return True
    pairs = times_by_ip.values() if ip is ANY_ADDRESS else [times_by_ip.get(ip, [])]
    for times in pairs:
        started = pair_locked_at(sorted(times), limit=settings.AXES_FAILURE_LIMIT, window=window)
        if started is not None and started > now - cooloff:
            return True
    return False


def _recent_failures(emails, now: datetime) -> dict[str, dict]:
    since = now - settings.AXES_COOLOFF_TIME - settings.AXES_FAILURE_WINDOW
    rows = AccessFailureLog.objects.filter(
        username__in=list(emails), attempt_time__gt=since
    ).values_list("username", "ip_address", "attempt_time")
    failures: dict[str, dict] = {}
    for email, ip, at in rows:
        failures.setdefault(email, {}).setdefault(ip, []).append(at)
    return failures


def lock_state(*, email: str, ip: str | None, now: datetime | None = None) -> bool:
    """True while this account may not try a password from this address."""
    now = now or timezone.now()
    return is_locked(_recent_failures([email], now).get(email, {}), now=now, ip=ip)


def locked_emails(emails) -> set[str]:
    """Which of these accounts are locked from some address now (one query, for the members
    page whatever its size)."""
    now = timezone.now()
    return {
        email
        for email, times_by_ip in _recent_failures(emails, now).items()
        if is_locked(times_by_ip, now=now)
    }


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler with the two bounds above in place of its single counter."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        email = get_client_username(request, credentials)
        if lock_state(email=email, ip=request.axes_ip_address, now=request.axes_attempt_time):
            return settings.AXES_FAILURE_LIMIT
        return 0

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        # axes decides on the lockout before it writes this failure to its log, which is what
        # the bounds count: decide again with it, so the 5th failure is the one that locks.
        if request is None or request.axes_locked_out:
            return
        if self.get_failures(request, credentials) >= settings.AXES_FAILURE_LIMIT:
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )

    def reset_attempts(self, *, ip_address=None, username=None, ip_or_username=False) -> int:
        # Unlocking forgets the recent failures the bounds count; older rows stay as the log.
        if username:
            since = timezone.now() - settings.AXES_COOLOFF_TIME - settings.AXES_FAILURE_WINDOW
            AccessFailureLog.objects.filter(username=username, attempt_time__gt=since).delete()
        return super().reset_attempts(
            ip_address=ip_address, username=username, ip_or_username=ip_or_username
        )


def unlock(*, email: str) -> None:
    """End every lock on this account (an admin vouches for the member)."""
    from axes.handlers.proxy import AxesProxyHandler

    AxesProxyHandler.reset_attempts(username=email)


def lockout_response(request, original_response=None, credentials=None):
    """One answer for a locked login, whatever the account: 429 with a message."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": LOCKED_MESSAGE, "errors": {}}, status=429)
    return render(request, "clinic/locked_out.html", {"message": LOCKED_MESSAGE}, status=429)
