"""API input and output shapes for homework, time-out agreements and adherence (staff and
portal). Shapes only: the rules live in the services.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clinic.api_base import ClinicScopedRelatedField
from clinic.models import Client
from sessions.homework.presets import PRESETS
from sessions.homework.services import CUSTOM_TECHNIQUE
from sessions.models import AgreementDecision, HomeworkKind

TECHNIQUE_CHOICES = [(p.code, p.name) for p in PRESETS] + [(CUSTOM_TECHNIQUE, "Custom practice")]


def _couple_partners(view):
    couple = view.couple
    return Client.objects.for_clinic(view.clinic).filter(
        pk__in=[couple.partner_a_id, couple.partner_b_id]
    )


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
        if "answer_visible" in self.context:
            # The portal: a partner's own answers, and the other's when the policy shares them.
            responses = [r for r in responses if self.context["answer_visible"](r)]
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
