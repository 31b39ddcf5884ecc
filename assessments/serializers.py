"""API input and output shapes for assessments (staff and portal)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.models import (
    Assignment,
    LicensedWording,
    ReliabilityOverride,
    Response,
    RiskAlert,
)
from assessments.scoring import UnknownInstrument, get_instrument, list_instruments
from clinic.api_base import ClinicScopedRelatedField
from clinic.models import Client


def instrument_name(code: str, version: int) -> str:
    try:
        return get_instrument(code, version).short_name
    except UnknownInstrument:
        return code


def _today(context) -> object:
    return context["today"]


# --- instruments ------------------------------------------------------------------------------


class ReliabilitySerializer(serializers.Serializer):
    scale = serializers.CharField()
    scale_name = serializers.CharField()
    method = serializers.CharField()
    sd = serializers.FloatField(allow_null=True)
    r = serializers.FloatField(allow_null=True)
    fixed_threshold = serializers.FloatField(allow_null=True)
    source = serializers.CharField(allow_null=True)
    verified = serializers.BooleanField(allow_null=True)
    overridden_by_clinic = serializers.BooleanField()


class InstrumentSerializer(serializers.Serializer):
    code = serializers.CharField()
    version = serializers.IntegerField()
    name = serializers.CharField()
    short_name = serializers.CharField()
    item_count = serializers.IntegerField()
    recall_period = serializers.CharField()
    citation = serializers.CharField()
    licence = serializers.CharField()
    licence_source = serializers.CharField()
    copyright = serializers.CharField(allow_null=True)
    wording_case = serializers.ChoiceField(choices=["shipped", "licensed", "placeholder"])
    wording_case_text = serializers.CharField()
    wording_source = serializers.CharField()
    assignable = serializers.BooleanField()
    trauma_measure = serializers.BooleanField()
    scales = serializers.ListField(child=serializers.CharField())
    reliability = ReliabilitySerializer(many=True)
    loinc_panel = serializers.CharField(allow_null=True)


# --- assignments ------------------------------------------------------------------------------


class AssignmentCreateSerializer(serializers.Serializer):
    partners = ClinicScopedRelatedField(model=Client, many=True, allow_empty=False)
    instruments = serializers.ListField(
        child=serializers.ChoiceField(choices=[]), allow_empty=False, max_length=20
    )
    first_due_on = serializers.DateField()
    repeat_every_weeks = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=52
    )
    repeat_until = serializers.DateField(required=False, allow_null=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instruments"].child.choices = [i.code for i in list_instruments()]


class AssignmentSerializer(serializers.ModelSerializer):
    instrument_name = serializers.SerializerMethodField()
    occurrences = serializers.IntegerField(read_only=True, source="occurrence_count")
    submitted = serializers.IntegerField(read_only=True, source="submitted_count")
    overdue = serializers.IntegerField(read_only=True, source="overdue_count")
    next_due_on = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "couple",
            "partner",
            "instrument_code",
            "instrument_version",
            "instrument_name",
            "first_due_on",
            "repeat_every_weeks",
            "repeat_until",
            "created_at",
            "created_by",
            "cancelled_at",
            "occurrences",
            "submitted",
            "overdue",
            "next_due_on",
        ]
        read_only_fields = fields

    def get_instrument_name(self, obj) -> str:
        return instrument_name(obj.instrument_code, obj.instrument_version)


# --- responses (staff) ------------------------------------------------------------------------


class QuestionnaireResponseSerializer(serializers.ModelSerializer):
    instrument_name = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    answered = serializers.SerializerMethodField()

    class Meta:
        model = Response
        fields = [
            "id",
            "couple",
            "partner",
            "assignment",
            "instrument_code",
            "instrument_version",
            "instrument_name",
            "opens_on",
            "due_on",
            "status",
            "overdue",
            "answered",
            "started_at",
            "saved_at",
            "submitted_at",
            "declined_at",
            "scores",
        ]
        read_only_fields = fields

    def get_instrument_name(self, obj) -> str:
        return instrument_name(obj.instrument_code, obj.instrument_version)

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue(_today(self.context))

    def get_answered(self, obj) -> int:
        return len(obj.answers or {})


class AnsweredItemSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    text = serializers.CharField()
    answer = serializers.IntegerField(allow_null=True)
    answer_label = serializers.CharField(allow_null=True)
    risk = serializers.BooleanField()


class QuestionnaireResponseDetailSerializer(QuestionnaireResponseSerializer):
    items = serializers.SerializerMethodField()
    wording_case = serializers.SerializerMethodField()

    class Meta(QuestionnaireResponseSerializer.Meta):
        fields = [*QuestionnaireResponseSerializer.Meta.fields, "answers", "items", "wording_case"]
        read_only_fields = fields

    @extend_schema_field(AnsweredItemSerializer(many=True))
    def get_items(self, obj) -> list:
        questionnaire = self.context["questionnaire"]
        return [
            {
                "number": item.number,
                "text": item.text,
                "answer": item.answer,
                "answer_label": next(
                    (o.label for o in item.options if o.value == item.answer), None
                ),
                "risk": item.risk,
            }
            for item in questionnaire.items
        ]

    def get_wording_case(self, obj) -> str:
        return self.context["questionnaire"].wording.case


# --- risk alerts ------------------------------------------------------------------------------


class RiskAlertSerializer(serializers.ModelSerializer):
    instrument_code = serializers.CharField(source="response.instrument_code", read_only=True)
    acknowledged_by_name = serializers.SerializerMethodField()
    open = serializers.BooleanField(source="is_open", read_only=True)

    class Meta:
        model = RiskAlert
        fields = [
            "id",
            "couple",
            "partner",
            "response",
            "instrument_code",
            "item_number",
            "value",
            "severity",
            "message",
            "raised_at",
            "open",
            "acknowledged_at",
            "acknowledged_by",
            "acknowledged_by_name",
            "acknowledgement_note",
        ]
        read_only_fields = fields

    def get_acknowledged_by_name(self, obj) -> str | None:
        return str(obj.acknowledged_by) if obj.acknowledged_by_id else None


class AcknowledgeSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


# --- clinic settings --------------------------------------------------------------------------


class LicensedWordingSerializer(serializers.ModelSerializer):
    items = serializers.SerializerMethodField()

    class Meta:
        model = LicensedWording
        fields = [
            "id",
            "instrument_code",
            "instrument_version",
            "source",
            "file_name",
            "uploaded_by",
            "uploaded_at",
            "retired_at",
            "items",
        ]
        read_only_fields = fields

    def get_items(self, obj) -> int:
        return len(obj.wording.get("items", {}))


class WordingUploadSerializer(serializers.Serializer):
    instrument_code = serializers.CharField(max_length=32)
    instrument_version = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    source = serializers.CharField(max_length=500)
    file = serializers.FileField(required=False, max_length=200)
    #: alternatively the file's text with its format, for API clients that send JSON bodies
    content = serializers.CharField(required=False, trim_whitespace=False, max_length=300_000)
    format = serializers.ChoiceField(choices=["json", "csv"], required=False)

    def validate(self, attrs):
        if attrs.get("file") is None and (attrs.get("content") is None or not attrs.get("format")):
            raise serializers.ValidationError(
                {"file": "Upload a .json or .csv file (or send content with its format)."}
            )
        return attrs


class ReliabilityOverrideSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReliabilityOverride
        fields = [
            "id",
            "instrument_code",
            "scale_id",
            "sd",
            "r",
            "fixed_threshold",
            "source",
            "set_by",
            "set_at",
        ]
        read_only_fields = ["id", "set_by", "set_at"]
        extra_kwargs = {"scale_id": {"required": False}}


# --- portal -----------------------------------------------------------------------------------


class PortalQuestionnaireSerializer(serializers.ModelSerializer):
    instrument_name = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    answered = serializers.SerializerMethodField()

    class Meta:
        model = Response
        fields = [
            "id",
            "instrument_code",
            "instrument_version",
            "instrument_name",
            "opens_on",
            "due_on",
            "status",
            "overdue",
            "answered",
            "saved_at",
            "submitted_at",
            "declined_at",
        ]
        read_only_fields = fields

    def get_instrument_name(self, obj) -> str:
        return instrument_name(obj.instrument_code, obj.instrument_version)

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue(_today(self.context))

    def get_answered(self, obj) -> int:
        return len(obj.answers or {})


class OptionSerializer(serializers.Serializer):
    value = serializers.IntegerField()
    label = serializers.CharField()


class PortalItemSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    text = serializers.CharField()
    options = OptionSerializer(many=True)
    answer = serializers.IntegerField(allow_null=True)
    optional = serializers.BooleanField()
    risk = serializers.BooleanField()


class ClientScaleSerializer(serializers.Serializer):
    name = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    band = serializers.CharField(allow_null=True)
    withheld_reason = serializers.CharField(allow_null=True)
    prorated = serializers.BooleanField()


class ClientResultSerializer(serializers.Serializer):
    scales = ClientScaleSerializer(many=True)
    show_crisis_text = serializers.BooleanField()


class PortalQuestionnaireDetailSerializer(serializers.Serializer):
    questionnaire = PortalQuestionnaireSerializer(source="response")
    name = serializers.CharField(source="instrument.name")
    instructions = serializers.CharField(source="wording.instructions")
    recall_period = serializers.CharField(source="instrument.recall_period")
    grounding_note = serializers.CharField(allow_null=True)
    copyright = serializers.CharField(allow_null=True)
    crisis_text = serializers.CharField()
    items = PortalItemSerializer(many=True)
    result = ClientResultSerializer(allow_null=True)


class PortalAnswersSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.IntegerField(allow_null=True), allow_empty=True
    )


class PortalSubmitSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.IntegerField(allow_null=True), required=False, allow_empty=True
    )


# --- caseload summary -------------------------------------------------------------------------


class HeadlineSerializer(serializers.Serializer):
    partner = serializers.UUIDField()
    partner_name = serializers.CharField()
    instrument = serializers.CharField()
    code = serializers.CharField()
    scale = serializers.CharField()
    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    band = serializers.CharField(allow_null=True)
    on = serializers.DateField()


class AssessmentSummarySerializer(serializers.Serializer):
    couple = serializers.UUIDField()
    label = serializers.CharField()
    open_alerts = serializers.IntegerField()
    urgent_alerts = serializers.IntegerField(help_text="open alerts of urgent severity")
    overdue = serializers.IntegerField()
    headlines = HeadlineSerializer(many=True)
