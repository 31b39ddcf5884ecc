"""Staff API for a couple's homework (give, change, new agreement version, end, archive) and
their adherence.

Views are thin: the couple (404 if hidden) and then the object are found before any body is
read; one service call per write; every record shown is audited.
"""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from clinic.api_base import CoupleScopedAPIView, CoupleScopedViewSet
from clinic.audit import record_read
from clinic.filtering import TenantFilterSet
from sessions.homework import serializers as s
from sessions.homework import services as homework_services
from sessions.homework.selectors import (
    adherence_of,
    agreement_status_of,
    homework_of_couple,
    with_agreements,
)
from sessions.models import Homework, HomeworkKind


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
        record_read(self.request, page)
        return self.get_paginated_response(self._out(page, many=True))

    def _fresh(self, homework) -> Homework:
        return self.clinic_queryset().get(pk=homework.pk)

    def retrieve(self, request, *args, **kwargs):
        homework = self.get_object()
        record_read(self.request, homework)
        return Response(self._out([homework], many=False))

    @extend_schema(request=s.HomeworkCreateSerializer, responses={201: s.HomeworkSerializer})
    def create(self, request, *args, **kwargs):
        data = self.validated(s.HomeworkCreateSerializer)
        homework = homework_services.homework_create(
            couple=self.couple, by=request.user, request=request, **data
        )
        return Response(self._out([self._fresh(homework)], many=False), status=201)

    @extend_schema(request=s.HomeworkUpdateSerializer, responses=s.HomeworkSerializer)
    def partial_update(self, request, *args, **kwargs):
        homework = self.get_object()
        data = self.validated(s.HomeworkUpdateSerializer, partial=True)
        homework_services.homework_update(
            homework=homework, by=request.user, request=request, **data
        )
        return Response(self._out([self._fresh(homework)], many=False))

    @extend_schema(request=s.HomeworkEndSerializer, responses=s.HomeworkSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, *args, **kwargs):
        homework = self.get_object()
        data = self.validated(s.HomeworkEndSerializer)
        homework_services.homework_end(
            homework=homework,
            by=request.user,
            on=data.get("end_date"),
            reason=data.get("reason", ""),
            request=request,
        )
        return Response(self._out([self._fresh(homework)], many=False))

    @extend_schema(request=s.ReasonSerializer, responses=s.HomeworkSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, *args, **kwargs):
        homework = self.get_object()
        data = self.validated(s.ReasonSerializer)
        homework_services.homework_archive(
            homework=homework,
            by=request.user,
            reason=data["reason"],
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
            record_read(self.request, homework, detail={"view": "versions"})
            return Response(s.VersionSerializer(homework.versions.all(), many=True).data)
        data = self.validated(s.VersionCreateSerializer)
        version = homework_services.agreement_revise(
            homework=homework, by=request.user, request=request, **data
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
        record_read(self.request, homework_list)
        return Response(s.HomeworkAdherenceSerializer(rows, many=True).data)
