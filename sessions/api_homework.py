"""Staff API for a couple's homework (give, change, new agreement version, end, archive), their
adherence, the partners' logs and check-ins, and the two-week regulation strip.

Views are thin: the couple (404 if hidden) and then the object are found before any body is
read; one service call per write; every record shown is audited.
"""

import django_filters
from django.utils.dateparse import parse_date
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as InputError
from rest_framework.response import Response

from clinic.api_base import CoupleScopedAPIView, CoupleScopedViewSet
from clinic.filtering import TenantFilterSet
from sessions import homework_serializers as s
from sessions import homework_services, log_services
from sessions.homework_selectors import (
    STRIP_DAYS,
    adherence_of,
    agreement_status_of,
    check_ins_of,
    homework_of_couple,
    practice_logs_of,
    regulation_of,
    time_out_logs_of,
    with_agreements,
)
from sessions.models import CheckIn, Homework, HomeworkKind, PracticeLog, TimeOutLog
from sessions.regulation import INTENSITY_SCALE, SELF_RATING_NOTE

MAX_STRIP_DAYS = 92


def homework_context(homework_list, couple, **extra) -> dict:
    """Serializer context for a page of homework: agreement standing and adherence, computed
    for the whole page at once (one query for adherence, none for standing)."""
    return {
        "agreements": {
            h.pk: agreement_status_of(h, couple) for h in homework_list if h.is_time_out
        },
        "adherence": adherence_of(homework_list=homework_list, couple=couple),
        **extra,
    }


class HomeworkFilter(TenantFilterSet):
    kind = django_filters.ChoiceFilter(choices=HomeworkKind.choices)
    partner = django_filters.UUIDFilter(field_name="partner_id")
    archived = django_filters.BooleanFilter(
        field_name="archived_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Homework
        fields = ["kind", "partner", "archived"]


class HomeworkViewSet(mixins.ListModelMixin, CoupleScopedViewSet):
    """A couple's homework. Time-out agreements change by new version (POST versions/); homework
    is ended or archived, never deleted."""

    model = Homework
    serializer_class = s.HomeworkSerializer
    filterset_class = HomeworkFilter
    search_fields: list[str] = []
    ordering_fields = ["start_date", "created_at"]
    ordering = ["-start_date", "-created_at"]

    def clinic_queryset(self):
        qs = with_agreements(Homework.objects.for_clinic(self.clinic).filter(couple=self.couple))
        if self.action == "list" and "archived" not in self.request.query_params:
            qs = qs.live()
        return qs

    def _out(self, homework_list, *, many: bool):
        context = homework_context(homework_list, self.couple)
        data = s.HomeworkSerializer(homework_list, many=True, context=context).data
        return data if many else data[0]

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        self.audit_reads(page)
        return self.get_paginated_response(self._out(page, many=True))

    def _fresh(self, homework) -> Homework:
        return self.clinic_queryset().get(pk=homework.pk)

    def retrieve(self, request, *args, **kwargs):
        homework = self.get_object()
        self.audit_read(homework)
        return Response(self._out([homework], many=False))

    @extend_schema(request=s.HomeworkCreateSerializer, responses={201: s.HomeworkSerializer})
    def create(self, request, *args, **kwargs):
        data = s.HomeworkCreateSerializer(data=request.data, context={"view": self})
        data.is_valid(raise_exception=True)
        homework = homework_services.homework_create(
            couple=self.couple, by=request.user, request=request, **data.validated_data
        )
        return Response(self._out([self._fresh(homework)], many=False), status=201)

    @extend_schema(request=s.HomeworkUpdateSerializer, responses=s.HomeworkSerializer)
    def partial_update(self, request, *args, **kwargs):
        homework = self.get_object()
        data = s.HomeworkUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        homework_services.homework_update(
            homework=homework, by=request.user, request=request, **data.validated_data
        )
        return Response(self._out([self._fresh(homework)], many=False))

    @extend_schema(request=s.HomeworkEndSerializer, responses=s.HomeworkSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, *args, **kwargs):
        homework = self.get_object()
        data = s.HomeworkEndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        homework_services.homework_end(
            homework=homework,
            by=request.user,
            on=data.validated_data.get("end_date"),
            reason=data.validated_data.get("reason", ""),
            request=request,
        )
        return Response(self._out([self._fresh(homework)], many=False))

    @extend_schema(request=s.ReasonSerializer, responses=s.HomeworkSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, *args, **kwargs):
        homework = self.get_object()
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        homework_services.homework_archive(
            homework=homework,
            by=request.user,
            reason=data.validated_data["reason"],
            request=request,
        )
        return Response(self._out([self._fresh(homework)], many=False))

    @extend_schema(methods=["GET"], request=None, responses=s.VersionSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=s.VersionCreateSerializer, responses={201: s.VersionSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def versions(self, request, *args, **kwargs):
        homework = self.get_object()
        if request.method == "GET":
            self.audit_read(homework, view="versions")
            return Response(s.VersionSerializer(homework.versions.all(), many=True).data)
        data = s.VersionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = homework_services.agreement_revise(
            homework=homework, by=request.user, request=request, **data.validated_data
        )
        return Response(s.VersionSerializer(version).data, status=status.HTTP_201_CREATED)


class CoupleAdherenceView(CoupleScopedAPIView):
    """Adherence of every live homework with a weekly target: practices logged against the
    target, Monday-Sunday weeks in the clinic's time zone, per partner it is for."""

    @extend_schema(responses=s.HomeworkAdherenceSerializer(many=True))
    def get(self, request, *args, **kwargs):
        homework_list = [h for h in homework_of_couple(couple=self.couple) if h.target_per_week]
        adherence = adherence_of(homework_list=homework_list, couple=self.couple)
        rows = [
            {"homework": h, "partners": adherence[h.pk]} for h in homework_list if h.pk in adherence
        ]
        self.audit_reads(homework_list)
        return Response(s.HomeworkAdherenceSerializer(rows, many=True).data)


class CoupleRegulationView(CoupleScopedAPIView):
    """Each partner's window-of-tolerance zone per day (default: the last two weeks) and the
    days on which both partners were out of their window. Ratings are self-ratings."""

    @extend_schema(
        parameters=[
            OpenApiParameter("end", str, description="Last day (YYYY-MM-DD), default today"),
            OpenApiParameter("days", int, description=f"1-{MAX_STRIP_DAYS}, default 14"),
        ],
        responses=s.RegulationSerializer,
    )
    def get(self, request, *args, **kwargs):
        end, days = _strip_params(request.query_params)
        regulation = regulation_of(couple=self.couple, end=end, days=days)
        self.audit_reads(regulation.sources)
        return Response(s.RegulationSerializer(regulation_payload(regulation)).data)


def _strip_params(params) -> tuple:
    end = None
    if params.get("end"):
        end = parse_date(params["end"])
        if end is None:
            raise InputError({"end": ["Use a date like 2025-12-31."]})
    try:
        days = int(params.get("days", STRIP_DAYS))
    except ValueError:
        raise InputError({"days": ["Give a whole number of days."]}) from None
    if not 1 <= days <= MAX_STRIP_DAYS:
        raise InputError({"days": [f"Give 1 to {MAX_STRIP_DAYS} days."]})
    return end, days


def regulation_payload(regulation) -> dict:
    """The regulation strip in the API's shape."""
    both = set(regulation.both_out)
    return {
        "start": regulation.start,
        "end": regulation.end,
        "scale": INTENSITY_SCALE,
        "self_rating": SELF_RATING_NOTE,
        "partners": [
            {
                "partner": strip.partner.pk,
                "days": [
                    {
                        "on": day.on,
                        "zone": day.zone,
                        "intensity": day.intensity,
                        "both_out": day.on in both,
                    }
                    for day in strip.days
                ],
            }
            for strip in regulation.strips
        ],
        "both_out_of_window": regulation.both_out,
    }


def log_filter(log_model, when: str) -> type[TenantFilterSet]:
    """A filter set for one kind of log: partner, since/until on its time field, voided."""

    class LogFilter(TenantFilterSet):
        partner = django_filters.UUIDFilter(field_name="partner_id")
        since = django_filters.IsoDateTimeFilter(field_name=when, lookup_expr="gte")
        until = django_filters.IsoDateTimeFilter(field_name=when, lookup_expr="lt")
        voided = django_filters.BooleanFilter(
            field_name="voided_at", lookup_expr="isnull", exclude=True
        )

        class Meta:
            model = log_model
            fields = ["partner", "since", "until", "voided"]

    LogFilter.__name__ = f"{log_model.__name__}Filter"
    return LogFilter


class LogViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CoupleScopedViewSet):
    """Both partners' logs of one kind for the couple (voided ones included, marked); staff
    may void one with a reason, never delete it."""

    search_fields: list[str] = []
    selector = None

    def clinic_queryset(self):
        return type(self).selector(couple=self.couple)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        self.audit_reads(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        log = self.get_object()
        self.audit_read(log)
        return Response(self.get_serializer(log).data)

    @action(detail=True, methods=["post"])
    def void(self, request, *args, **kwargs):
        log = self.get_object()
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        log = log_services.log_void(
            log=log,
            by=request.user,
            reason=data.validated_data["reason"],
            staff=True,
            request=request,
            channel="api",
        )
        return Response(self.get_serializer(log).data)


@extend_schema(request=s.ReasonSerializer)
class PracticeLogViewSet(LogViewSet):
    model = PracticeLog
    serializer_class = s.PracticeLogSerializer
    filterset_class = log_filter(PracticeLog, "practiced_at")
    ordering_fields = ["practiced_at", "created_at"]
    ordering = ["-practiced_at"]
    selector = staticmethod(practice_logs_of)


@extend_schema(request=s.ReasonSerializer)
class TimeOutLogViewSet(LogViewSet):
    model = TimeOutLog
    serializer_class = s.TimeOutLogSerializer
    filterset_class = log_filter(TimeOutLog, "started_at")
    ordering_fields = ["started_at", "created_at"]
    ordering = ["-started_at"]
    selector = staticmethod(time_out_logs_of)


@extend_schema(request=s.ReasonSerializer)
class CheckInViewSet(LogViewSet):
    model = CheckIn
    serializer_class = s.CheckInSerializer
    filterset_class = log_filter(CheckIn, "checked_at")
    ordering_fields = ["checked_at", "created_at"]
    ordering = ["-checked_at"]
    selector = staticmethod(check_ins_of)
