"""Writes of a therapist's calendar: making, replacing and revoking their private feed link."""

import secrets

from django.db import transaction
from django.utils import timezone

from clinic.audit import record_event, record_read
from clinic.models import Clinic, User
from sessions.calendar.selectors import token_digest
from sessions.models import CalendarFeed


@transaction.atomic
def calendar_feed_create(
    *, clinic: Clinic, by: User, show_client_names: bool = False, request=None
) -> tuple[CalendarFeed, str]:
    """Make a new private feed link for `by`, revoking the previous one (so a link that was
    shared by mistake stops working). Returns the feed and its token, shown only now."""
    now = timezone.now()
    for old in (
        CalendarFeed.objects.for_clinic(clinic)
        .select_for_update()
        .filter(user=by, revoked_at__isnull=True)
    ):
        old.revoked_at = now
        old.save(update_fields=["revoked_at"])
        record_event(clinic=clinic, actor=by, action="revoke", obj=old, request=request)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(
        clinic=clinic, user=by, token_hash=token_digest(token), show_client_names=show_client_names
    )
    record_event(
        clinic=clinic,
        actor=by,
        action="create",
        obj=feed,
        request=request,
        detail={"show_client_names": show_client_names},
    )
    return feed, token


@transaction.atomic
def calendar_feed_revoke(*, feed: CalendarFeed, by: User, request=None) -> CalendarFeed:
    """Stop a feed link from working; the row stays for the record."""
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
        record_event(clinic=feed.clinic, actor=by, action="revoke", obj=feed, request=request)
    return feed


def calendar_feed_fetched(*, feed: CalendarFeed, sessions: int, request=None) -> None:
    """Audit one fetch of the feed by the owner's calendar app (it reads their sessions)."""
    CalendarFeed.objects.for_clinic(feed.clinic_id).filter(pk=feed.pk).update(
        last_fetched_at=timezone.now()
    )
    record_read(
        request,
        feed,
        detail={"sessions": sessions, "names": feed.show_client_names},
        clinic=feed.clinic,
        actor=feed.user,
    )
