"""Portal API (/api/v1/portal/...): a partner's own world, reached only through their login.

Upcoming sessions (never notes), homework for them or the couple, time-out agreements to
accept or discuss, and their logs: practices, time-outs, daily check-ins and measurements.
The other partner's individual material is shown only when clinic/confidentiality.py says so;
changes are always limited to the partner's own entries.
"""

import django_filters
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from clinic.api_errors import conflict
from clinic.audit import record_read
from clinic.confidentiality import Material, partner_may_view
from clinic.filtering import TenantFilterSet
from clinic.portal_api_base import PortalAPIView, PortalViewSet
from clinic.sharing_filters import partner_material_q
from sessions.homework import serializers as s
from sessions.homework import services as homework_services
from sessions.homework.selectors import adherence_of, agreement_status_of
from sessions.homework.services import AgreementChanged
from sessions.logs import serializers as logs_serializers
from sessions.logs import services as log_services
from sessions.logs.selectors import logs_visible_to_partner
from sessions.measurements import serializers as ms
from sessions.measurements import services as measurement_services
from sessions.measurements.physiology import kind_choices
from sessions.models import (
    AgreementDecision,
    CheckIn,
    Homework,
    HomeworkKind,
    Measurement,
    MeasurementSource,
    PracticeLog,
    TimeOutLog,
)
from sessions.portal import serializers as portal_serializers
from sessions.portal.selectors import homework_for_portal, upcoming_sessions_for

CONFLICT = OpenApiResponse(s.AgreementConflictSerializer, description="The agreement changed")


class PortalCoupleMixin:
    def require_couple(self) -> None:
        if self.couple is None:
            raise ValidationError("You are not part of a couple in this clinic yet.")


class KindFilter(TenantFilterSet):
    class Meta:
        model = Homework
        fields = ["kind"]


class PracticeHomeworkFilter(TenantFilterSet):
    class Meta:
        model = PracticeLog
        fields = ["homework"]


class MeasurementKindFilter(TenantFilterSet):
    kind = django_filters.ChoiceFilter(choices=kind_choices())

    class Meta:
        model = Measurement
        fields = ["kind"]


class PortalUpcomingSessionsView(PortalCoupleMixin, PortalAPIView):
    """My couple's upcoming sessions (scheduled, in the future); notes are never shown here."""

    @extend_schema(responses=portal_serializers.UpcomingSessionSerializer(many=True))
    def get(self, request):
        sessions = upcoming_sessions_for(couple=self.couple, client=self.client)
        record_read(self.request, sessions)
        context = {"viewer_id": self.client.pk}
        return Response(
            portal_serializers.UpcomingSessionSerializer(sessions, many=True, context=context).data
        )


class PortalHomeworkViewSet(
    PortalCoupleMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, PortalViewSet
):
    """Homework for me or for us both (and my partner's, if our policy shares it), with my
    adherence. Time-out agreements are accepted (or discussed) here: both of us must accept
    the latest version before it is in force."""

    model = Homework
    serializer_class = s.HomeworkSerializer
    filterset_class = KindFilter
    search_fields: list[str] = []
    ordering_fields = ["start_date"]
    ordering = ["-start_date"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False) or self.couple is None:
            return Homework.objects.none()
        return homework_for_portal(couple=self.couple, client=self.client)

    def _context(self, homework_list) -> dict:
        return {
            "viewer_id": self.client.pk,
            "adherence_owners": {self.client.pk},
            "answer_visible": lambda answer: partner_may_view(
                couple=self.couple,
                client=self.client,
                material=Material.HOMEWORK,
                owner_id=answer.partner_id,
                item_at=answer.at,
            ),
            "agreements": {
                h.pk: agreement_status_of(h, self.couple) for h in homework_list if h.is_time_out
            },
            "adherence": adherence_of(homework_list=homework_list, couple=self.couple),
        }

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        record_read(self.request, page)
        data = s.HomeworkSerializer(page, many=True, context=self._context(page)).data
        return self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        homework = self.get_object()
        record_read(self.request, homework)
        return Response(s.HomeworkSerializer(homework, context=self._context([homework])).data)

    def _answer(self, request, decision: str):
        homework = self.get_object()
        if homework.kind != HomeworkKind.TIME_OUT:
            raise Http404("Not a time-out agreement.")
        data = self.validated(s.AgreementAnswerSerializer)
        try:
            homework_services.agreement_respond(
                homework=homework,
                partner=self.client,
                by=request.user,
                decision=decision,
                version=data["version"],
                note=data.get("note", ""),
                request=request,
            )
        except AgreementChanged as exc:
            return conflict(
                "The agreement changed since you opened it; please read the new version.",
                current_version=exc.current,
            )
        homework = self.get_queryset().get(pk=homework.pk)
        return Response(s.HomeworkSerializer(homework, context=self._context([homework])).data)

    @extend_schema(
        request=s.AgreementAnswerSerializer, responses={200: s.HomeworkSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        return self._answer(request, AgreementDecision.ACCEPTED)

    @extend_schema(
        request=s.AgreementAnswerSerializer, responses={200: s.HomeworkSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def discuss(self, request, *args, **kwargs):
        return self._answer(request, AgreementDecision.DISCUSS)


class PortalLogViewSet(
    PortalCoupleMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, PortalViewSet
):
    """My entries of one kind (and my partner's, if our policy shares them). I may correct my
    own for 24 hours, or take one back with a reason; nothing is deleted."""

    material: Material
    write_serializer: type
    search_fields: list[str] = []

    def _owned_only(self) -> bool:
        return self.action not in ("list", "retrieve")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False) or self.couple is None:
            return self.model.objects.none()
        if self._owned_only():
            return self.model.objects.for_clinic(self.clinic).filter(
                couple=self.couple, partner=self.client
            )
        return logs_visible_to_partner(
            model=self.model, material=self.material, couple=self.couple, client=self.client
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "viewer_id": self.client.pk}

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        record_read(self.request, page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        log = self.get_object()
        record_read(self.request, log)
        return Response(self.get_serializer(log).data)

    def _values(self, validated: dict) -> dict:
        return validated

    def create(self, request, *args, **kwargs):
        self.require_couple()
        data = self.validated(self.write_serializer)
        log = self.create_service(
            couple=self.couple,
            partner=self.client,
            by=request.user,
            request=request,
            **self._values(data),
        )
        return Response(self.get_serializer(log).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        log = self.get_object()
        data = self.validated(self.write_serializer, partial=True)
        log = log_services.log_correct(
            log=log,
            by=request.user,
            request=request,
            **self._values(data),
        )
        return Response(self.get_serializer(log).data)

    @action(detail=True, methods=["post"])
    def void(self, request, *args, **kwargs):
        log = self.get_object()
        data = self.validated(s.ReasonSerializer)
        log = log_services.log_void(
            log=log,
            by=request.user,
            reason=data["reason"],
            request=request,
        )
        return Response(self.get_serializer(log).data)


@extend_schema(request=logs_serializers.PracticeLogWriteSerializer)
class PortalPracticeLogViewSet(PortalLogViewSet):
    model = PracticeLog
    material = Material.PRACTICE_LOG
    serializer_class = logs_serializers.PracticeLogSerializer
    write_serializer = logs_serializers.PracticeLogWriteSerializer
    create_service = staticmethod(log_services.practice_log_create)
    filterset_class = PracticeHomeworkFilter
    ordering_fields = ["practiced_at"]
    ordering = ["-practiced_at"]

    def get_queryset(self):
        return super().get_queryset().select_related("homework")


@extend_schema(request=logs_serializers.TimeOutLogWriteSerializer)
class PortalTimeOutLogViewSet(PortalLogViewSet):
    model = TimeOutLog
    material = Material.TIMEOUT_LOG
    serializer_class = logs_serializers.TimeOutLogSerializer
    write_serializer = logs_serializers.TimeOutLogWriteSerializer
    create_service = staticmethod(log_services.time_out_log_create)
    ordering_fields = ["started_at"]
    ordering = ["-started_at"]

    def _values(self, validated: dict) -> dict:
        values = dict(validated)
        if "called_by" in values:
            values["called_by"] = log_services.time_out_caller(
                couple=self.couple, partner=self.client, who=values["called_by"]
            )
        return values


@extend_schema(request=logs_serializers.CheckInWriteSerializer)
class PortalCheckInViewSet(PortalLogViewSet):
    """Daily check-ins: window-of-tolerance zone and distress 0-10. A self-rating, not a
    validated instrument."""

    model = CheckIn
    material = Material.CHECKIN
    serializer_class = logs_serializers.CheckInSerializer
    write_serializer = logs_serializers.CheckInWriteSerializer
    create_service = staticmethod(log_services.check_in_create)
    ordering_fields = ["checked_at"]
    ordering = ["-checked_at"]

    def _values(self, validated: dict) -> dict:
        values = dict(validated)
        if self.action == "create":
            values.setdefault("checked_at", timezone.now())
        return values


class PortalMeasurementViewSet(PortalCoupleMixin, mixins.ListModelMixin, PortalViewSet):
    """My physiological readings (and my partner's, if our policy shares them); I may add my
    own. Values outside the plausible range are refused with the range named."""

    model = Measurement
    serializer_class = ms.MeasurementSerializer
    filterset_class = MeasurementKindFilter
    search_fields: list[str] = []
    ordering_fields = ["measured_at"]
    ordering = ["-measured_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False) or self.couple is None:
            return Measurement.objects.none()
        shared = partner_material_q(
            couple=self.couple, client=self.client, material=Material.MEASUREMENT, model=Measurement
        )
        return (
            Measurement.objects.for_clinic(self.clinic)
            .current()
            .filter(couple=self.couple)
            .filter(shared)
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        record_read(self.request, page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=ms.PortalMeasurementWriteSerializer, responses={201: ms.MeasurementSerializer}
    )
    def create(self, request, *args, **kwargs):
        self.require_couple()
        data = self.validated(ms.PortalMeasurementWriteSerializer)
        measurement = measurement_services.measurement_record(
            couple=self.couple,
            partner=self.client,
            by=request.user,
            source=MeasurementSource.PORTAL,
            request=request,
            **data,
        )
        return Response(self.get_serializer(measurement).data, status=status.HTTP_201_CREATED)
