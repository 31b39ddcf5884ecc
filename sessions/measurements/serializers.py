"""API input and output shapes for physiological measurements and device-file imports."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clinic.api_base import ClinicScopedRelatedField
from clinic.models import Client
from clinic.strict_input import NumberOrTextField
from sessions.measurements.device_import import FORMATS
from sessions.measurements.physiology import home_kind_choices, kind_choices
from sessions.measurements.selectors import PreviewPage, preview_page
from sessions.models import ImportStatus, MeasurementSource, SessionPhase, TherapySession

FORMAT_CHOICES = list(FORMATS.items())


def _couple_partners(view):
    couple = view.couple
    return Client.objects.for_clinic(view.clinic).filter(
        pk__in=[couple.partner_a_id, couple.partner_b_id]
    )


def _couple_sessions(view):
    return TherapySession.objects.for_clinic(view.clinic).filter(couple=view.couple)


class MeasurementSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    partner = serializers.UUIDField(source="partner_id")
    kind = serializers.ChoiceField(choices=kind_choices())
    value = serializers.FloatField()
    secondary_value = serializers.FloatField(allow_null=True)
    unit = serializers.CharField()
    measured_at = serializers.DateTimeField()
    context = serializers.DictField()
    warnings = serializers.ListField(child=serializers.CharField())
    session = serializers.UUIDField(source="session_id", allow_null=True)
    session_phase = serializers.CharField()
    source = serializers.ChoiceField(choices=MeasurementSource.choices)
    source_import = serializers.UUIDField(source="source_import_id", allow_null=True)
    created_at = serializers.DateTimeField()
    voided_at = serializers.DateTimeField(allow_null=True)
    void_reason = serializers.CharField()


class MeasurementWriteSerializer(serializers.Serializer):
    """One reading; value may be a number or, for blood pressure, "120/80"."""

    partner = ClinicScopedRelatedField(scoped_queryset=_couple_partners)
    kind = serializers.CharField(max_length=30)
    value = NumberOrTextField(max_length=40)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True)
    secondary_value = NumberOrTextField(max_length=40, required=False, allow_null=True)
    measured_at = serializers.DateTimeField()
    context = serializers.DictField(required=False)
    session = ClinicScopedRelatedField(
        scoped_queryset=_couple_sessions, required=False, allow_null=True
    )
    session_phase = serializers.ChoiceField(
        choices=SessionPhase.choices, required=False, allow_blank=True
    )


HOME_ONLY = (
    "A client records heart rate, heart rate variability, breathing rate or blood pressure; "
    "other measures are entered by the clinic."
)


class PortalMeasurementWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=home_kind_choices(),
        error_messages={"invalid_choice": HOME_ONLY},
    )
    value = NumberOrTextField(max_length=40)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True)
    secondary_value = NumberOrTextField(max_length=40, required=False, allow_null=True)
    measured_at = serializers.DateTimeField()
    context = serializers.DictField(required=False)


class ImportRowSerializer(serializers.Serializer):
    row_number = serializers.IntegerField()
    kind = serializers.CharField()
    value = serializers.FloatField()
    unit = serializers.CharField()
    secondary_value = serializers.FloatField(allow_null=True)
    measured_at = serializers.DateTimeField()
    context = serializers.DictField()
    warnings = serializers.ListField(child=serializers.CharField())


class ImportErrorSerializer(serializers.Serializer):
    row_number = serializers.IntegerField()
    field = serializers.CharField()
    message = serializers.CharField()


class MeasurementImportSerializer(serializers.Serializer):
    """An import with one page of its readings and of its bad rows (`page`, 100 of each a
    page; counts give the whole): a file may hold 20,000 readings."""

    id = serializers.UUIDField()
    partner = serializers.UUIDField(source="partner_id")
    format = serializers.CharField()
    filename = serializers.CharField()
    time_zone = serializers.CharField()
    status = serializers.ChoiceField(choices=ImportStatus.choices)
    can_confirm = serializers.BooleanField()
    row_count = serializers.IntegerField()
    error_count = serializers.IntegerField()
    page = serializers.SerializerMethodField()
    page_count = serializers.SerializerMethodField()
    rows = serializers.SerializerMethodField()
    errors = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)

    def _page(self, pending) -> PreviewPage:
        return preview_page(pending, self.context.get("page"))

    def get_page(self, pending) -> int:
        return self._page(pending).number

    def get_page_count(self, pending) -> int:
        return self._page(pending).page_count

    @extend_schema_field(ImportRowSerializer(many=True))
    def get_rows(self, pending) -> list:
        return ImportRowSerializer(self._page(pending).rows, many=True).data

    @extend_schema_field(ImportErrorSerializer(many=True))
    def get_errors(self, pending) -> list:
        return ImportErrorSerializer(self._page(pending).errors, many=True).data


class MeasurementImportSummarySerializer(serializers.Serializer):
    """The list shape: the stored counts, never the rows (the list does not load them)."""

    id = serializers.UUIDField()
    partner = serializers.UUIDField(source="partner_id")
    format = serializers.CharField()
    filename = serializers.CharField()
    time_zone = serializers.CharField()
    status = serializers.ChoiceField(choices=ImportStatus.choices)
    can_confirm = serializers.BooleanField()
    row_count = serializers.IntegerField()
    error_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class ImportUploadSerializer(serializers.Serializer):
    """A file upload (multipart `file`) or its text (JSON `text` with `filename`)."""

    partner = ClinicScopedRelatedField(scoped_queryset=_couple_partners)
    file = serializers.FileField(required=False)
    text = serializers.CharField(required=False, trim_whitespace=False)
    filename = serializers.CharField(max_length=255, required=False, allow_blank=True)
    format = serializers.ChoiceField(choices=FORMAT_CHOICES, required=False, allow_blank=True)
    time_zone = serializers.CharField(max_length=64, required=False, allow_blank=True)

    def validate(self, attrs):
        if not attrs.get("file") and not attrs.get("text"):
            raise serializers.ValidationError({"file": "Attach the file to import."})
        return attrs
