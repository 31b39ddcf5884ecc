"""Assessments in the clinic: what a therapist assigned, what each partner answered, the score
snapshot taken at submission, risk alerts, and each clinic's licensed wording and reliability
parameters.

Instruments themselves are data files (assessments/instruments/), not rows: a row names an
instrument by code and version, and a submitted response keeps the scores it was given then.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from assessments.scoring import UnknownInstrument, get_instrument
from clinic.models import Client, Couple
from clinic.record_locks import refuse, refuse_truncate
from clinic.tenancy import TenantModel, TenantQuerySet, tenant_manager

__all__ = [
    "AlertSeverity",
    "Assignment",
    "LicensedWording",
    "ReliabilityOverride",
    "ReminderState",
    "Response",
    "ResponseStatus",
    "RiskAlert",
]


def instrument_short_name(code: str, version: int) -> str:
    """The instrument's short name (e.g. "PHQ-9"), or its code if no longer in the library."""
    try:
        return get_instrument(code, version).short_name
    except UnknownInstrument:
        return code


class Assignment(TenantModel):
    """A therapist asked one partner to complete one instrument, once or every N weeks until a
    date. Each occurrence is a `Response` row created with the assignment."""

    couple = models.ForeignKey(
        Couple, on_delete=models.PROTECT, related_name="assessment_assignments"
    )
    partner = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    instrument_code = models.CharField(max_length=32)
    instrument_version = models.PositiveIntegerField()
    first_due_on = models.DateField()
    repeat_every_weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    repeat_until = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["clinic", "couple"])]

    def __str__(self) -> str:
        return f"{self.instrument_code} v{self.instrument_version} for {self.partner_id}"

    @property
    def recurring(self) -> bool:
        return bool(self.repeat_every_weeks)

    @property
    def instrument_name(self) -> str:
        return instrument_short_name(self.instrument_code, self.instrument_version)


class ResponseStatus(models.TextChoices):
    PENDING = "pending", "Not started"
    IN_PROGRESS = "in_progress", "Started"
    SUBMITTED = "submitted", "Submitted"
    #: the partner chose "I'd rather not answer this one": final, never scored
    DECLINED = "declined", "Declined by the partner"
    CANCELLED = "cancelled", "Cancelled"


OPEN_RESPONSE_STATUSES = (ResponseStatus.PENDING, ResponseStatus.IN_PROGRESS)


def overdue_q(today, *, prefix: str = "") -> Q:
    """The one definition of overdue: still open (neither submitted nor cancelled) and due
    before `today`, the clinic's local date. `prefix` reaches responses through a relation."""
    return Q(**{f"{prefix}status__in": OPEN_RESPONSE_STATUSES, f"{prefix}due_on__lt": today})


class ResponseQuerySet(TenantQuerySet):
    def open(self):
        """Occurrences a partner may still complete (not submitted, not cancelled)."""
        return self.filter(status__in=OPEN_RESPONSE_STATUSES)

    def available(self, today):
        """Open occurrences a partner can see today (opened, whether due or overdue)."""
        return self.open().filter(opens_on__lte=today)

    def overdue(self, today):
        return self.filter(overdue_q(today))

    def submitted(self):
        return self.filter(status=ResponseStatus.SUBMITTED)


class Response(TenantModel):
    """One occurrence of an assignment for one partner: the answers so far and, once submitted,
    the final answers with a snapshot of their scores (ScoreResult.to_dict()).

    Submitted responses are final: the services refuse any change, and the database refuses it too
    on PostgreSQL (the triggers below).
    """

    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="responses")
    instrument_code = models.CharField(max_length=32)
    instrument_version = models.PositiveIntegerField()
    opens_on = models.DateField()
    due_on = models.DateField()
    status = models.CharField(
        max_length=20, choices=ResponseStatus.choices, default=ResponseStatus.PENDING
    )
    #: {"<item number>": value}; a skipped item ("prefer not to answer") is absent
    answers = models.JSONField(default=dict, blank=True)
    #: ScoreResult.to_dict() at submission, with the instrument code and version that scored it
    scores = models.JSONField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    #: dates a response for a "shared from now on" boundary: the partner's first saved answer
    #: (the row itself may be scheduled long before; clinic.confidentiality.item_time)
    SHARING_TIMES = ("started_at",)
    saved_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    declined_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = tenant_manager(ResponseQuerySet)

    class Meta:
        ordering = ["due_on", "created_at"]
        triggers = [
            refuse(
                name="never_deleted",
                operation=pgtrigger.Delete,
                message="questionnaire responses are never deleted (response %)",
                args=("OLD.id",),
            ),
            refuse(
                name="submitted_lock",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__status__in=["submitted", "declined"]),
                message="response % was % and is final",
                args=("OLD.id", "OLD.status"),
            ),
            refuse_truncate("questionnaire responses"),
        ]
        indexes = [
            models.Index(fields=["clinic", "couple", "status"]),
            models.Index(fields=["clinic", "partner", "status"]),
            # The caseload's latest headline scores: newest submitted response per partner and
            # instrument, read in index order (DISTINCT ON) for a page of couples.
            models.Index(
                fields=["clinic", "couple", "partner", "instrument_code", "-submitted_at"],
                condition=Q(status="submitted"),
                name="response_latest_submitted",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "due_on"], name="response_one_per_occurrence"
            ),
            models.CheckConstraint(
                condition=Q(status="submitted", submitted_at__isnull=False, scores__isnull=False)
                | (~Q(status="submitted") & Q(submitted_at__isnull=True)),
                name="response_submitted_has_time_and_scores",
            ),
            # Declined is recorded as such and never carries a score.
            models.CheckConstraint(
                condition=Q(status="declined", declined_at__isnull=False, scores__isnull=True)
                | (~Q(status="declined") & Q(declined_at__isnull=True)),
                name="response_declined_has_time_and_no_scores",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_code} v{self.instrument_version} due {self.due_on}"

    @property
    def is_submitted(self) -> bool:
        return self.status == ResponseStatus.SUBMITTED

    def is_overdue(self, today) -> bool:
        """overdue_q for one loaded response."""
        return self.status in OPEN_RESPONSE_STATUSES and self.due_on < today

    @property
    def is_declined(self) -> bool:
        return self.status == ResponseStatus.DECLINED

    @property
    def instrument_name(self) -> str:
        return instrument_short_name(self.instrument_code, self.instrument_version)


class AlertSeverity(models.TextChoices):
    """How soon the therapist must act (assessments.risk.alert_severity decides)."""

    URGENT = "urgent", "Urgent"
    REVIEW = "review", "To review"


class RiskAlert(TenantModel):
    """A risk item endorsed in saved or submitted answers, or left blank at submission: the
    therapist must acknowledge it, and until then the couple floats to the top of the caseload.
    One alert per response and item, whether first seen in a draft or at submission."""

    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="risk_alerts")
    item_number = models.PositiveSmallIntegerField()
    #: the answer given; None when the risk item was not answered
    value = models.SmallIntegerField(null=True, blank=True)
    severity = models.CharField(max_length=10, choices=AlertSeverity.choices)
    message = models.CharField(max_length=500)
    raised_at = models.DateTimeField(default=timezone.now)
    #: raised from answers saved before the questionnaire was submitted
    from_draft = models.BooleanField(default=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledgement_note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-raised_at"]
        triggers = [
            refuse(
                name="never_deleted",
                operation=pgtrigger.Delete,
                message="risk alerts are never deleted (alert %)",
                args=("OLD.id",),
            ),
            refuse(
                name="acknowledged_lock",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__acknowledged_at__isnull=False),
                message="risk alert % was acknowledged and is final",
                args=("OLD.id",),
            ),
            refuse_truncate("risk alerts"),
        ]
        indexes = [models.Index(fields=["clinic", "couple", "acknowledged_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "item_number"], name="risk_alert_one_per_item"
            )
        ]

    def __str__(self) -> str:
        return f"Risk alert {self.response_id} item {self.item_number}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None

    @property
    def is_urgent(self) -> bool:
        return self.severity == AlertSeverity.URGENT


class LicensedWording(TenantModel):
    """Item wording a clinic is licensed to use for an instrument version whose wording Attune
    does not ship. Replacing it retires the previous upload (kept for the record)."""

    instrument_code = models.CharField(max_length=32)
    instrument_version = models.PositiveIntegerField()
    #: what the wording module accepted: {"items": {"<n>": text}, ...}
    wording = models.JSONField()
    source = models.CharField(max_length=500)
    file_name = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["instrument_code", "-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "instrument_code", "instrument_version"],
                condition=Q(retired_at__isnull=True),
                name="licensed_wording_one_current_per_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument_code} v{self.instrument_version} wording"


class ReliabilityOverride(TenantModel):
    """A clinic's own reliability reference for one scale of an instrument (SD and r for
    Jacobson-Truax, or a fixed threshold in points), used instead of the definition's."""

    instrument_code = models.CharField(max_length=32)
    scale_id = models.CharField(max_length=40, default="total")
    sd = models.FloatField(null=True, blank=True)
    r = models.FloatField(null=True, blank=True)
    fixed_threshold = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=500)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["instrument_code", "scale_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "instrument_code", "scale_id"],
                name="reliability_override_one_per_scale",
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument_code}/{self.scale_id} reliability"


class ReminderState(TenantModel):
    """When a partner was last reminded of questionnaires: never more than once a day."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="+")
    last_reminded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"reminders for {self.client_id}"
