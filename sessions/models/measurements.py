"""Physiological measurements of a partner (typed value, stored unit, required context), and the
device-file imports that preview readings before adding them all at once.

Kinds, units and plausible ranges come from sessions.physiology; every stored value passed
normalize_measurement. Measurements are voided (kept, with who, when and why), never deleted.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clinic.models import Client, Couple
from clinic.record_locks import never_deleted, refuse_when_voided
from clinic.tenancy import TenantModel, TenantQuerySet, tenant_manager
from sessions.measurements.physiology import kind_choices
from sessions.models.therapy import TherapySession

__all__ = [
    "MEASUREMENT_KIND_CHOICES",
    "ImportStatus",
    "Measurement",
    "MeasurementImport",
    "MeasurementSource",
    "SessionPhase",
]


# (code, label) of every kind in sessions.physiology, in display order.
MEASUREMENT_KIND_CHOICES = kind_choices()


class SessionPhase(models.TextChoices):
    PRE = "pre", "Before the session"
    POST = "post", "After the session"


class MeasurementSource(models.TextChoices):
    MANUAL = "manual", "Entered by staff"
    PORTAL = "portal", "Entered by the client"
    IMPORT = "import", "Imported from a file"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Waiting for confirmation"
    IMPORTED = "imported", "Imported"
    DISCARDED = "discarded", "Discarded"


class MeasurementImport(TenantModel):
    """A device file parsed for one partner: the rows it would add and the rows it cannot.

    Nothing is added until someone confirms, and then every row is added in one transaction;
    a file with any bad row cannot be confirmed.
    """

    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    format = models.CharField(max_length=30)
    filename = models.CharField(max_length=255, blank=True, default="")
    # The zone chosen for formats that write local times without one (Fitbit, Polar).
    time_zone = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    # Parsed readings: [{row_number, kind, value, unit, secondary_value, measured_at, context,
    # warnings}], measured_at as ISO 8601 with offset.
    rows = models.JSONField(default=list, blank=True)
    # [{row_number, field, message}]; row 0 is the file as a whole.
    errors = models.JSONField(default=list, blank=True)
    # len(rows) and len(errors), stored when the preview is made: lists and the preview's
    # pages show them without loading every row of every import.
    row_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_manager(TenantQuerySet)

    class Meta:
        ordering = ["-created_at"]
        triggers = never_deleted("device imports")

    def __str__(self) -> str:
        return f"{self.format} import {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def can_confirm(self) -> bool:
        return self.status == ImportStatus.PENDING and self.row_count > 0 and not self.error_count


class MeasurementQuerySet(TenantQuerySet):
    def current(self):
        """Measurements not voided."""
        return self.filter(voided_at__isnull=True)


class Measurement(TenantModel):
    """One reading of one partner: kind, value in the stored unit, when, and its context."""

    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=MEASUREMENT_KIND_CHOICES)
    value = models.FloatField()
    # Blood pressure: diastolic beside the systolic value.
    secondary_value = models.FloatField(null=True, blank=True)
    unit = models.CharField(max_length=20)
    measured_at = models.DateTimeField()
    #: the moments that date an item for a "shared from now on" boundary (clinic.confidentiality.item_time)
    SHARING_TIMES = ("measured_at", "created_at")
    context = models.JSONField(default=dict, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    session = models.ForeignKey(
        TherapySession, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    session_phase = models.CharField(
        max_length=4, choices=SessionPhase.choices, blank=True, default=""
    )
    source = models.CharField(max_length=10, choices=MeasurementSource.choices)
    source_import = models.ForeignKey(
        MeasurementImport,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="measurements",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    void_reason = models.CharField(max_length=500, blank=True, default="")

    objects = tenant_manager(MeasurementQuerySet)

    class Meta:
        ordering = ["-measured_at"]
        triggers = [*never_deleted("measurements"), refuse_when_voided("measurement")]
        indexes = [
            models.Index(fields=["clinic", "couple", "measured_at"]),
            models.Index(fields=["clinic", "partner", "kind", "measured_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(session__isnull=True, session_phase="")
                | Q(session__isnull=False, session_phase__in=["pre", "post"]),
                name="measurement_session_has_phase",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.value} {self.unit} at {self.measured_at:%Y-%m-%d %H:%M}"
