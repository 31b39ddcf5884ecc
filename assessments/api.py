"""Staff API for assessments: the instrument library, assignments, responses, risk alerts,
and a clinic's licensed wording and reliability parameters. Every read of a response or an
alert is audited."""

import django_filters
from django.db.models import Count, Exists, F, Min, OuterRef, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from assessments import fhir, services
from assessments import serializers as s
from assessments.caseload import assessment_summaries
from assessments.models import (
    OPEN_RESPONSE_STATUSES,
    AlertSeverity,
    Assignment,
    LicensedWording,
    ReliabilityOverride,
    ResponseStatus,
    RiskAlert,
    overdue_q,
)
from assessments.models import Response as QuestionnaireResponse
from assessments.questionnaire import questionnaire_for
from assessments.result_charts import attachment_svg, scores_svg
from assessments.results import couple_results, results_payload
from assessments.scoring import list_instruments
from assessments.selectors import (
    WORDING_CASES,
    alerts_for_member,
    assignments_for_member,
    form_wording,
    reliability_overrides,
    reliability_params,
    responses_for_member,
)
from clinic.api_base import ClinicAPIView, ClinicViewSet, CoupleScopedMixin
from clinic.audit import record_event, record_read
from clinic.filtering import TenantFilterSet
from clinic.models import Couple
from clinic.parsers import JSONParser
from clinic.query_params import single_value, whole_number
from clinic.selectors import couples_for_caseload


def instrument_rows(clinic) -> list[dict]:
    """Every instrument (latest version) as the clinic sees it: which wording applies, whether
    it can be assigned, and the reliability reference in force for each scale."""
    overrides = reliability_overrides(clinic)
    rows = []
    for instrument in list_instruments():
        wording = form_wording(clinic, instrument)
        reliability = []
        for scale in instrument.scales:
            params = reliability_params(instrument, scale.id, overrides)
            figure = params.fixed_threshold if params.method == "fixed_threshold" else params.sd
            reliability.append(
                {
                    "scale": scale.id,
                    "scale_name": scale.name,
                    "method": params.method,
                    "sd": params.sd.value if params.sd else None,
                    "r": params.r.value if params.r else None,
                    "fixed_threshold": params.fixed_threshold.value
                    if params.fixed_threshold
                    else None,
                    "source": figure.source if figure else None,
                    "verified": figure.verified if figure else None,
                    "overridden_by_clinic": (instrument.code, scale.id) in overrides,
                }
            )
        rows.append(
            {
                "code": instrument.code,
                "version": instrument.version,
                "name": instrument.name,
                "short_name": instrument.short_name,
                "item_count": len(instrument.items),
                "recall_period": instrument.recall_period,
                "citation": instrument.citation,
                "licence": instrument.licence.text,
                "licence_source": instrument.licence.source,
                "copyright": instrument.licence.copyright,
                "wording_case": wording.case,
                "wording_case_text": WORDING_CASES[wording.case],
                "wording_source": wording.source,
                "assignable": wording.case != "placeholder",
                "trauma_measure": bool(instrument.grounding_note),
                "scales": [scale.id for scale in instrument.scales],
                "reliability": reliability,
                "loinc_panel": instrument.loinc_panel,
            }
        )
    return rows


class InstrumentListView(ClinicAPIView):
    """The instrument library as this clinic sees it (wording case, reliability in force)."""

    @extend_schema(responses=s.InstrumentSerializer(many=True))
    def get(self, request, clinic_slug):
        return Response(s.InstrumentSerializer(instrument_rows(self.clinic), many=True).data)


class AuditedListMixin:
    """Audit every record a list page shows (one INSERT per page)."""

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        record_read(request, rows)
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)


def _with_counts(queryset, today):
    return queryset.annotate(
        occurrence_count=Count("responses", distinct=True),
        submitted_count=Count(
            "responses", filter=Q(responses__status=ResponseStatus.SUBMITTED), distinct=True
        ),
        overdue_count=Count(
            "responses",
            filter=overdue_q(today, prefix="responses__"),
            distinct=True,
        ),
        next_due_on=Min(
            "responses__due_on", filter=Q(responses__status__in=OPEN_RESPONSE_STATUSES)
        ),
    )


class TodayContextMixin:
    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": services.local_today(self.clinic)}


class AssignmentFilter(TenantFilterSet):
    cancelled = django_filters.BooleanFilter(
        field_name="cancelled_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Assignment
        fields = ["partner", "instrument_code", "cancelled"]


class CoupleAssignmentViewSet(
    CoupleScopedMixin, TodayContextMixin, AuditedListMixin, mixins.ListModelMixin, ClinicViewSet
):
    """A couple's assignments; POST assigns instruments to one or both partners."""

    model = Assignment
    serializer_class = s.AssignmentSerializer
    filterset_class = AssignmentFilter
    search_fields: list[str] = []
    ordering_fields = ["created_at", "first_due_on"]
    ordering = ["-created_at"]

    def clinic_queryset(self):
        couple = self.couple
        today = services.local_today(self.clinic)
        return _with_counts(Assignment.objects.for_clinic(self.clinic).filter(couple=couple), today)

    @extend_schema(request=s.AssignmentCreateSerializer, responses={201: s.AssignmentSerializer})
    def create(self, request, clinic_slug, couple_id):
        couple = self.couple
        data = self.validated(s.AssignmentCreateSerializer)
        created = services.assignments_create(
            clinic=self.clinic,
            couple=couple,
            by=request.user,
            request=request,
            **data,
        )
        rows = self.clinic_queryset().filter(pk__in=[a.pk for a in created])
        return Response(self.get_serializer(rows, many=True).data, status=201)


class AssignmentViewSet(TodayContextMixin, mixins.RetrieveModelMixin, ClinicViewSet):
    """One assignment; DELETE cancels it (open occurrences are withdrawn, nothing is removed)."""

    model = Assignment
    serializer_class = s.AssignmentSerializer

    def retrieve(self, request, clinic_slug, pk):
        assignment = self.get_object()
        record_read(request, assignment)
        return Response(self.get_serializer(assignment).data)

    def clinic_queryset(self):
        today = services.local_today(self.clinic)
        return _with_counts(
            assignments_for_member(clinic=self.clinic, membership=self.membership), today
        )

    @extend_schema(responses={200: s.AssignmentSerializer})
    def destroy(self, request, clinic_slug, pk):
        assignment = services.assignment_cancel(
            assignment=self.get_object(), by=request.user, request=request
        )
        return Response(self.get_serializer(self.clinic_queryset().get(pk=assignment.pk)).data)


class ResponseFilter(TenantFilterSet):
    class Meta:
        model = QuestionnaireResponse
        fields = ["partner", "instrument_code", "status"]


class CoupleResponseViewSet(
    CoupleScopedMixin, TodayContextMixin, AuditedListMixin, mixins.ListModelMixin, ClinicViewSet
):
    """A couple's questionnaire occurrences (due, started, submitted) with their scores."""

    model = QuestionnaireResponse
    serializer_class = s.QuestionnaireResponseSerializer
    filterset_class = ResponseFilter
    search_fields: list[str] = []
    ordering_fields = ["due_on", "submitted_at"]
    ordering = ["-due_on"]

    def clinic_queryset(self):
        return QuestionnaireResponse.objects.for_clinic(self.clinic).filter(couple=self.couple)


class ResponseViewSet(TodayContextMixin, mixins.RetrieveModelMixin, ClinicViewSet):
    """One response with its answers in the clinic's wording (audited read)."""

    model = QuestionnaireResponse
    serializer_class = s.QuestionnaireResponseDetailSerializer

    def clinic_queryset(self):
        return responses_for_member(clinic=self.clinic, membership=self.membership)

    def retrieve(self, request, clinic_slug, pk):
        response = self.get_object()
        record_read(request, response)
        context = {
            **self.get_serializer_context(),
            "questionnaire": questionnaire_for(self.clinic, response),
        }
        return Response(s.QuestionnaireResponseDetailSerializer(response, context=context).data)


class RiskAlertFilter(TenantFilterSet):
    open = django_filters.BooleanFilter(field_name="acknowledged_at", lookup_expr="isnull")

    class Meta:
        model = RiskAlert
        fields = ["couple", "partner", "severity", "open"]


class RiskAlertViewSet(AuditedListMixin, mixins.ListModelMixin, ClinicViewSet):
    """Risk alerts of my couples (all of the clinic's for an admin); `?open=true` for those
    still to acknowledge. POST .../acknowledge/ records who saw it, when, and a note."""

    model = RiskAlert
    serializer_class = s.RiskAlertSerializer
    filterset_class = RiskAlertFilter
    search_fields: list[str] = []
    ordering_fields = ["raised_at"]
    # Open alerts first on every database (PostgreSQL sorts NULLs last when ascending), so
    # pagination never pushes an unacknowledged alert off the first page.
    ordering = [F("acknowledged_at").asc(nulls_first=True), "-raised_at"]

    def clinic_queryset(self):
        return alerts_for_member(clinic=self.clinic, membership=self.membership).select_related(
            "response", "acknowledged_by"
        )

    def retrieve(self, request, clinic_slug, pk):
        alert = self.get_object()
        record_read(request, alert)
        return Response(self.get_serializer(alert).data)

    @extend_schema(request=s.AcknowledgeSerializer, responses={200: s.RiskAlertSerializer})
    @action(detail=True, methods=["post"], url_path="acknowledge")
    def acknowledge(self, request, clinic_slug, pk):
        alert = self.get_object()
        data = self.validated(s.AcknowledgeSerializer)
        alert = services.risk_alert_acknowledge(
            alert=alert, by=request.user, note=data.get("note", ""), request=request
        )
        return Response(self.get_serializer(alert).data)


class LicensedWordingFilter(TenantFilterSet):
    class Meta:
        model = LicensedWording
        fields = ["instrument_code", "instrument_version"]


class LicensedWordingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClinicViewSet):
    """The clinic's uploaded wording for licensed instruments (clinic admins). POST a .json or
    .csv file (multipart) or `content` + `format`; DELETE retires an upload (kept for the record).
    Therapists see which wording applies through instruments/."""

    model = LicensedWording
    admin_only = True
    serializer_class = s.LicensedWordingSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_class = LicensedWordingFilter
    search_fields: list[str] = []
    ordering_fields = ["uploaded_at"]
    ordering = ["instrument_code", "-uploaded_at"]

    @extend_schema(request=s.WordingUploadSerializer, responses={201: s.LicensedWordingSerializer})
    def create(self, request, clinic_slug):
        data = self.validated(s.WordingUploadSerializer)
        upload = data.get("file")
        if upload is not None:
            content, file_name = upload.read(), upload.name
        else:
            content = data["content"]
            file_name = f"upload.{data['format']}"
        wording = services.wording_upload(
            clinic=self.clinic,
            by=request.user,
            instrument_code=data["instrument_code"],
            instrument_version=data.get("instrument_version"),
            content=content,
            file_name=file_name,
            source=data["source"],
            request=request,
        )
        return Response(self.get_serializer(wording).data, status=201)

    @extend_schema(responses={200: s.LicensedWordingSerializer})
    def destroy(self, request, clinic_slug, pk):
        wording = self.get_object()
        wording = services.wording_retire(wording=wording, by=request.user, request=request)
        return Response(self.get_serializer(wording).data)


class ReliabilityOverrideFilter(TenantFilterSet):
    class Meta:
        model = ReliabilityOverride
        fields = ["instrument_code"]


class ReliabilityOverrideViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClinicViewSet):
    """The clinic's own reliability references (SD and r, or a fixed threshold) per instrument
    scale (clinic admins). POST sets or replaces one; DELETE returns to the definition's
    reference. Therapists see the reference in force through instruments/."""

    model = ReliabilityOverride
    admin_only = True
    serializer_class = s.ReliabilityOverrideSerializer
    filterset_class = ReliabilityOverrideFilter
    search_fields: list[str] = []
    ordering_fields = ["instrument_code"]
    ordering = ["instrument_code", "scale_id"]

    def create(self, request, clinic_slug):
        data = self.validated(self.get_serializer)
        override = services.reliability_override_set(
            clinic=self.clinic, by=request.user, request=request, **data
        )
        return Response(self.get_serializer(override).data, status=201)

    @extend_schema(responses={204: None})
    def destroy(self, request, clinic_slug, pk):
        override = self.get_object()
        services.reliability_override_remove(override=override, by=request.user, request=request)
        return Response(status=204)


class AssessmentSummaryViewSet(mixins.ListModelMixin, ClinicViewSet):
    """Per couple on my caseload: open risk alerts, overdue questionnaires and each partner's
    latest headline scores (PHQ-9, GAD-7, CSI totals, ECR dimensions ...). Couples with open
    alerts come first. A fixed number of queries per page."""

    model = Couple
    serializer_class = s.AssessmentSummarySerializer
    filter_backends: list = []

    def clinic_queryset(self):
        open_alerts = RiskAlert.objects.for_clinic(self.clinic).filter(
            couple=OuterRef("pk"), acknowledged_at__isnull=True
        )
        return (
            couples_for_caseload(clinic=self.clinic, membership=self.membership)
            .annotate(
                has_urgent_alerts=Exists(open_alerts.filter(severity=AlertSeverity.URGENT)),
                has_open_alerts=Exists(open_alerts),
            )
            .order_by("-has_urgent_alerts", "-has_open_alerts", "-created_at")
        )

    def list(self, request, clinic_slug):
        page = self.paginate_queryset(self.get_queryset())
        summaries = assessment_summaries(clinic=self.clinic, couples=page)
        record_read(request, page)
        rows = [{"couple": c.pk, "label": c.label, **summaries[c.pk]} for c in page]
        return self.get_paginated_response(s.AssessmentSummarySerializer(rows, many=True).data)


class CoupleResultsView(CoupleScopedMixin, ClinicAPIView):
    """Each instrument per partner over time from the stored score snapshots, with bands,
    reliable change since baseline and since last time, partner discrepancy on the same
    occasion and dyadic change. `?charts=1` adds server-rendered SVG charts."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "charts", int, enum=[0, 1], description="1 adds server-rendered SVG charts."
            )
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request, clinic_slug, couple_id):
        couple = self.couple
        results = couple_results(clinic=self.clinic, couple=couple)
        record_read(request, couple, detail={"view": "assessment-results"})
        body: dict = {"couple": str(couple.pk), "instruments": results_payload(results, staff=True)}
        if whole_number(request, "charts", low=0, high=1) == 1:
            names = (couple.partner_a.display_name, couple.partner_b.display_name)
            for entry, r in zip(body["instruments"], results, strict=True):
                entry["chart_svg"] = scores_svg(r, names)
            body["attachment_map_svg"] = attachment_svg(results, names)
        return Response(body)


class FhirQuestionnaireListView(ClinicAPIView):
    """Every instrument as a FHIR R4 Questionnaire in a searchset Bundle (`?code=phq9` for one).
    Licensed wording is not exported; those items carry their numbered placeholders."""

    @extend_schema(
        parameters=[OpenApiParameter("code", str, description="One instrument, e.g. phq9.")],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request, clinic_slug):
        code = single_value(request, "code")
        instruments = [i for i in list_instruments() if code in (None, i.code)]
        return Response(fhir.questionnaire_bundle(instruments))


class FhirQuestionnaireResponseViewSet(mixins.RetrieveModelMixin, ClinicViewSet):
    """A response as a FHIR R4 QuestionnaireResponse (audited export)."""

    model = QuestionnaireResponse

    def clinic_queryset(self):
        return responses_for_member(clinic=self.clinic, membership=self.membership)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def retrieve(self, request, clinic_slug, pk):
        response = self.get_object()
        record_event(
            clinic=self.clinic,
            actor=request.user,
            action="export",
            obj=response,
            request=request,
            detail={"format": "fhir-r4", "resource": "QuestionnaireResponse"},
        )
        return Response(fhir.questionnaire_response_resource(response))

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"], url_path="bundle")
    def bundle(self, request, clinic_slug, pk):
        """The QuestionnaireResponse with its score Observations in a collection Bundle."""
        response = self.get_object()
        record_event(
            clinic=self.clinic,
            actor=request.user,
            action="export",
            obj=response,
            request=request,
            detail={"format": "fhir-r4", "resource": "Bundle"},
        )
        return Response(fhir.response_bundle(response))
