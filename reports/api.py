"""Report and export endpoints: request (202), status, and permission-checked downloads."""

from django.http import FileResponse, Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from clinic.api_base import ClinicScopedRelatedField, ClinicViewSet, CoupleScopedViewSet
from clinic.audit import record_event
from clinic.models import Client
from clinic.portal_api_base import PortalViewSet
from reports import services, storage
from reports.broker import BrokerUnavailable
from reports.models import EXPORT_AUDIENCE_CHOICES, Audience, ClinicExport, ProgressReport
from reports.selectors import reports_for_member, reports_for_partner, shared_with

BROKER_DOWN = "Report generation is unavailable right now (the task queue cannot be reached). Nothing was created; please try again in a few minutes."


class ReportSerializer(serializers.ModelSerializer):
    couple = serializers.UUIDField(source="couple_id", read_only=True)
    partner = serializers.UUIDField(source="partner_id", read_only=True, allow_null=True)
    downloadable = serializers.BooleanField(read_only=True)
    shared_with = serializers.SerializerMethodField(
        help_text="the partners who can read it in the portal (empty: not shared)"
    )

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "couple",
            "audience",
            "partner",
            "shared_at",
            "shared_with",
            "period_start",
            "period_end",
            "status",
            "failure_reason",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
            "sha256",
            "size_bytes",
            "expires_at",
            "file_removed_at",
            "downloadable",
            "request_id",
        ]
        read_only_fields = fields

    def get_shared_with(self, report) -> list[str]:
        return shared_with(report)


class ReportRequestSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    audiences = serializers.ListField(
        child=serializers.ChoiceField(choices=Audience.choices), min_length=1, max_length=3
    )
    partner = ClinicScopedRelatedField(model=Client, required=False, allow_null=True)
    summary = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    plan = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")


class ExportSerializer(serializers.ModelSerializer):
    downloadable = serializers.BooleanField(read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = ClinicExport
        fields = [
            "id",
            "period_start",
            "period_end",
            "audiences",
            "status",
            "failure_reason",
            "total",
            "completed",
            "progress",
            "created_at",
            "finished_at",
            "sha256",
            "size_bytes",
            "expires_at",
            "file_removed_at",
            "downloadable",
        ]
        read_only_fields = fields

    def get_progress(self, export) -> str:
        return f"{export.completed} of {export.total}"


class ExportRequestSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    audiences = serializers.ListField(
        child=serializers.ChoiceField(choices=EXPORT_AUDIENCE_CHOICES), min_length=1, max_length=2
    )


def download_response(report_or_export, *, clinic, user, request, filename: str):
    if not report_or_export.downloadable:
        raise Http404("This file is not available (not generated yet, failed, or expired).")
    record_event(
        clinic=clinic,
        actor=user,
        action="download",
        obj=report_or_export,
        request=request,
    )
    response = FileResponse(
        storage.open_file(report_or_export.file_key), as_attachment=True, filename=filename
    )
    response["X-Content-SHA256"] = report_or_export.sha256
    response["Cache-Control"] = "no-store"
    return response


def report_filename(report: ProgressReport) -> str:
    return f"attune-report-{report.audience}-{report.period_start}-{report.period_end}-{str(report.pk)[:8]}.pdf"


class CoupleReportViewSet(mixins.ListModelMixin, CoupleScopedViewSet):
    """A couple's progress reports: request one or more audiences (202), list them."""

    model = ProgressReport
    serializer_class = ReportSerializer
    filterset_fields: list = []
    search_fields: list = []
    ordering_fields = ["created_at"]

    def clinic_queryset(self):
        return (
            ProgressReport.objects.for_clinic(self.clinic)
            .filter(couple=self.couple, export__isnull=True)
            .select_related("couple")
        )

    @extend_schema(
        request=ReportRequestSerializer, responses={202: ReportSerializer(many=True), 503: None}
    )
    def create(self, request, clinic_slug, couple_id):
        couple = self.couple
        data = self.validated(ReportRequestSerializer)
        try:
            reports = services.report_request(
                clinic=self.clinic,
                by=request.user,
                couple=couple,
                request=request,
                **data,
            )
        except BrokerUnavailable:
            return Response({"detail": BROKER_DOWN}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response(ReportSerializer(reports, many=True).data, status=status.HTTP_202_ACCEPTED)


class ReportViewSet(mixins.RetrieveModelMixin, ClinicViewSet):
    """One report's status and, when done, its download."""

    model = ProgressReport
    serializer_class = ReportSerializer

    def clinic_queryset(self):
        return reports_for_member(clinic=self.clinic, membership=self.membership)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request, clinic_slug, pk):
        report = self.get_object()
        return download_response(
            report,
            clinic=self.clinic,
            user=request.user,
            request=request,
            filename=report_filename(report),
        )

    @extend_schema(request=None, responses={200: ReportSerializer})
    @action(detail=True, methods=["post"])
    def share(self, request, clinic_slug, pk):
        """Release a finished couple or partner report to the portal (400 for a clinical or
        export report, or one not finished)."""
        report = services.report_share(report=self.get_object(), by=request.user, request=request)
        return Response(ReportSerializer(report).data)

    @extend_schema(request=None, responses={200: ReportSerializer})
    @action(detail=True, methods=["post"])
    def unshare(self, request, clinic_slug, pk):
        """Stop sharing: the report leaves the portal at once."""
        report = services.report_unshare(report=self.get_object(), by=request.user, request=request)
        return Response(ReportSerializer(report).data)


class ExportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClinicViewSet):
    """Clinic-wide exports (admins): all reports of a period as one ZIP with a headline CSV."""

    model = ClinicExport
    admin_only = True
    serializer_class = ExportSerializer
    filterset_fields: list = []
    search_fields: list = []
    ordering_fields = ["created_at"]

    @extend_schema(request=ExportRequestSerializer, responses={202: ExportSerializer, 503: None})
    def create(self, request, clinic_slug):
        data = self.validated(ExportRequestSerializer)
        try:
            export = services.export_request(
                clinic=self.clinic, by=request.user, request=request, **data
            )
        except BrokerUnavailable:
            return Response({"detail": BROKER_DOWN}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response(ExportSerializer(export).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "application/zip"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request, clinic_slug, pk):
        export = self.get_object()
        return download_response(
            export,
            clinic=self.clinic,
            user=request.user,
            request=request,
            filename=f"attune-export-{export.period_start}-{export.period_end}.zip",
        )


class PortalReportViewSet(mixins.ListModelMixin, PortalViewSet):
    """Reports written for me: the couple's, and my own partner report. Never the other partner's."""

    serializer_class = ReportSerializer
    model = ProgressReport
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProgressReport.objects.none()
        return reports_for_partner(clinic=self.clinic, couple=self.couple, client=self.client)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request, pk):
        report = self.get_queryset().filter(pk=pk).first()
        if report is None:
            raise Http404
        return download_response(
            report,
            clinic=self.clinic,
            user=request.user,
            request=request,
            filename=report_filename(report),
        )
