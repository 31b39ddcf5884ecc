"""A therapist's private calendar link (see sessions/calendar/)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clinic.tenancy import TenantModel

__all__ = ["CalendarFeed"]


class CalendarFeed(TenantModel):
    """A therapist's private iCalendar link to their sessions, for the calendar app they use.

    Only a hash of the secret token is stored: the link is shown once, when it is made, and a
    leaked database cannot be turned into working links. Revoking keeps the row for the record.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    # Client names leave Attune for a third-party calendar only when the therapist opts in.
    show_client_names = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "user"],
                condition=Q(revoked_at__isnull=True),
                name="calendarfeed_one_live_per_member",
            )
        ]

    def __str__(self) -> str:
        return f"Calendar feed of {self.user_id}"
