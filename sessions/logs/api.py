"""Staff API for the partners' logs and check-ins, and the two-week regulation strip.

Views are thin: the couple (404 if hidden) is found before any body is read; every record shown
is audited.
"""

import django_filters
from django.utils.dateparse import parse_date
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as InputError
from rest_framework.response import Response

from clinic.api_base import CoupleScopedAPIView, CoupleScopedViewSet
from clinic.audit import record_read
from clinic.filtering import TenantFilterSet
from sessions.homework import serializers as s
from sessions.logs import serializers as logs_serializers
from sessions.logs import services as log_services
from sessions.logs.regulation import INTENSITY_SCALE, SELF_RATING_NOTE
from sessions.logs.selectors import (
    STRIP_DAYS,
    check_ins_of,
    practice_logs_of,
    regulation_of,
    time_out_logs_of,
)
from sessions.models import CheckIn, PracticeLog, TimeOutLog

MAX_STRIP_DAYS = 92


class CoupleRegulationView(CoupleScopedAPIView):
    """Each partner's window-of-tolerance zone per day (default: the last two weeks) and the
    days on which both partners were out of their window. Ratings are self-ratings."""

    @extend_schema(
        parameters=[
            OpenApiParameter("end", str, description="Last day (YYYY-MM-DD), default today"),
            OpenApiParameter("days", int, description=f"1-{MAX_STRIP_DAYS}, default 14"),
        ],
        responses=logs_serializers.RegulationSerializer,
    )
    def get(self, request, *args, **kwargs):
        end, days = _strip_params(request.query_params)
        regulation = regulation_of(couple=self.couple, end=end, days=days)
        record_read(self.request, regulation.sources)
        return Response(logs_serializers.RegulationSerializer(regulation_payload(regulation)).data)


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
        record_read(self.request, page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        log = self.get_object()
        record_read(self.request, log)
        return Response(self.get_serializer(log).data)

    @action(detail=True, methods=["post"])
    def void(self, request, *args, **kwargs):
        log = self.get_object()
        data = self.validated(s.ReasonSerializer)
        log = log_services.log_void(
            log=log,
            by=request.user,
            reason=data["reason"],
            staff=True,
            request=request,
        )
        return Response(self.get_serializer(log).data)


@extend_schema(request=s.ReasonSerializer)
class PracticeLogViewSet(LogViewSet):
    model = PracticeLog
    serializer_class = logs_serializers.PracticeLogSerializer
    filterset_class = log_filter(PracticeLog, "practiced_at")
    ordering_fields = ["practiced_at", "created_at"]
    ordering = ["-practiced_at"]
    selector = staticmethod(practice_logs_of)


@extend_schema(request=s.ReasonSerializer)
class TimeOutLogViewSet(LogViewSet):
    model = TimeOutLog
    serializer_class = logs_serializers.TimeOutLogSerializer
    filterset_class = log_filter(TimeOutLog, "started_at")
    ordering_fields = ["started_at", "created_at"]
    ordering = ["-started_at"]
    selector = staticmethod(time_out_logs_of)


@extend_schema(request=s.ReasonSerializer)
class CheckInViewSet(LogViewSet):
    model = CheckIn
    serializer_class = logs_serializers.CheckInSerializer
    filterset_class = log_filter(CheckIn, "checked_at")
    ordering_fields = ["checked_at", "created_at"]
    ordering = ["-checked_at"]
    selector = staticmethod(check_ins_of)
