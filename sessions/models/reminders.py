"""Reminder emails already sent to partners (see sessions/reminders/)."""

from django.db import models
from django.utils import timezone

from clinic.models import Client
from clinic.tenancy import TenantModel

__all__ = ["ReminderKind", "ReminderSent"]


class ReminderKind(models.TextChoices):
    SESSION = "session", "Session tomorrow"
    HOMEWORK = "homework", "Weekly practice nudge"


class ReminderSent(TenantModel):
    """One reminder email to one partner. The unique key is the claim: a reminder is sent at
    most once however many workers or beat runs reach it (a session: its id and start time, so
    a moved session is announced again; a nudge: the ISO week)."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    key = models.CharField(max_length=100)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "client", "kind", "key"], name="remindersent_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} reminder {self.key} to {self.client_id}"
