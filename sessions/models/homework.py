"""Homework given to a couple or one partner, the time-out agreement's versions and the partners'
answers to them, and what the partners log in the portal: practices, time-outs and check-ins.

Homework is ended or archived, never deleted. A time-out agreement's terms live in append-only
versions; it is in force only when both partners accepted its latest version. Logs are
corrected by their author within a day and then locked; a log taken back is voided (kept,
with who, when and why), never removed.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clinic.models import Client, Couple
from clinic.record_locks import append_only, never_deleted, refuse_when_voided
from clinic.tenancy import TenantModel, TenantQuerySet, tenant_manager
from sessions.models.therapy import RegulationZone

__all__ = [
    "CORRECTION_WINDOW",
    "AgreementDecision",
    "AgreementResponse",
    "AgreementVersion",
    "CheckIn",
    "Homework",
    "HomeworkKind",
    "PracticeLog",
    "TimeOutLog",
]

# A log may be corrected by its author for a day; after that it is part of the record.
CORRECTION_WINDOW = timedelta(hours=24)


class HomeworkKind(models.TextChoices):
    TIME_OUT = "time_out", "Time-out agreement"
    PRACTICE = "practice", "Breathing or mindfulness practice"
    OTHER = "other", "Other task"


class HomeworkQuerySet(TenantQuerySet):
    def live(self):
        return self.filter(archived_at__isnull=True)


class Homework(TenantModel):
    """A task for the couple (partner empty) or one partner, due from start to end (if any)."""

    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="homework")
    # Empty: homework for both partners.
    partner = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=HomeworkKind.choices)
    title = models.CharField(max_length=200)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    # Practices a week each partner aims for; empty when the homework has no weekly target.
    target_per_week = models.PositiveSmallIntegerField(null=True, blank=True)
    # Practice: a preset code from sessions.homework_presets, or "custom".
    technique = models.CharField(max_length=40, blank=True, default="")
    breaths_per_minute = models.FloatField(null=True, blank=True)
    cycles = models.PositiveSmallIntegerField(null=True, blank=True)
    minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    # Practice instructions, or the task itself for "other".
    instructions = models.TextField(blank=True, default="", max_length=5000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    #: the moments that date an item for a "shared from now on" boundary (clinic.confidentiality.item_time)
    SHARING_TIMES = ("created_at",)
    updated_at = models.DateTimeField(auto_now=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    end_reason = models.CharField(max_length=500, blank=True, default="")
    # Archived: set aside (e.g. given by mistake); kept, hidden from the partners.
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_manager(HomeworkQuerySet)

    class Meta:
        ordering = ["-start_date", "-created_at"]
        triggers = never_deleted("homework")
        indexes = [models.Index(fields=["clinic", "couple", "start_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="homework_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(target_per_week__isnull=True)
                | Q(target_per_week__gte=1, target_per_week__lte=70),
                name="homework_target_per_week_1_70",
            ),
            # Both partners accept a time-out agreement, so it always belongs to the couple.
            models.CheckConstraint(
                condition=~Q(kind=HomeworkKind.TIME_OUT) | Q(partner__isnull=True),
                name="homework_time_out_is_for_the_couple",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_time_out(self) -> bool:
        return self.kind == HomeworkKind.TIME_OUT

    def is_due_on(self, day) -> bool:
        """Whether the homework runs on this clinic-local date."""
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class AppendOnly(models.Model):
    """Rows that are written once: the application refuses to change or delete them (and, on
    PostgreSQL, a trigger refuses it too), so what a partner agreed to stays as it was."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(f"{self._meta.verbose_name} rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(f"{self._meta.verbose_name} rows are append-only.")


class AgreementVersion(AppendOnly, TenantModel):
    """One version of a time-out agreement's terms; any change is a new version."""

    homework = models.ForeignKey(Homework, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    # The word or gesture either partner may use to call a time-out.
    signal = models.CharField(max_length=200)
    min_break_minutes = models.PositiveSmallIntegerField(default=20)
    max_break_minutes = models.PositiveSmallIntegerField(default=1440)
    heart_rate_cue = models.PositiveSmallIntegerField(null=True, blank=True)
    # What each partner does to calm down during the break.
    calm_plan_a = models.TextField(max_length=2000)
    calm_plan_b = models.TextField(max_length=2000)
    # When and how they come back together.
    reconvene_plan = models.TextField(max_length=2000)
    # What they agree not to do (e.g. follow the other, send messages, drive off).
    agree_not_to = models.TextField(max_length=2000, blank=True, default="")
    change_note = models.CharField(max_length=500, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["homework", "number"]
        triggers = append_only("time-out agreement versions")
        verbose_name = "agreement version"
        constraints = [
            models.UniqueConstraint(
                fields=["homework", "number"], name="agreementversion_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(min_break_minutes__gte=20)
                & Q(max_break_minutes__lte=1440)
                & Q(max_break_minutes__gte=models.F("min_break_minutes")),
                name="agreementversion_break_bounds",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.homework} v{self.number}"


class AgreementDecision(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    DISCUSS = "discuss", "Asked to discuss"


class AgreementResponse(AppendOnly, TenantModel):
    """A partner's answer to one agreement version: accepted, or asked to discuss it first."""

    version = models.ForeignKey(
        AgreementVersion, on_delete=models.PROTECT, related_name="responses"
    )
    partner = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=AgreementDecision.choices)
    note = models.TextField(max_length=2000, blank=True, default="")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at"]
        verbose_name = "agreement response"
        indexes = [
            # The caseload's agreement-discussion flag: a clinic's few "discuss" answers.
            models.Index(
                fields=["clinic", "version"],
                condition=Q(decision="discuss"),
                name="agreementresponse_discuss",
            )
        ]
        triggers = append_only("answers to time-out agreements")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "partner"],
                condition=Q(decision="accepted"),
                name="agreementresponse_accept_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} {self.version}"


class ClientLogQuerySet(TenantQuerySet):
    def current(self):
        """Logs not voided."""
        return self.filter(voided_at__isnull=True)


class ClientLog(TenantModel):
    """What every portal log shares: whose it is, who wrote it, corrections and voiding."""

    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="+")
    # The partner whose log this is.
    partner = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(max_length=2000, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    corrected_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    void_reason = models.CharField(max_length=500, blank=True, default="")

    objects = tenant_manager(ClientLogQuerySet)

    class Meta:
        abstract = True

    @property
    def locks_at(self):
        return self.created_at + CORRECTION_WINDOW

    def is_locked(self, now=None) -> bool:
        """Past the author's correction window (or voided)."""
        return self.voided_at is not None or (now or timezone.now()) >= self.locks_at


def _intensity_0_10(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 0, f"{field}__lte": 10}),
        name=name,
    )


class PracticeLog(ClientLog):
    """One practice of a homework, with arousal rated before and after (zone and 0-10)."""

    homework = models.ForeignKey(Homework, on_delete=models.PROTECT, related_name="practice_logs")
    practiced_at = models.DateTimeField()
    #: the moments that date an item for a "shared from now on" boundary (clinic.confidentiality.item_time)
    SHARING_TIMES = ("practiced_at", "created_at")
    minutes = models.PositiveSmallIntegerField()
    before_zone = models.CharField(
        max_length=10, choices=RegulationZone.choices, blank=True, default=""
    )
    before_intensity = models.PositiveSmallIntegerField(null=True, blank=True)
    after_zone = models.CharField(
        max_length=10, choices=RegulationZone.choices, blank=True, default=""
    )
    after_intensity = models.PositiveSmallIntegerField(null=True, blank=True)
    # Set when the partners breathed together (each logs their own practice of it).
    together = models.ForeignKey(
        "therapy_sessions.JointPractice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="logs",
    )

    class Meta:
        ordering = ["-practiced_at"]
        triggers = [*never_deleted("practice logs"), refuse_when_voided("practice log")]
        indexes = [models.Index(fields=["clinic", "couple", "practiced_at"])]
        constraints = [
            _intensity_0_10("before_intensity", "practicelog_before_intensity_0_10"),
            _intensity_0_10("after_intensity", "practicelog_after_intensity_0_10"),
            models.CheckConstraint(
                condition=Q(minutes__gte=1, minutes__lte=240), name="practicelog_minutes_1_240"
            ),
            # Breathing together is one practice for each partner, logged once each.
            models.UniqueConstraint(
                fields=["together", "partner"],
                condition=Q(together__isnull=False),
                name="practicelog_once_per_partner_together",
            ),
        ]

    def __str__(self) -> str:
        return f"Practice {self.practiced_at:%Y-%m-%d %H:%M}"


class TimeOutLog(ClientLog):
    """One time-out as a partner remembers it: who called it, how long apart, reconvening."""

    homework = models.ForeignKey(
        Homework, null=True, blank=True, on_delete=models.PROTECT, related_name="time_out_logs"
    )
    started_at = models.DateTimeField()
    #: the moments that date an item for a "shared from now on" boundary (clinic.confidentiality.item_time)
    SHARING_TIMES = ("started_at", "created_at")
    called_by = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    minutes_apart = models.PositiveIntegerField()
    reconvened = models.BooleanField()
    # How they came back together (or why they did not).
    reconvene_note = models.TextField(max_length=2000, blank=True, default="")
    # How strong the feelings were when it was called, 0-10.
    intensity = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        triggers = [*never_deleted("time-out logs"), refuse_when_voided("time-out log")]
        indexes = [models.Index(fields=["clinic", "couple", "started_at"])]
        constraints = [
            _intensity_0_10("intensity", "timeoutlog_intensity_0_10"),
            # A week apart is no longer a time-out; longer is an entry error.
            models.CheckConstraint(
                condition=Q(minutes_apart__lte=10080), name="timeoutlog_minutes_apart_week"
            ),
        ]

    def __str__(self) -> str:
        return f"Time-out {self.started_at:%Y-%m-%d %H:%M}"


class CheckIn(ClientLog):
    """A daily self-rating: window-of-tolerance zone and distress 0-10 (SUDS).

    A self-rating of arousal, not a validated instrument; the scale is stored with the value.
    """

    checked_at = models.DateTimeField()
    #: the moments that date an item for a "shared from now on" boundary (clinic.confidentiality.item_time)
    SHARING_TIMES = ("checked_at", "created_at")
    zone = models.CharField(max_length=10, choices=RegulationZone.choices)
    intensity = models.PositiveSmallIntegerField()
    scale = models.CharField(max_length=20, default="SUDS 0-10")

    class Meta:
        ordering = ["-checked_at"]
        triggers = [*never_deleted("check-ins"), refuse_when_voided("check-in")]
        indexes = [models.Index(fields=["clinic", "couple", "checked_at"])]
        constraints = [_intensity_0_10("intensity", "checkin_intensity_0_10")]

    def __str__(self) -> str:
        return f"Check-in {self.checked_at:%Y-%m-%d %H:%M}"
