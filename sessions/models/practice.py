"""Breathing together: one shared start time both partners' screens pace from."""

from datetime import timedelta

from django.db import models
from django.utils import timezone

from clinic.models import Client, Couple
from clinic.tenancy import TenantModel

__all__ = ["JointPractice"]


class JointPractice(TenantModel):
    """A guided practice the two partners do together, each on their own phone. Both screens
    compute the breath's phase from `starts_at` and the server's clock, so no live channel is
    needed; each partner logs their own practice with a link to this row."""

    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="+")
    homework = models.ForeignKey(
        "therapy_sessions.Homework", on_delete=models.PROTECT, related_name="joint_practices"
    )
    started_by = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    minutes = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["clinic", "couple", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gte=1, minutes__lte=60),
                name="jointpractice_minutes_1_60",
            )
        ]

    def __str__(self) -> str:
        return f"Breathing together {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.minutes)
