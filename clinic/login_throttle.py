"""Failed page logins are limited per address and per account, so a password cannot be guessed
by trying many (the API login has DRF's throttle). Counts live in the cache (Redis when
configured), each in a window that starts with the first failure."""

from django.core.cache import cache

WINDOW_SECONDS = 15 * 60


# An account allows few guesses; an address allows more, since a whole clinic office may share
# one address behind its router.
FAILURES_PER_ACCOUNT = 10
FAILURES_PER_ADDRESS = 50


def _keys(ip: str | None, email: str) -> dict[str, int]:
    return {
        f"login-fail:email:{email.strip().lower()}": FAILURES_PER_ACCOUNT,
        f"login-fail:ip:{ip or 'unknown'}": FAILURES_PER_ADDRESS,
    }


def is_locked(*, ip: str | None, email: str) -> bool:
    """True when this account or this address has used up its failed attempts."""
    return any((cache.get(key) or 0) >= limit for key, limit in _keys(ip, email).items())


def record_failure(*, ip: str | None, email: str) -> None:
    for key in _keys(ip, email):
        if not cache.add(key, 1, WINDOW_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, WINDOW_SECONDS)
