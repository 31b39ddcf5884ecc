"""API views for therapy sessions, session notes, addenda and a couple's confidentiality policy.

Views are thin: they find the object through a selector (404 before any body is read), validate
the input shape, call one service, and audit reads. Note refusals answer 409: a signed note
("locked") or a stale draft version (with the current version and content).
"""

import django_filters
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from clinic import services as clinic_services
from clinic.api import AuditedReadsMixin
from clinic.api_base import ClinicAPIView, ClinicViewSet
from clinic.api_errors import conflict
from clinic.audit import record_read
from clinic.confidentiality import couple_sharing, effective_policy
from clinic.filtering import TenantFilterSet
from clinic.models import Couple
from clinic.permissions import require_clinic_admin
from clinic.selectors import confidentiality_agreements_of, get_couple_for_member
from sessions.models import NoteState, SessionKind, SessionNote, SessionStatus, TherapySession
from sessions.therapy import serializers as s
from sessions.therapy import services as note_services
from sessions.therapy import services as session_services
from sessions.therapy.selectors import (
    addenda_of,
    next_and_last_sessions,
    notes_visible_to,
    sessions_for_couple,
    sessions_visible_to,
    staff_may_read_note,
)
from sessions.therapy.services import NoteLockedError, NoteVersionConflict

CONFLICT = OpenApiResponse(s.NoteConflictSerializer, description="Signed note, or stale version")


class NoteRefusalsMixin:
    """Answer note refusals with 409 in the API's error shape."""

    def handle_exception(self, exc):
        if isinstance(exc, NoteLockedError):
            return conflict(exc.message, current_version=None, current=None)
        if isinstance(exc, NoteVersionConflict):
            # The current content goes back to the caller: that is a read of the note.
            record_read(self.request, exc.note, detail={"view": "conflict"})
            return conflict(
                exc.message,
                current_version=exc.note.version,
                current=s.SessionNoteSerializer(exc.note).data,
            )
        return super().handle_exception(exc)


def _note_response(view, note: SessionNote, *, status_code: int = 200) -> Response:
    data = s.SessionNoteSerializer(note, context={"addenda": addenda_of(note)}).data
    return Response(data, status=status_code)


class CoupleSessionFilter(TenantFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=SessionStatus.choices)
    kind = django_filters.ChoiceFilter(choices=SessionKind.choices)

    class Meta:
        model = TherapySession
        fields = ["status", "kind"]


class SessionFilter(TenantFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=SessionStatus.choices)
    kind = django_filters.ChoiceFilter(choices=SessionKind.choices)
    couple = django_filters.UUIDFilter(field_name="couple_id")
    therapist = django_filters.UUIDFilter(field_name="therapist_id")
    starts_after = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = TherapySession
        fields = ["status", "kind", "couple", "therapist", "starts_after", "starts_before"]


class CoupleSessionViewSet(AuditedReadsMixin, mixins.ListModelMixin, ClinicViewSet):
    """A couple's sessions (newest first); POST schedules a new one."""

    model = TherapySession
    url_models = {"couple_id": Couple}
    serializer_class = s.TherapySessionSerializer
    filterset_class = CoupleSessionFilter
    search_fields: list[str] = []
    ordering_fields = ["starts_at"]
    ordering = ["-starts_at"]

    def couple(self) -> Couple:
        if not hasattr(self, "_couple"):
            self._couple = get_couple_for_member(
                clinic=self.clinic, membership=self.membership, couple_id=self.kwargs["couple_id"]
            )
        return self._couple

    def clinic_queryset(self):
        return sessions_for_couple(clinic=self.clinic, couple=self.couple())

    @extend_schema(request=s.SessionScheduleSerializer, responses={201: s.TherapySessionSerializer})
    def create(self, request, clinic_slug, couple_id):
        couple = self.couple()
        data = self.validated(s.SessionScheduleSerializer)
        session = session_services.session_schedule(
            couple=couple, by=request.user, request=request, **data
        )
        return Response(self.get_serializer(session).data, status=status.HTTP_201_CREATED)


class SessionViewSet(
    AuditedReadsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ClinicViewSet,
):
    """Sessions of my couples (the whole clinic for an admin). PATCH reschedules a scheduled
    session; held / cancel / no-show record what happened. Sessions are never deleted."""

    model = TherapySession
    serializer_class = s.TherapySessionSerializer
    filterset_class = SessionFilter
    search_fields: list[str] = []
    ordering_fields = ["starts_at"]
    ordering = ["starts_at"]

    def clinic_queryset(self):
        return sessions_visible_to(clinic=self.clinic, membership=self.membership)

    def _audited(self, session) -> Response:
        return Response(self.get_serializer(session).data)

    @extend_schema(request=s.SessionRescheduleSerializer, responses=s.TherapySessionSerializer)
    def partial_update(self, request, clinic_slug, pk):
        session = self.get_object()
        data = self.validated(s.SessionRescheduleSerializer)
        session = session_services.session_reschedule(
            session=session, by=request.user, request=request, **data
        )
        return self._audited(session)

    @extend_schema(request=s.SessionHeldSerializer, responses=s.TherapySessionSerializer)
    @action(detail=True, methods=["post"])
    def held(self, request, clinic_slug, pk):
        session = self.get_object()
        data = self.validated(s.SessionHeldSerializer)
        session = session_services.session_mark_held(
            session=session, by=request.user, request=request, **data
        )
        return self._audited(session)

    @extend_schema(request=s.SessionCancelSerializer, responses=s.TherapySessionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, clinic_slug, pk):
        session = self.get_object()
        data = self.validated(s.SessionCancelSerializer)
        session = session_services.session_cancel(
            session=session, by=request.user, request=request, **data
        )
        return self._audited(session)

    @extend_schema(request=s.SessionCancelSerializer, responses=s.TherapySessionSerializer)
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request, clinic_slug, pk):
        session = self.get_object()
        data = self.validated(s.SessionCancelSerializer)
        session = session_services.session_cancel(
            session=session, by=request.user, request=request, no_show=True, **data
        )
        return self._audited(session)

    @extend_schema(
        methods=["GET"], request=None, responses={200: s.SessionNoteSerializer, 404: None}
    )
    @extend_schema(
        methods=["POST"], request=s.NoteStartSerializer, responses={201: s.SessionNoteSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def note(self, request, clinic_slug, pk):
        """GET the session's note (audited read); POST starts its draft in a template."""
        session = self.get_object()
        if request.method == "POST":
            data = self.validated(s.NoteStartSerializer)
            note = note_services.note_start(
                session=session, by=request.user, request=request, **data
            )
            return _note_response(self, note, status_code=status.HTTP_201_CREATED)
        note = s.note_or_none(session)
        if note is None or not staff_may_read_note(note):
            return Response({"detail": "This session has no note yet."}, status=404)
        record_read(request, note)
        return _note_response(self, note)


class NoteFilter(TenantFilterSet):
    state = django_filters.MultipleChoiceFilter(choices=NoteState.choices)
    couple = django_filters.UUIDFilter(field_name="session__couple_id")
    awaiting_my_cosignature = django_filters.BooleanFilter(method="filter_awaiting_mine")

    class Meta:
        model = SessionNote
        fields = ["state", "couple", "awaiting_my_cosignature"]

    def filter_awaiting_mine(self, queryset, name, value):
        mine = {"state": NoteState.AWAITING_COSIGNATURE, "cosigner_required": self.request.user}
        return queryset.filter(**mine) if value else queryset.exclude(**mine)


class NoteViewSet(NoteRefusalsMixin, AuditedReadsMixin, mixins.ListModelMixin, ClinicViewSet):
    """Session notes I may read. PATCH/PUT edit a draft (send the `version` you read: a stale
    one is a 409 with the current note); a signed note refuses every change (409); DELETE is
    always refused. Every read is audited."""

    model = SessionNote
    serializer_class = s.NoteListSerializer
    filterset_class = NoteFilter
    search_fields: list[str] = []
    ordering_fields = ["created_at", "signed_at"]
    ordering = ["-created_at"]

    def clinic_queryset(self):
        return notes_visible_to(clinic=self.clinic, membership=self.membership)

    def get_object(self):
        note = super().get_object()
        if not staff_may_read_note(note):
            raise Http404("No such note.")
        return note

    @extend_schema(responses=s.SessionNoteSerializer)
    def retrieve(self, request, clinic_slug, pk):
        note = self.get_object()
        record_read(request, note)
        return _note_response(self, note)

    def _edit(self, request, *, partial: bool) -> Response:
        note = self.get_object()
        if note.is_locked:
            raise NoteLockedError
        data = self.validated(s.NoteWriteSerializer, partial=partial)
        changes = dict(data)
        version = changes.pop("version")
        note = note_services.note_update_draft(
            note=note, by=request.user, version=version, changes=changes, request=request
        )
        return _note_response(self, note)

    @extend_schema(
        request=s.NoteWriteSerializer, responses={200: s.SessionNoteSerializer, 409: CONFLICT}
    )
    def partial_update(self, request, clinic_slug, pk):
        return self._edit(request, partial=True)

    @extend_schema(
        request=s.NoteWriteSerializer, responses={200: s.SessionNoteSerializer, 409: CONFLICT}
    )
    def update(self, request, clinic_slug, pk):
        return self._edit(request, partial=False)

    @extend_schema(request=None, responses={409: CONFLICT})
    def destroy(self, request, clinic_slug, pk):
        note_services.note_delete(note=self.get_object())

    @extend_schema(
        request=s.NoteSignSerializer, responses={200: s.SessionNoteSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def sign(self, request, clinic_slug, pk):
        note = self.get_object()
        if note.is_locked:
            raise NoteLockedError("This note is already signed.")
        data = self.validated(s.NoteSignSerializer)
        note = note_services.note_sign(note=note, by=request.user, request=request, **data)
        return _note_response(self, note)

    @extend_schema(request=None, responses={200: s.SessionNoteSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def cosign(self, request, clinic_slug, pk):
        note = note_services.note_cosign(note=self.get_object(), by=request.user, request=request)
        return _note_response(self, note)

    @extend_schema(
        request=s.CosignerReassignSerializer,
        responses={200: s.SessionNoteSerializer, 403: None},
    )
    @action(detail=True, methods=["post"], url_path="reassign-cosigner")
    def reassign_cosigner(self, request, clinic_slug, pk):
        """Admins: hand a pending co-signature to another active member when the co-signer
        fixed at signing has left the clinic (audited)."""
        note = self.get_object()
        require_clinic_admin(
            self.membership, "Only a clinic admin can reassign a note's co-signer."
        )
        data = self.validated(s.CosignerReassignSerializer)
        note = note_services.note_cosigner_reassign(
            note=note, by=request.user, request=request, **data
        )
        return _note_response(self, note)

    @extend_schema(methods=["GET"], request=None, responses=s.AddendumSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=s.AddendumSerializer, responses={201: s.AddendumSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def addenda(self, request, clinic_slug, pk):
        """GET the note's addenda (audited read of the note); POST appends one."""
        note = self.get_object()
        if request.method == "POST":
            data = self.validated(s.AddendumSerializer)
            addendum = note_services.addendum_add(
                note=note, by=request.user, request=request, **data
            )
            return Response(s.AddendumSerializer(addendum).data, status=status.HTTP_201_CREATED)
        record_read(request, note, detail={"view": "addenda"})
        return Response(s.AddendumSerializer(addenda_of(note), many=True).data)


class CoupleConfidentialityView(ClinicAPIView):
    """The couple's individual-material policy and the history of its changes; POST changes it
    with both partners' consent recorded and an explicit confirmation (audited)."""

    url_models = {"couple_id": Couple}

    def _payload(self, couple: Couple) -> dict:
        clinic_default = effective_policy(
            couple_policy="inherit",
            clinic_shares_by_default=self.clinic.partners_see_individual_results,
        )
        sharing = couple_sharing(couple)
        return {
            "policy": couple.individual_material_policy,
            "effective_policy": sharing.policy,
            "shared_since": sharing.since,
            "clinic_default": clinic_default,
            "history": confidentiality_agreements_of(couple=couple),
        }

    def _couple(self, couple_id) -> Couple:
        return get_couple_for_member(
            clinic=self.clinic, membership=self.membership, couple_id=couple_id
        )

    @extend_schema(responses=s.ConfidentialitySerializer)
    def get(self, request, clinic_slug, couple_id):
        couple = self._couple(couple_id)
        record_read(request, couple, detail={"view": "confidentiality"})
        return Response(s.ConfidentialitySerializer(self._payload(couple)).data)

    @extend_schema(request=s.ConfidentialityChangeSerializer, responses=s.ConfidentialitySerializer)
    def post(self, request, clinic_slug, couple_id):
        couple = self._couple(couple_id)
        data = self.validated(s.ConfidentialityChangeSerializer)
        clinic_services.couple_set_material_policy(
            couple=couple,
            by=request.user,
            request=request,
            **s.ConfidentialityChangeSerializer.service_kwargs(data),
        )
        couple = self._couple(couple_id)
        return Response(s.ConfidentialitySerializer(self._payload(couple)).data)


class CoupleSessionSummaryView(ClinicAPIView):
    """The couple's next scheduled and last held session (what the caseload shows)."""

    url_models = {"couple_id": Couple}

    @extend_schema(responses=s.SessionSummarySerializer)
    def get(self, request, clinic_slug, couple_id):
        couple = get_couple_for_member(
            clinic=self.clinic, membership=self.membership, couple_id=couple_id
        )
        summary = next_and_last_sessions(clinic=self.clinic, couple_ids=[couple.pk])[couple.pk]
        shown = [x for x in summary.values() if x is not None]
        record_read(request, shown)
        return Response(s.SessionSummarySerializer(summary).data)
