"""API input and output shapes for homework, time-out agreements, adherence, logs, check-ins and
the regulation strip (staff and portal). Shapes only: the rules live in the services."""

from django.db.models import Q
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clinic.api_base import ClinicScopedRelatedField
from clinic.models import Client
from sessions.homework_presets import PRESETS
from sessions.homework_services import CUSTOM_TECHNIQUE
from sessions.models import AgreementDecision, Homework, HomeworkKind, RegulationZone
from sessions.regulation import INTENSITY_SCALE, SELF_RATING_NOTE

TECHNIQUE_CHOICES = [(p.code, p.name) for p in PRESETS] + [(CUSTOM_TECHNIQUE, "Custom practice")]
ZONE_OR_BLANK = [("", "Not rated"), *RegulationZone.choices]


def _couple_partners(view):
    couple = view.couple
    return Client.objects.for_clinic(view.clinic).filter(
        pk__in=[couple.partner_a_id, couple.partner_b_id]
    )


# --- time-out agreement terms and versions -------------------------------------------------


class TermsSerializer(serializers.Serializer):
    """Time-out terms; blanks reach the service, whose errors name the term (e.g. "signal")."""

    signal = serializers.CharField(max_length=200, required=False, allow_blank=True)
    min_break_minutes = serializers.IntegerField(required=False, allow_null=True)
    max_break_minutes = serializers.IntegerField(required=False, allow_null=True)
    heart_rate_cue = serializers.IntegerField(required=False, allow_null=True)
    calm_plan_a = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    calm_plan_b = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    reconvene_plan = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    agree_not_to = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class VersionCreateSerializer(TermsSerializer):
    change_note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class ResponseSerializer(serializers.Serializer):
    partner = serializers.UUIDField(source="partner_id")
    decision = serializers.ChoiceField(choices=AgreementDecision.choices)
    note = serializers.CharField()
    at = serializers.DateTimeField()


class VersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    signal = serializers.CharField()
    min_break_minutes = serializers.IntegerField()
    max_break_minutes = serializers.IntegerField()
    heart_rate_cue = serializers.IntegerField(allow_null=True)
    calm_plan_a = serializers.CharField()
    calm_plan_b = serializers.CharField()
    reconvene_plan = serializers.CharField()
    agree_not_to = serializers.CharField()
    change_note = serializers.CharField()
    created_at = serializers.DateTimeField()
    responses = serializers.SerializerMethodField()

    @extend_schema_field(ResponseSerializer(many=True))
    def get_responses(self, version):
        responses = list(version.responses.all())
        if "answer_owners" in self.context:
            # The portal: a partner's own answers, and the other's when the policy shares them.
            owners = self.context["answer_owners"]
            responses = [r for r in responses if r.partner_id in owners]
        return ResponseSerializer(responses, many=True).data


class StandingSerializer(serializers.Serializer):
    partner = serializers.UUIDField()
    accepted = serializers.BooleanField()
    wants_to_discuss = serializers.BooleanField()
    note = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)


class AgreementStatusSerializer(serializers.Serializer):
    version = serializers.IntegerField(allow_null=True)
    in_force = serializers.BooleanField()
    last_agreed_version = serializers.IntegerField(allow_null=True)
    partners = StandingSerializer(many=True)


class PortalStandingSerializer(serializers.Serializer):
    """What a partner sees of the couple's standing: who accepted, never the other's note."""

    partner = serializers.UUIDField()
    accepted = serializers.BooleanField()


class PortalAgreementStatusSerializer(serializers.Serializer):
    version = serializers.IntegerField(allow_null=True)
    in_force = serializers.BooleanField()
    partners = PortalStandingSerializer(many=True)


# --- adherence -----------------------------------------------------------------------------


class WeekSerializer(serializers.Serializer):
    week_start = serializers.DateField()
    week_end = serializers.DateField()
    logged = serializers.IntegerField()
    target = serializers.IntegerField()
    met = serializers.BooleanField()
    days_active = serializers.IntegerField()
    in_progress = serializers.BooleanField()


class SummarySerializer(serializers.Serializer):
    weeks = serializers.IntegerField()
    weeks_met = serializers.IntegerField()
    logged = serializers.IntegerField()
    target = serializers.IntegerField()
    percentage = serializers.FloatField(allow_null=True)


class PartnerAdherenceSerializer(serializers.Serializer):
    partner = serializers.UUIDField(source="partner_id")
    weeks = WeekSerializer(many=True)
    summary = SummarySerializer()


class HomeworkAdherenceSerializer(serializers.Serializer):
    homework = serializers.UUIDField(source="homework.pk")
    title = serializers.CharField(source="homework.title")
    target_per_week = serializers.IntegerField(source="homework.target_per_week")
    partners = PartnerAdherenceSerializer(many=True)


# --- homework ------------------------------------------------------------------------------


class HomeworkSerializer(serializers.Serializer):
    """Homework with its agreement (versions and standing) and adherence from the context
    maps {homework_id: ...} the view computed for the whole page."""

    id = serializers.UUIDField()
    couple = serializers.UUIDField(source="couple_id")
    partner = serializers.UUIDField(source="partner_id", allow_null=True)
    kind = serializers.ChoiceField(choices=HomeworkKind.choices)
    title = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    target_per_week = serializers.IntegerField(allow_null=True)
    technique = serializers.CharField()
    breaths_per_minute = serializers.FloatField(allow_null=True)
    cycles = serializers.IntegerField(allow_null=True)
    minutes = serializers.IntegerField(allow_null=True)
    instructions = serializers.CharField()
    created_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    end_reason = serializers.CharField()
    archived_at = serializers.DateTimeField(allow_null=True)
    agreement = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()
    adherence = serializers.SerializerMethodField()

    @extend_schema_field(AgreementStatusSerializer(allow_null=True))
    def get_agreement(self, homework):
        status = self.context.get("agreements", {}).get(homework.pk)
        if status is None:
            return None
        if "viewer_id" in self.context:
            return PortalAgreementStatusSerializer(status).data
        return AgreementStatusSerializer(status).data

    @extend_schema_field(VersionSerializer(many=True))
    def get_versions(self, homework):
        if not homework.is_time_out:
            return []
        return VersionSerializer(homework.versions.all(), many=True, context=self.context).data

    @extend_schema_field(PartnerAdherenceSerializer(many=True))
    def get_adherence(self, homework):
        rows = self.context.get("adherence", {}).get(homework.pk, [])
        if "viewer_id" in self.context:
            rows = [r for r in rows if r.partner_id in self.context.get("adherence_owners", ())]
        return PartnerAdherenceSerializer(rows, many=True).data


class HomeworkCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=HomeworkKind.choices)
    partner = ClinicScopedRelatedField(
        scoped_queryset=_couple_partners, allow_null=True, required=False
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)
    target_per_week = serializers.IntegerField(required=False, allow_null=True)
    technique = serializers.ChoiceField(choices=TECHNIQUE_CHOICES, required=False, allow_blank=True)
    breaths_per_minute = serializers.FloatField(required=False, allow_null=True)
    cycles = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=100)
    minutes = serializers.IntegerField(required=False, allow_null=True)
    instructions = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    terms = TermsSerializer(required=False)


class HomeworkUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    end_date = serializers.DateField(required=False, allow_null=True)
    target_per_week = serializers.IntegerField(required=False, allow_null=True)
    breaths_per_minute = serializers.FloatField(required=False, allow_null=True)
    cycles = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=100)
    minutes = serializers.IntegerField(required=False, allow_null=True)
    instructions = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class HomeworkEndSerializer(serializers.Serializer):
    end_date = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class AgreementAnswerSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class AgreementConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current_version = serializers.IntegerField()


# --- logs ----------------------------------------------------------------------------------


class LogSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    partner = serializers.UUIDField(source="partner_id")
    mine = serializers.SerializerMethodField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    corrected_at = serializers.DateTimeField(allow_null=True)
    locks_at = serializers.DateTimeField()
    voided_at = serializers.DateTimeField(allow_null=True)
    void_reason = serializers.CharField()

    def get_mine(self, log) -> bool | None:
        viewer = self.context.get("viewer_id")
        return None if viewer is None else log.partner_id == viewer


class PracticeLogSerializer(LogSerializer):
    homework = serializers.UUIDField(source="homework_id")
    homework_title = serializers.CharField(source="homework.title")
    practiced_at = serializers.DateTimeField()
    minutes = serializers.IntegerField()
    before_zone = serializers.ChoiceField(choices=ZONE_OR_BLANK)
    before_intensity = serializers.IntegerField(allow_null=True)
    after_zone = serializers.ChoiceField(choices=ZONE_OR_BLANK)
    after_intensity = serializers.IntegerField(allow_null=True)


class TimeOutLogSerializer(LogSerializer):
    homework = serializers.UUIDField(source="homework_id", allow_null=True)
    started_at = serializers.DateTimeField()
    called_by = serializers.UUIDField(source="called_by_id")
    minutes_apart = serializers.IntegerField()
    reconvened = serializers.BooleanField()
    reconvene_note = serializers.CharField()
    intensity = serializers.IntegerField(allow_null=True)


class CheckInSerializer(LogSerializer):
    checked_at = serializers.DateTimeField()
    zone = serializers.ChoiceField(choices=RegulationZone.choices)
    intensity = serializers.IntegerField()
    scale = serializers.CharField()
    self_rating = serializers.SerializerMethodField()

    def get_self_rating(self, log) -> str:
        return SELF_RATING_NOTE


def _own_practices(view):
    """Practices and tasks this partner may log: their own and the couple's."""

    if view.couple is None:
        return Homework.objects.none()
    return (
        Homework.objects.for_clinic(view.clinic)
        .live()
        .filter(couple=view.couple)
        .filter(Q(partner__isnull=True) | Q(partner=view.client))
        .exclude(kind=HomeworkKind.TIME_OUT)
    )


def _couple_agreements(view):

    if view.couple is None:
        return Homework.objects.none()
    return (
        Homework.objects.for_clinic(view.clinic)
        .live()
        .filter(couple=view.couple, kind=HomeworkKind.TIME_OUT)
    )


class PracticeLogWriteSerializer(serializers.Serializer):
    homework = ClinicScopedRelatedField(scoped_queryset=_own_practices)
    practiced_at = serializers.DateTimeField()
    minutes = serializers.IntegerField()
    before_zone = serializers.ChoiceField(choices=ZONE_OR_BLANK, required=False)
    before_intensity = serializers.IntegerField(required=False, allow_null=True)
    after_zone = serializers.ChoiceField(choices=ZONE_OR_BLANK, required=False)
    after_intensity = serializers.IntegerField(required=False, allow_null=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class TimeOutLogWriteSerializer(serializers.Serializer):
    started_at = serializers.DateTimeField()
    called_by = serializers.ChoiceField(
        choices=[("me", "I called it"), ("partner", "My partner called it")]
    )
    minutes_apart = serializers.IntegerField()
    reconvened = serializers.BooleanField()
    reconvene_note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    intensity = serializers.IntegerField(required=False, allow_null=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    homework = ClinicScopedRelatedField(
        scoped_queryset=_couple_agreements, required=False, allow_null=True
    )


class CheckInWriteSerializer(serializers.Serializer):
    checked_at = serializers.DateTimeField(required=False)
    zone = serializers.ChoiceField(choices=RegulationZone.choices)
    intensity = serializers.IntegerField(help_text=f"Distress, {INTENSITY_SCALE}")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


# --- regulation ----------------------------------------------------------------------------


class StripDaySerializer(serializers.Serializer):
    on = serializers.DateField()
    zone = serializers.ChoiceField(choices=RegulationZone.choices, allow_null=True)
    intensity = serializers.IntegerField(allow_null=True)
    both_out = serializers.BooleanField()


class PartnerStripSerializer(serializers.Serializer):
    partner = serializers.UUIDField()
    days = StripDaySerializer(many=True)


class RegulationSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    scale = serializers.CharField()
    self_rating = serializers.CharField()
    partners = PartnerStripSerializer(many=True)
    both_out_of_window = serializers.ListField(child=serializers.DateField())


class UpcomingSessionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField()
    modality = serializers.CharField()
    with_me_alone = serializers.SerializerMethodField()

    def get_with_me_alone(self, session) -> bool:
        return session.partner_id is not None and session.partner_id == self.context.get(
            "viewer_id"
        )
