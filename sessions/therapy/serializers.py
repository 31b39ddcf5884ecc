"""API input and output shapes for therapy sessions, notes, addenda and the couple's
confidentiality policy."""

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from clinic.api_base import ClinicScopedRelatedField
from clinic.models import (
    AppliesTo,
    Client,
    ConfidentialityAgreement,
    ConsentMethod,
    IndividualMaterialPolicy,
)
from clinic.selectors import therapists_of
from clinic.serializers import PartnerSummarySerializer, UserSummarySerializer
from sessions.models import (
    DURATION_MAX_MINUTES,
    DURATION_MIN_MINUTES,
    Intervention,
    NoteAddendum,
    NoteState,
    NoteTemplate,
    RegulationZone,
    RiskLevel,
    SessionKind,
    SessionModality,
    SessionNote,
    TherapySession,
)
from sessions.therapy.note_content import SECTION_MAX_CHARS
from sessions.therapy.services import ADDENDUM_MAX_CHARS


def note_or_none(session: TherapySession) -> SessionNote | None:
    """The session's note if it has one (no query when `note` was select_related)."""
    try:
        return session.note
    except ObjectDoesNotExist:
        return None


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date-time that must carry its UTC offset (a naive time is ambiguous)."""

    def to_internal_value(self, value):
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed is not None and timezone.is_naive(parsed):
            self.fail("naive")
        return super().to_internal_value(value)

    default_error_messages = {
        "naive": "Include the UTC offset, e.g. 2026-03-02T17:00:00+00:00.",
    }


class NoteSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    state = serializers.ChoiceField(choices=NoteState.choices)


class TherapySessionSerializer(serializers.ModelSerializer):
    partner = PartnerSummarySerializer(read_only=True, allow_null=True)
    therapist = UserSummarySerializer(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)
    #: scheduled but its time has come (e.g. booked in the past): record what happened
    awaiting_outcome = serializers.BooleanField(read_only=True)
    note = serializers.SerializerMethodField()

    class Meta:
        model = TherapySession
        fields = [
            "id",
            "couple",
            "kind",
            "partner",
            "therapist",
            "starts_at",
            "ends_at",
            "duration_minutes",
            "modality",
            "status",
            "status_reason",
            "partner_a_attended",
            "partner_b_attended",
            "status_changed_at",
            "awaiting_outcome",
            "note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_note(self, session) -> NoteSummarySerializer(allow_null=True):
        note = note_or_none(session)
        return None if note is None else {"id": note.pk, "state": note.state}


def _couple_partners(view):
    return Client.objects.for_clinic(view.clinic)


def _therapists(view):
    return therapists_of(clinic=view.clinic)


class SessionScheduleSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SessionKind.choices, default=SessionKind.JOINT)
    partner = ClinicScopedRelatedField(
        scoped_queryset=_couple_partners, required=False, allow_null=True, default=None
    )
    therapist = ClinicScopedRelatedField(
        scoped_queryset=_therapists, required=False, allow_null=True, default=None
    )
    starts_at = AwareDateTimeField()
    duration_minutes = serializers.IntegerField(
        min_value=DURATION_MIN_MINUTES, max_value=DURATION_MAX_MINUTES, default=50
    )
    modality = serializers.ChoiceField(
        choices=SessionModality.choices, default=SessionModality.IN_PERSON
    )


class SessionRescheduleSerializer(serializers.Serializer):
    starts_at = AwareDateTimeField(required=False)
    duration_minutes = serializers.IntegerField(
        min_value=DURATION_MIN_MINUTES, max_value=DURATION_MAX_MINUTES, required=False
    )
    modality = serializers.ChoiceField(choices=SessionModality.choices, required=False)
    therapist = ClinicScopedRelatedField(scoped_queryset=_therapists, required=False)


class SessionHeldSerializer(serializers.Serializer):
    partner_a_attended = serializers.BooleanField(required=False, allow_null=True, default=None)
    partner_b_attended = serializers.BooleanField(required=False, allow_null=True, default=None)


class SessionCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class NoteStartSerializer(serializers.Serializer):
    template = serializers.ChoiceField(choices=NoteTemplate.choices)


class AddendumSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True)

    class Meta:
        model = NoteAddendum
        fields = ["id", "author", "created_at", "text"]
        read_only_fields = ["id", "author", "created_at"]
        extra_kwargs = {"text": {"max_length": ADDENDUM_MAX_CHARS}}


class SessionNoteSerializer(serializers.ModelSerializer):
    """A note with its content and signatures (and addenda when given in the context)."""

    session = serializers.UUIDField(source="session_id", read_only=True)
    couple = serializers.UUIDField(source="session.couple_id", read_only=True)
    # A zone not yet rated is "": the schema's enum must say so (it omits blank on read-only
    # model fields).
    partner_a_zone = serializers.ChoiceField(
        choices=RegulationZone.choices, allow_blank=True, read_only=True
    )
    partner_b_zone = serializers.ChoiceField(
        choices=RegulationZone.choices, allow_blank=True, read_only=True
    )
    session_kind = serializers.ChoiceField(
        source="session.kind", choices=SessionKind.choices, read_only=True
    )
    session_starts_at = serializers.DateTimeField(source="session.starts_at", read_only=True)
    author = UserSummarySerializer(read_only=True)
    signed_by = UserSummarySerializer(read_only=True, allow_null=True)
    cosigner_required = UserSummarySerializer(read_only=True, allow_null=True)
    cosigned_by = UserSummarySerializer(read_only=True, allow_null=True)
    sections = serializers.DictField(child=serializers.CharField(allow_blank=True))
    interventions = serializers.ListField(child=serializers.ChoiceField(Intervention.choices))
    addenda = serializers.SerializerMethodField()

    class Meta:
        model = SessionNote
        fields = [
            "id",
            "session",
            "couple",
            "session_kind",
            "session_starts_at",
            "author",
            "template",
            "sections",
            "partner_a_zone",
            "partner_a_intensity",
            "partner_b_zone",
            "partner_b_intensity",
            "interventions",
            "interventions_other",
            "risk_level",
            "risk_concerns",
            "risk_plan",
            "version",
            "state",
            "signed_at",
            "signed_by",
            "cosigner_required",
            "cosigned_at",
            "cosigned_by",
            "created_at",
            "edited_at",
            "addenda",
        ]
        read_only_fields = fields

    def get_addenda(self, note) -> AddendumSerializer(many=True):
        addenda = self.context.get("addenda")
        return [] if addenda is None else AddendumSerializer(addenda, many=True).data


class NoteListSerializer(serializers.ModelSerializer):
    """A note's place in a list: which session, its state and signatures (no content)."""

    session = serializers.UUIDField(source="session_id", read_only=True)
    couple = serializers.UUIDField(source="session.couple_id", read_only=True)
    session_kind = serializers.ChoiceField(
        source="session.kind", choices=SessionKind.choices, read_only=True
    )
    session_starts_at = serializers.DateTimeField(source="session.starts_at", read_only=True)
    author = UserSummarySerializer(read_only=True)
    cosigner_required = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = SessionNote
        fields = [
            "id",
            "session",
            "couple",
            "session_kind",
            "session_starts_at",
            "author",
            "template",
            "state",
            "version",
            "signed_at",
            "cosigner_required",
            "cosigned_at",
            "edited_at",
        ]
        read_only_fields = fields


class NoteWriteSerializer(serializers.Serializer):
    """A draft edit: the version the client read, and the content fields it changes.

    With PUT every content field is required; PATCH sends only what changed.
    """

    version = serializers.IntegerField(min_value=1)
    template = serializers.ChoiceField(choices=NoteTemplate.choices)
    sections = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=SECTION_MAX_CHARS)
    )
    partner_a_zone = serializers.ChoiceField(choices=RegulationZone.choices, allow_blank=True)
    partner_a_intensity = serializers.IntegerField(min_value=0, max_value=10, allow_null=True)
    partner_b_zone = serializers.ChoiceField(choices=RegulationZone.choices, allow_blank=True)
    partner_b_intensity = serializers.IntegerField(min_value=0, max_value=10, allow_null=True)
    interventions = serializers.ListField(
        child=serializers.ChoiceField(choices=Intervention.choices), max_length=20
    )
    interventions_other = serializers.CharField(max_length=300, allow_blank=True)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices)
    risk_concerns = serializers.CharField(max_length=5000, allow_blank=True)
    risk_plan = serializers.CharField(max_length=5000, allow_blank=True)

    def validate(self, attrs):
        if self.partial and "version" not in attrs:
            raise serializers.ValidationError({"version": ["Send the version you edited."]})
        return attrs


class NoteSignSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class CosignerReassignSerializer(serializers.Serializer):
    """The active member who is to co-sign instead of the one who left."""

    cosigner = ClinicScopedRelatedField(scoped_queryset=_therapists)


class NoteConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current_version = serializers.IntegerField(allow_null=True)
    current = SessionNoteSerializer(allow_null=True)


class ConfidentialityAgreementSerializer(serializers.ModelSerializer):
    """One recorded change of the policy, with each partner's consent."""

    recorded_by = serializers.CharField(source="recorded_by.email", default=None, read_only=True)
    partner_a = serializers.UUIDField(source="partner_a_id", read_only=True)
    partner_b = serializers.UUIDField(source="partner_b_id", read_only=True)

    class Meta:
        model = ConfidentialityAgreement
        fields = [
            "id",
            "from_policy",
            "to_policy",
            "from_effective",
            "to_effective",
            "applies_to",
            "shared_since",
            "partner_a",
            "partner_a_consent_on",
            "partner_a_consent_method",
            "partner_b",
            "partner_b_consent_on",
            "partner_b_consent_method",
            "note",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields


class ConfidentialitySerializer(serializers.Serializer):
    policy = serializers.ChoiceField(choices=IndividualMaterialPolicy.choices)
    effective_policy = serializers.CharField(
        read_only=True, help_text="What applies today: 'shared' or 'private'."
    )
    shared_since = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When shared 'from now on': the moment sharing began; each partner's "
        "material from before it stays private. Null: the policy covers all material.",
    )
    clinic_default = serializers.CharField(
        read_only=True, help_text="The clinic's default: 'shared' or 'private'."
    )
    history = ConfidentialityAgreementSerializer(many=True, read_only=True)


class ConfidentialityChangeSerializer(serializers.Serializer):
    """A change of policy: both partners' consent (date and how) and an explicit confirmation
    are required; missing ones answer 400 naming the field."""

    policy = serializers.ChoiceField(choices=IndividualMaterialPolicy.choices)
    applies_to = serializers.ChoiceField(
        choices=AppliesTo.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="'from_now': material from before the change keeps the privacy it had; "
        "'all': past material too. Making material private always applies to all of it.",
    )
    partner_a_consent_on = serializers.DateField(required=False, allow_null=True, default=None)
    partner_a_consent_method = serializers.ChoiceField(
        choices=ConsentMethod.choices, required=False, allow_blank=True, default=""
    )
    partner_b_consent_on = serializers.DateField(required=False, allow_null=True, default=None)
    partner_b_consent_method = serializers.ChoiceField(
        choices=ConsentMethod.choices, required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    confirm = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Must be true: the change alters what each partner sees of the other.",
    )

    @staticmethod
    def service_kwargs(data: dict) -> dict:
        """The validated body as `couple_set_material_policy`'s arguments."""
        return {
            "policy": data["policy"],
            "applies_to": data["applies_to"],
            "consents": {
                slot: (data[f"{slot}_consent_on"], data[f"{slot}_consent_method"])
                for slot in ("partner_a", "partner_b")
            },
            "confirmed": data["confirm"],
            "note": data["note"],
        }


class SessionSummarySerializer(serializers.Serializer):
    next = TherapySessionSerializer(allow_null=True)
    last = TherapySessionSerializer(allow_null=True)
