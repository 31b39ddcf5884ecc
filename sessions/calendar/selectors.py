"""Reads of a therapist's calendar. Every selector takes the clinic."""

import hashlib
from datetime import datetime

from django.db.models import QuerySet

from clinic.models import Clinic, Membership
from clinic.selectors import couples_visible_to, membership_for
from sessions.models import CalendarFeed, TherapySession


def token_digest(token: str) -> str:
    """The stored form of a feed token (SHA-256 hex): the token itself is never stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def sessions_of_therapist(
    *, clinic: Clinic, membership: Membership, start: datetime, end: datetime
) -> QuerySet[TherapySession]:
    """The member's own sessions starting in [start, end), of couples they may still see, in
    time order, with the couple's partners loaded (one query at any size)."""
    couples = couples_visible_to(clinic=clinic, membership=membership).live()
    return (
        TherapySession.objects.for_clinic(clinic)
        .filter(
            therapist=membership.user,
            starts_at__gte=start,
            starts_at__lt=end,
            couple__in=couples.values("pk"),
        )
        .select_related("partner", "couple__partner_a", "couple__partner_b")
        .order_by("starts_at")
    )


def live_feed_of(*, clinic: Clinic, user) -> CalendarFeed | None:
    return (
        CalendarFeed.objects.for_clinic(clinic).filter(user=user, revoked_at__isnull=True).first()
    )


def feed_for_token(*, clinic: Clinic, token: str) -> tuple[CalendarFeed, Membership] | None:
    """The live feed behind a token and its owner's active membership, or None (a revoked
    feed, or one whose owner left the clinic, answers like an unknown one)."""
    if not token or len(token) > 100:
        return None
    feed = (
        CalendarFeed.objects.for_clinic(clinic)
        .select_related("user")
        .filter(token_hash=token_digest(token), revoked_at__isnull=True)
        .first()
    )
    if feed is None:
        return None
    feed.clinic = clinic  # already loaded: spare the audit a query
    membership = membership_for(clinic=clinic, user=feed.user)
    return (feed, membership) if membership is not None else None
