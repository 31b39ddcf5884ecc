"""Progress reports and clinic exports. The row is the source of truth for status;
Celery results are ignored."""

from django.conf import settings
from django.db import models

from clinic.models import Client, Couple
from clinic.tenancy import TenantModel


class Audience(models.TextChoices):
    CLINICAL = "clinical", "Clinical record and supervision"
    COUPLE = "couple", "For both partners"
    PARTNER = "partner", "For one partner"


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ClinicExport(TenantModel):
    """All reports of a clinic for a period as one ZIP, built by a group of per-couple tasks."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    audiences = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    failure_reason = models.TextField(blank=True)
    total = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    assembling_at = models.DateTimeField(null=True, blank=True)
    file_key = models.CharField(max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size_bytes = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    file_removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def downloadable(self) -> bool:
        return self.status == Status.DONE and bool(self.file_key) and self.file_removed_at is None


class ProgressReport(TenantModel):
    """One PDF for one couple, period and audience."""

    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="progress_reports")
    audience = models.CharField(max_length=10, choices=Audience.choices)
    partner = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    summary = models.TextField(blank=True, max_length=10000)
    plan = models.TextField(blank=True, max_length=10000)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    request_id = models.UUIDField(db_index=True)
    export = models.ForeignKey(
        ClinicExport, null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    failure_reason = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # The claim on a running report: the runner's token and until when it holds the report.
    # A live runner renews the lease (heartbeat); a dead one lets it lapse and the sweep
    # re-queues the report. Rows, not connection state, so it survives transaction pooling.
    # On a queued report the lease says until when the last queued message is trusted.
    claim_token = models.UUIDField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_key = models.CharField(max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size_bytes = models.PositiveIntegerField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    file_removed_at = models.DateTimeField(null=True, blank=True)
    #: released to the portal by the therapist (None: not shared, or sharing was stopped);
    #: each share and stop is an audit event, so the history stays in the audit trail
    shared_at = models.DateTimeField(null=True, blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["clinic", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(audience="partner", partner__isnull=False)
                | (~models.Q(audience="partner") & models.Q(partner__isnull=True)),
                name="report_partner_only_for_partner_audience",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="report_period_ordered",
            ),
            # Only a client-audience report written for the couple's page can reach the portal:
            # never a clinical one, never one built for a clinic export.
            models.CheckConstraint(
                condition=models.Q(shared_at__isnull=True)
                | (
                    models.Q(audience__in=["couple", "partner"], export__isnull=True)
                    & models.Q(shared_at__isnull=False)
                ),
                name="report_shared_only_client_audience",
            ),
        ]

    @property
    def downloadable(self) -> bool:
        return self.status == Status.DONE and bool(self.file_key) and self.file_removed_at is None

    @property
    def shareable(self) -> bool:
        """A client-audience report of the couple page (not an export's), finished."""
        return (
            self.audience in (Audience.COUPLE, Audience.PARTNER)
            and self.export_id is None
            and self.status == Status.DONE
        )

    @property
    def is_shared(self) -> bool:
        return self.shared_at is not None


EXPORT_AUDIENCE_CHOICES = [
    (Audience.CLINICAL.value, Audience.CLINICAL.label),
    (Audience.COUPLE.value, Audience.COUPLE.label),
]
