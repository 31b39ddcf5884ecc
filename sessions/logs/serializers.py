"""API input and output shapes for practice and time-out logs, check-ins and the regulation
strip (staff and portal). Shapes only: the rules live in the services.
"""

from rest_framework import serializers

from clinic.api_base import ClinicScopedRelatedField
from sessions.homework.selectors import practices_loggable_by, time_out_agreements_of
from sessions.logs.regulation import INTENSITY_SCALE, SELF_RATING_NOTE
from sessions.models import Homework, RegulationZone

ZONE_OR_BLANK = [("", "Not rated"), *RegulationZone.choices]


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
    if view.couple is None:
        return Homework.objects.none()
    return practices_loggable_by(couple=view.couple, client=view.client)


def _couple_agreements(view):
    if view.couple is None:
        return Homework.objects.none()
    return time_out_agreements_of(couple=view.couple)


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
