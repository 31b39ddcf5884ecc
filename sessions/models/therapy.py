"""Therapy sessions of a couple, their clinical notes and the addenda that correct signed notes.

A session is never deleted: it is cancelled or marked a no-show with a reason. A note is written
as a draft (optimistic concurrency through `version`), then signed; from the first signature its
content is locked by the services AND by database triggers (SIGNED_NOTE_LOCK below), and
corrections are append-only addenda.
"""

from datetime import timedelta

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clinic.models import Client, Couple
from clinic.record_locks import refuse_truncate
from clinic.tenancy import TenantModel, TenantQuerySet, tenant_manager

__all__ = [
    "DURATION_MAX_MINUTES",
    "DURATION_MIN_MINUTES",
    "Intervention",
    "NoteAddendum",
    "NoteState",
    "NoteTemplate",
    "RegulationZone",
    "RiskLevel",
    "SessionKind",
    "SessionModality",
    "SessionNote",
    "SessionStatus",
    "TherapySession",
]

# A couples session shorter than a check-in call or longer than an intensive day is a typo.
DURATION_MIN_MINUTES = 10
DURATION_MAX_MINUTES = 480


class SessionKind(models.TextChoices):
    JOINT = "joint", "Joint (both partners)"
    INDIVIDUAL = "individual", "Individual (one partner)"


class SessionModality(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    TELEHEALTH = "telehealth", "Telehealth"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


class TherapySessionQuerySet(TenantQuerySet):
    def upcoming(self, now=None):
        return self.filter(status=SessionStatus.SCHEDULED, starts_at__gte=now or timezone.now())


class TherapySession(TenantModel):
    """One appointment of a couple: joint, or individual with one partner."""

    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="therapy_sessions")
    kind = models.CharField(max_length=12, choices=SessionKind.choices, default=SessionKind.JOINT)
    # The partner seen alone in an individual session; empty for a joint session.
    partner = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField()
    #: the moments that date an item for a "shared from now on" boundary (clinic.confidentiality.item_time)
    SHARING_TIMES = ("starts_at", "created_at")
    duration_minutes = models.PositiveSmallIntegerField(default=50)
    modality = models.CharField(
        max_length=12, choices=SessionModality.choices, default=SessionModality.IN_PERSON
    )
    status = models.CharField(
        max_length=12, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    # Why a session was cancelled or missed; required for those two statuses.
    status_reason = models.TextField(blank=True, max_length=1000)
    # Who actually came (set when the session is marked held); None while not held.
    partner_a_attended = models.BooleanField(null=True, blank=True)
    partner_b_attended = models.BooleanField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = tenant_manager(TherapySessionQuerySet)

    class Meta:
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["clinic", "couple", "starts_at"]),
            models.Index(fields=["clinic", "therapist", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=DURATION_MIN_MINUTES)
                & Q(duration_minutes__lte=DURATION_MAX_MINUTES),
                name="therapysession_duration_bounds",
            ),
            models.CheckConstraint(
                condition=(Q(kind=SessionKind.JOINT) & Q(partner__isnull=True))
                | (Q(kind=SessionKind.INDIVIDUAL) & Q(partner__isnull=False)),
                name="therapysession_partner_matches_kind",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[SessionStatus.CANCELLED, SessionStatus.NO_SHOW])
                | ~Q(status_reason=""),
                name="therapysession_reason_when_cancelled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} session {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def awaiting_outcome(self) -> bool:
        """Still "scheduled" though its time has come: held, a no-show or cancelled is due."""
        return self.status == SessionStatus.SCHEDULED and self.starts_at < timezone.now()

    @property
    def is_individual(self) -> bool:
        return self.kind == SessionKind.INDIVIDUAL


class NoteTemplate(models.TextChoices):
    SOAP = "soap", "SOAP (subjective, objective, assessment, plan)"
    DAP = "dap", "DAP (data, assessment, plan)"
    BIRP = "birp", "BIRP (behaviour, intervention, response, plan)"
    FREE = "free", "Free text"


class NoteState(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING_COSIGNATURE = "awaiting_cosignature", "Signed, awaiting co-signature"
    SIGNED = "signed", "Signed"


class RegulationZone(models.TextChoices):
    """The window-of-tolerance zones (same codes as sessions.regulation.Zone)."""

    HYPER = "hyper", "Hyperaroused"
    WITHIN = "within", "Within the window"
    HYPO = "hypo", "Hypoaroused"


class Intervention(models.TextChoices):
    TIME_OUT_PRACTICE = "time_out_practice", "Time-out practice"
    CO_REGULATION_BREATHING = "co_regulation_breathing", "Co-regulation breathing"
    ATTACHMENT_REFRAMING = "attachment_reframing", "Attachment reframing"
    GROUNDING = "grounding", "Grounding"
    PSYCHOEDUCATION = "psychoeducation", "Psychoeducation"
    ENACTMENT = "enactment", "Enactment"
    SOFTENING = "softening", "Softening of blamer"
    VALIDATION = "validation", "Empathic validation"
    REPAIR_CONVERSATION = "repair_conversation", "Repair conversation"
    SAFETY_PLANNING = "safety_planning", "Safety planning"
    OTHER = "other", "Other (describe)"


class RiskLevel(models.TextChoices):
    # No default answer: a note cannot be signed until the therapist chose one of the others.
    UNSET = "", "Not recorded yet"
    NONE = "none", "No risk concerns"
    # The signed record says what was found; the form adds that a plan is required.
    CONCERNS = "concerns", "Risk concerns"


# From `signed_at` on, the only UPDATEs the database accepts are setting the co-signature once
# (awaiting_cosignature -> signed by the supervisor fixed at signing) and, while it awaits,
# handing the co-signature to another supervisor; every other column stays as it was. Whole rows
# are compared (to_jsonb minus the columns allowed to change), so a column added later is
# protected without touching the trigger. Notes are never deleted.
SIGNED_NOTE_LOCK = """
IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'session notes are never deleted (note %)', OLD.id
        USING ERRCODE = 'restrict_violation';
END IF;
IF OLD.signed_at IS NULL THEN
    RETURN NEW;
END IF;
IF OLD.state = 'awaiting_cosignature' AND OLD.cosigned_at IS NULL
   AND NEW.state = 'signed' AND NEW.cosigned_at IS NOT NULL
   AND NEW.cosigned_by_id IS NOT NULL AND NEW.cosigned_by_id = OLD.cosigner_required_id
   AND (to_jsonb(NEW) - 'state' - 'cosigned_at' - 'cosigned_by_id')
     = (to_jsonb(OLD) - 'state' - 'cosigned_at' - 'cosigned_by_id') THEN
    RETURN NEW;
END IF;
IF OLD.state = 'awaiting_cosignature' AND OLD.cosigned_at IS NULL
   AND NEW.state = 'awaiting_cosignature' AND NEW.cosigned_at IS NULL
   AND NEW.cosigned_by_id IS NULL AND NEW.cosigner_required_id IS NOT NULL
   AND (to_jsonb(NEW) - 'cosigner_required_id') = (to_jsonb(OLD) - 'cosigner_required_id') THEN
    RETURN NEW;
END IF;
RAISE EXCEPTION 'session note % is signed and cannot be changed; add an addendum', OLD.id
    USING ERRCODE = 'restrict_violation';
"""

# Addenda are added to signed notes only, and never changed or removed.
ADDENDUM_APPEND_ONLY = """
IF TG_OP = 'INSERT' THEN
    IF NOT EXISTS (
        SELECT 1 FROM therapy_sessions_sessionnote WHERE id = NEW.note_id AND signed_at IS NOT NULL
    ) THEN
        RAISE EXCEPTION 'addenda are added to signed notes only'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END IF;
RAISE EXCEPTION 'note addenda are append-only (% refused)', TG_OP
    USING ERRCODE = 'restrict_violation';
"""


class SessionNoteQuerySet(TenantQuerySet):
    def signed(self):
        return self.filter(signed_at__isnull=False)


class SessionNote(TenantModel):
    """The clinical note of one held session.

    Content (template sections, observations, interventions, risk) is editable while a draft;
    from `signed_at` on, the database refuses any change except setting the co-signature once.
    """

    session = models.OneToOneField(TherapySession, on_delete=models.PROTECT, related_name="note")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    template = models.CharField(max_length=10, choices=NoteTemplate.choices)
    # {section_key: text} for the template's sections (see sessions.note_content).
    sections = models.JSONField(default=dict, blank=True)
    partner_a_zone = models.CharField(
        max_length=10, choices=RegulationZone.choices, blank=True, default=""
    )
    partner_a_intensity = models.PositiveSmallIntegerField(null=True, blank=True)
    partner_b_zone = models.CharField(
        max_length=10, choices=RegulationZone.choices, blank=True, default=""
    )
    partner_b_intensity = models.PositiveSmallIntegerField(null=True, blank=True)
    # A list of Intervention codes; "other" needs interventions_other.
    interventions = models.JSONField(default=list, blank=True)
    interventions_other = models.CharField(max_length=300, blank=True, default="")
    risk_level = models.CharField(
        max_length=10, choices=RiskLevel.choices, default=RiskLevel.UNSET, blank=True
    )
    risk_concerns = models.TextField(blank=True, default="", max_length=5000)
    risk_plan = models.TextField(blank=True, default="", max_length=5000)
    # Optimistic concurrency: every draft write is UPDATE ... WHERE version = n.
    version = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=24, choices=NoteState.choices, default=NoteState.DRAFT)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Fixed at signing: the supervisor who must co-sign (None when the author is not supervised).
    cosigner_required = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cosigned_at = models.DateTimeField(null=True, blank=True)
    cosigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(default=timezone.now)

    objects = tenant_manager(SessionNoteQuerySet)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The caseload's risk flag starts from the few signed notes with concerns.
            models.Index(
                fields=["clinic", "session"],
                condition=Q(risk_level=RiskLevel.CONCERNS, signed_at__isnull=False),
                name="sessionnote_signed_concerns",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(partner_a_intensity__isnull=True)
                | Q(partner_a_intensity__gte=0, partner_a_intensity__lte=10),
                name="sessionnote_partner_a_intensity_0_10",
            ),
            models.CheckConstraint(
                condition=Q(partner_b_intensity__isnull=True)
                | Q(partner_b_intensity__gte=0, partner_b_intensity__lte=10),
                name="sessionnote_partner_b_intensity_0_10",
            ),
            models.CheckConstraint(
                condition=Q(state=NoteState.DRAFT, signed_at__isnull=True)
                | Q(state__in=[NoteState.AWAITING_COSIGNATURE, NoteState.SIGNED])
                & Q(signed_at__isnull=False),
                name="sessionnote_state_matches_signature",
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="signed_lock",
                when=pgtrigger.Before,
                operation=pgtrigger.Update | pgtrigger.Delete,
                func=SIGNED_NOTE_LOCK,
            ),
            refuse_truncate("session notes"),
        ]

    def __str__(self) -> str:
        return f"Note of {self.session}"

    @property
    def is_locked(self) -> bool:
        return self.signed_at is not None


class NoteAddendum(TenantModel):
    """A correction or addition to a signed note; append-only (a trigger refuses UPDATE/DELETE)."""

    note = models.ForeignKey(SessionNote, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    text = models.TextField(max_length=5000)

    class Meta:
        ordering = ["created_at"]
        triggers = [
            pgtrigger.Trigger(
                name="append_only",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                func=ADDENDUM_APPEND_ONLY,
            ),
            refuse_truncate("note addenda"),
        ]

    def __str__(self) -> str:
        return f"Addendum to {self.note_id} at {self.created_at:%Y-%m-%d %H:%M}"
