"""Staff API for physiological measurements: the kinds (units, ranges, context), a couple's
readings (record, void), and device-file imports (preview, then confirm or discard)."""

import django_filters
from drf_spectacular.plumbing import build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from clinic.api_base import ClinicAPIView, CoupleScopedViewSet
from clinic.audit import record_read
from clinic.filtering import TenantFilterSet
from clinic.parsers import JSONParser
from clinic.query_params import whole_number
from sessions.homework.serializers import ReasonSerializer
from sessions.measurements import serializers as s
from sessions.measurements import services as measurement_services
from sessions.measurements.physiology import describe_kinds, kind_choices
from sessions.models import Measurement, MeasurementImport


class MeasurementKindsView(ClinicAPIView):
    """Every measurement kind: stored unit, accepted units, plausible ranges, context fields."""

    @extend_schema(responses={200: build_array_type(build_basic_type(OpenApiTypes.OBJECT))})
    def get(self, request, *args, **kwargs):
        return Response(describe_kinds())


class MeasurementFilter(TenantFilterSet):
    partner = django_filters.UUIDFilter(field_name="partner_id")
    kind = django_filters.ChoiceFilter(choices=kind_choices())
    since = django_filters.IsoDateTimeFilter(field_name="measured_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="measured_at", lookup_expr="lt")
    session = django_filters.UUIDFilter(field_name="session_id")
    voided = django_filters.BooleanFilter(
        field_name="voided_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Measurement
        fields = ["partner", "kind", "since", "until", "session", "voided"]


class MeasurementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CoupleScopedViewSet):
    """A couple's physiological readings. Values are stored in one unit per kind (cortisol in
    nmol/L even when entered in µg/dL); a value outside the plausible range is a 400 that
    names the range. DELETE does not exist: void a reading with a reason."""

    model = Measurement
    serializer_class = s.MeasurementSerializer
    filterset_class = MeasurementFilter
    search_fields: list[str] = []
    ordering_fields = ["measured_at", "created_at"]
    ordering = ["-measured_at"]

    def clinic_queryset(self):
        return Measurement.objects.for_clinic(self.clinic).filter(couple=self.couple)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        record_read(self.request, page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        measurement = self.get_object()
        record_read(self.request, measurement)
        return Response(self.get_serializer(measurement).data)

    @extend_schema(request=s.MeasurementWriteSerializer, responses={201: s.MeasurementSerializer})
    def create(self, request, *args, **kwargs):
        data = self.validated(s.MeasurementWriteSerializer)
        measurement = measurement_services.measurement_record(
            couple=self.couple, by=request.user, request=request, **data
        )
        return Response(self.get_serializer(measurement).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReasonSerializer, responses=s.MeasurementSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request, *args, **kwargs):
        measurement = self.get_object()
        data = self.validated(ReasonSerializer)
        measurement = measurement_services.measurement_void(
            measurement=measurement,
            by=request.user,
            reason=data["reason"],
            request=request,
        )
        return Response(self.get_serializer(measurement).data)


class MeasurementImportFilter(TenantFilterSet):
    class Meta:
        model = MeasurementImport
        fields = ["status"]


class MeasurementImportViewSet(mixins.ListModelMixin, CoupleScopedViewSet):
    """Importing a device file for one partner: POST parses it and stores a preview (every
    bad row named, nothing added); confirm/ adds every row at once or none; discard/ drops it."""

    model = MeasurementImport
    serializer_class = s.MeasurementImportSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_class = MeasurementImportFilter
    search_fields: list[str] = []
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]

    def clinic_queryset(self):
        qs = MeasurementImport.objects.for_clinic(self.clinic).filter(couple=self.couple)
        if self.action == "list":
            # The list shows the stored counts: an import may hold 20,000 rows.
            qs = qs.defer("rows", "errors")
        return qs

    def get_serializer_context(self):
        # Which page of the preview's readings and bad rows to show (100 of each a page).
        # A page that is not a whole number is a 400 (clinic/query_params.py); past the end, the last.
        page = whole_number(self.request, "page", low=1)
        return {**super().get_serializer_context(), "page": page}

    @extend_schema(responses=s.MeasurementImportSummarySerializer(many=True))
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        record_read(self.request, page)
        return self.get_paginated_response(
            s.MeasurementImportSummarySerializer(page, many=True).data
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "page", int, description="Page of the readings and bad rows, 100 of each"
            )
        ]
    )
    def retrieve(self, request, *args, **kwargs):
        pending = self.get_object()
        record_read(self.request, pending)
        return Response(self.get_serializer(pending).data)

    @extend_schema(request=s.ImportUploadSerializer, responses={201: s.MeasurementImportSerializer})
    def create(self, request, *args, **kwargs):
        data = self.validated(s.ImportUploadSerializer)
        upload = data.get("file")
        if upload is not None:
            text = measurement_services.read_upload(upload)
            filename = upload.name
        else:
            text = data["text"]
            filename = data.get("filename", "")
        pending = measurement_services.import_preview(
            couple=self.couple,
            partner=data["partner"],
            by=request.user,
            text=text,
            filename=filename,
            format_code=data.get("format") or None,
            time_zone=data.get("time_zone", ""),
            request=request,
        )
        return Response(self.get_serializer(pending).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.MeasurementImportSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, *args, **kwargs):
        pending = self.get_object()
        measurement_services.import_confirm(
            measurement_import=pending, by=request.user, request=request
        )
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=None, responses=s.MeasurementImportSerializer)
    @action(detail=True, methods=["post"])
    def discard(self, request, *args, **kwargs):
        pending = measurement_services.import_discard(
            measurement_import=self.get_object(), by=request.user, request=request
        )
        return Response(self.get_serializer(pending).data)
