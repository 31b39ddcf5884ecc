"""People and tenancy: clinics, staff, clients, couples and the audit trail."""

import uuid
import zoneinfo

import pgtrigger
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from clinic.audit_chain import LINK_NEW_EVENT
from clinic.audit_channel import Channel
from clinic.date_style import DEFAULT_LOCALE, LOCALE_CHOICES
from clinic.record_locks import refuse, refuse_truncate
from clinic.tenancy import TenantModel, TenantQuerySet, tenant_manager


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"'{value}' is not a known time zone (e.g. Europe/London).")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who logs in: clinic staff (through Membership) or a client (through Client.portal_user)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Moving this ends every session of the user at once: it is part of the session hash.
    access_revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def _access_hash(self, secret=None) -> str:
        revoked = self.access_revoked_at.isoformat() if self.access_revoked_at else ""
        return salted_hmac(
            "clinic.User.session", f"{self.password}|{revoked}", secret=secret, algorithm="sha256"
        ).hexdigest()

    def get_session_auth_hash(self) -> str:
        return self._access_hash()

    def get_session_auth_fallback_hash(self):
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._access_hash(secret=fallback_secret)


STAFF_IDLE_MINUTES_MAX = 60
DEFAULT_LEAVE_URL = "https://www.bbc.co.uk/weather"


class Clinic(models.Model):
    """A tenant: one practice. Nothing of one clinic is visible to another."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    # How dates and times are written for this clinic (clinic.date_style): "6 Sep 2026, 14:05"
    # in the UK, "Sep 6, 2026, 2:05 PM" in the US.
    locale = models.CharField(
        max_length=10, choices=LOCALE_CHOICES, default=DEFAULT_LOCALE, db_default=DEFAULT_LOCALE
    )
    # Default for new couples: may partners see each other's individual material?
    partners_see_individual_results = models.BooleanField(default=False)
    show_score_bands_to_clients = models.BooleanField(default=False)
    crisis_text = models.TextField(
        blank=True,
        default="If you are in danger or thinking of harming yourself, call your local emergency "
        "number now, or contact a crisis line.",
    )
    report_retention_days = models.PositiveIntegerField(default=30)
    # Emails to partners: the day before a session, and a weekly nudge when no practice was
    # logged. Each partner may also turn either off for themselves.
    # db_default: rows written by code that predates these switches get them on too.
    session_reminders = models.BooleanField(default=True, db_default=True)
    homework_nudges = models.BooleanField(default=True, db_default=True)
    # Staff sessions end after this long without a request (never longer than an hour).
    # db_default: rows written by code that predates these settings get them too.
    staff_idle_minutes = models.PositiveSmallIntegerField(
        default=30,
        db_default=30,
        validators=[MinValueValidator(5), MaxValueValidator(STAFF_IDLE_MINUTES_MAX)],
    )
    # Clients must set up a second factor before they can use the portal.
    require_client_mfa = models.BooleanField(default=False, db_default=False)
    # Where "Leave quickly" takes a client: a neutral page on another site.
    leave_url = models.URLField(
        max_length=300, default=DEFAULT_LEAVE_URL, db_default=DEFAULT_LEAVE_URL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Role(models.TextChoices):
    ADMIN = "admin", "Clinic admin"
    THERAPIST = "therapist", "Therapist"


class Membership(TenantModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.THERAPIST)
    # A supervised therapist's notes await co-signature by their supervisor.
    is_supervised = models.BooleanField(default=False)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervisees",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "user"], name="membership_unique_user_per_clinic"
            )
        ]
        ordering = ["user__email"]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) at {self.clinic_id}"

    @property
    def is_admin(self) -> bool:
        """Active with the admin role (clinic/permissions.py builds every admin check on it)."""
        return self.is_active and self.role == Role.ADMIN


class ArchivableQuerySet(TenantQuerySet):
    def live(self):
        return self.filter(archived_at__isnull=True)


class Client(TenantModel):
    """A person in treatment: a clinical record, optionally linked to a portal login."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"

    legal_name = models.CharField(max_length=200)
    preferred_name = models.CharField(max_length=100, blank=True)
    pronouns = models.CharField(max_length=40, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True, max_length=500)
    emergency_contact_name = models.CharField(max_length=200, blank=True)
    emergency_contact_phone = models.CharField(max_length=40, blank=True)
    emergency_contact_relationship = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    # The partner's own choice of reminder emails (the clinic's switch must be on as well).
    session_reminders = models.BooleanField(default=True, db_default=True)
    homework_nudges = models.BooleanField(default=True, db_default=True)
    # Set when the therapist ends the client's portal access (the login stays linked, so
    # access can be given back); cleared when it is.
    portal_revoked_at = models.DateTimeField(null=True, blank=True)
    portal_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="client_record",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_manager(ArchivableQuerySet)

    class Meta:
        ordering = ["legal_name"]
        indexes = [models.Index(fields=["clinic", "legal_name"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.legal_name


class CoupleStatus(models.TextChoices):
    INTAKE = "intake", "Intake"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    DISCHARGED = "discharged", "Discharged"


# A client may belong to only one couple in these states at a time.
OPEN_COUPLE_STATUSES = (CoupleStatus.INTAKE, CoupleStatus.ACTIVE, CoupleStatus.PAUSED)


class IndividualMaterialPolicy(models.TextChoices):
    INHERIT = "inherit", "Clinic default"
    SHARED = "shared", "No secrets: partners may see each other's individual material"
    PRIVATE = "private", "Private: individual material stays with its partner"


class Couple(TenantModel):
    """One case: two partners treated together."""

    partner_a = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="couples_as_a")
    partner_b = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="couples_as_b")
    therapists = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="CoupleTherapist",
        related_name="assigned_couples",
        blank=True,
    )
    status = models.CharField(
        max_length=20, choices=CoupleStatus.choices, default=CoupleStatus.INTAKE
    )
    intake_date = models.DateField(null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    presenting_concerns = models.TextField(blank=True, max_length=5000)
    individual_material_policy = models.CharField(
        max_length=20,
        choices=IndividualMaterialPolicy.choices,
        default=IndividualMaterialPolicy.INHERIT,
    )
    # When the partners agreed to share "from now on": each partner's individual material from
    # before this moment stays private to them (clinic.confidentiality). Null: the policy covers
    # all material, as it always did for couples from before consent was recorded.
    shared_since = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_manager(ArchivableQuerySet)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["clinic", "status"]),
            # The caseload API's order (newest first) within a clinic.
            models.Index(fields=["clinic", "-created_at"], name="couple_clinic_newest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(partner_a=models.F("partner_b")), name="couple_partners_differ"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.partner_a.display_name} & {self.partner_b.display_name}"

    @property
    def partners(self) -> tuple[Client, Client]:
        return (self.partner_a, self.partner_b)

    def other_partner(self, client: Client) -> Client:
        """The partner who is not `client` (ValueError if `client` is not a partner here)."""
        if client.pk == self.partner_a_id:
            return self.partner_b
        if client.pk == self.partner_b_id:
            return self.partner_a
        raise ValueError("Not a partner of this couple.")

    @property
    def assignment_defaults(self) -> dict:
        """`through_defaults` for `therapists.add/set`: the assignment row's clinic."""
        return {"clinic_id": self.clinic_id}


class CoupleTherapist(TenantModel):
    """A therapist assigned to a couple (the rows behind `Couple.therapists`), carrying the
    clinic like every tenant row so that row-level security covers who treats whom.

    Assign through the relation with the clinic: `couple.therapists.add(user,
    through_defaults=couple.assignment_defaults)`.
    """

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["couple", "therapist"], name="coupletherapist_once_per_couple"
            )
        ]

    def __str__(self) -> str:
        return f"{self.therapist_id} treats {self.couple_id}"


class BreakGlassQuerySet(TenantQuerySet):
    def open_at(self, moment) -> "BreakGlassQuerySet":
        """Accesses still running at `moment`."""
        return self.filter(opened_at__lte=moment, expires_at__gt=moment)


class BreakGlass(TenantModel):
    """An admin's access to a couple outside their caseload, for a limited time, with the reason
    they gave ("break-glass"). The couple's therapists are shown each one; the audit trail holds
    it as a distinct action. Rows are never changed: access ends when `expires_at` passes."""

    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(max_length=1000)
    opened_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    objects = tenant_manager(BreakGlassQuerySet)

    class Meta:
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["clinic", "couple", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("opened_at")),
                name="breakglass_expires_after_opening",
            )
        ]


class CoupleStatusChange(TenantModel):
    """Who moved a couple between intake, active, paused and discharged, and when."""

    couple = models.ForeignKey(Couple, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=CoupleStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=CoupleStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["changed_at"]


class ConsentMethod(models.TextChoices):
    IN_SESSION = "in_session", "In session, in person"
    VIDEO_OR_PHONE = "video_or_phone", "In a video or phone session"
    IN_WRITING = "in_writing", "In writing (signed form)"
    SECURE_MESSAGE = "secure_message", "By email or secure message"
    VIA_PORTAL = "via_portal", "Via the portal"


class AppliesTo(models.TextChoices):
    FROM_NOW = "from_now", "From now on: earlier material keeps the privacy it had"
    ALL = "all", "To all material, past material too"


class ConfidentialityAgreement(TenantModel):
    """One change of a couple's individual-material policy, with both partners' consent (when
    and how each agreed), whether it covers past material, and who recorded it. Written once:
    the history of what partners agreed to is never rewritten."""

    couple = models.ForeignKey(
        Couple, on_delete=models.PROTECT, related_name="confidentiality_agreements"
    )
    from_policy = models.CharField(max_length=20, choices=IndividualMaterialPolicy.choices)
    to_policy = models.CharField(max_length=20, choices=IndividualMaterialPolicy.choices)
    # What applied before and after ('shared' / 'private'), the clinic default resolved.
    from_effective = models.CharField(max_length=10)
    to_effective = models.CharField(max_length=10)
    applies_to = models.CharField(max_length=10, choices=AppliesTo.choices)
    # The couple's sharing boundary this change set (Couple.shared_since).
    shared_since = models.DateTimeField(null=True, blank=True)
    partner_a = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    partner_a_consent_on = models.DateField()
    partner_a_consent_method = models.CharField(max_length=20, choices=ConsentMethod.choices)
    partner_b = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    partner_b_consent_on = models.DateField()
    partner_b_consent_method = models.CharField(max_length=20, choices=ConsentMethod.choices)
    note = models.CharField(max_length=1000, blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [
            models.Index(fields=["clinic", "couple", "-recorded_at"], name="confagreement_couple")
        ]
        triggers = [
            refuse(
                name="append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
                message="confidentiality agreements are append-only (% refused)",
                args=("TG_OP",),
            ),
            refuse_truncate("confidentiality agreements"),
        ]

    def __str__(self) -> str:
        return f"{self.couple_id}: {self.from_policy} -> {self.to_policy}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("Confidentiality agreements are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Confidentiality agreements are append-only.")


class AuditEvent(TenantModel):
    """Append-only record of who read or changed which clinical record, from where.

    Rows are never updated or deleted by the application; on PostgreSQL triggers and the app
    role's privileges refuse it too, and each event is chained to the one before it in its
    clinic (seq, prev_hash, hash: set by the database, see clinic.audit_chain).
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64, blank=True)
    # Whose record it was (clinic.audit_subject), for "who read this client's record?". Events
    # written before these existed have neither. No database constraint: an audit row must
    # never block, or be removed with, what it records.
    couple = models.ForeignKey(
        "clinic.Couple",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    client = models.ForeignKey(
        "clinic.Client",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.API)
    detail = models.JSONField(default=dict, blank=True)
    # The hash chain, filled in by the database on insert (PostgreSQL; 0 and "" on SQLite).
    seq = models.PositiveBigIntegerField(default=0, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    hash = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["clinic", "object_type", "object_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "seq"], condition=models.Q(seq__gt=0), name="auditevent_chain_seq"
            )
        ]
        triggers = [
            pgtrigger.Trigger(
                name="chain",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                declare=[("_last_seq", "bigint"), ("_last_hash", "text")],
                func=LINK_NEW_EVENT,
            ),
            refuse(
                name="append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
                message="audit events are append-only (% refused)",
                args=("TG_OP",),
            ),
            refuse_truncate("audit events"),
        ]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Audit events are append-only.")


class Invitation(TenantModel):
    """A single-use, expiring link that brings a person in: staff with a role (sent by an
    admin), or a client to the portal (sent by their therapist). Only a digest of the link's
    token is stored. Nobody becomes a member or gets a portal login until they accept."""

    class Kind(models.TextChoices):
        STAFF = "staff", "Staff"
        PORTAL = "portal", "Portal"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    email = models.EmailField()
    full_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    is_supervised = models.BooleanField(default=False)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.PROTECT, related_name="invitations"
    )
    token_digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["clinic", "email"])]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="staff") & ~models.Q(role=""))
                | (models.Q(kind="portal") & models.Q(client__isnull=False)),
                name="invitation_names_role_or_client",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} invitation for {self.email}"

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        return "pending" if self.expires_at > timezone.now() else "expired"
