"""API views for people and tenancy: login, my clinics, members, clients, couples, audit."""

import django_filters
from drf_spectacular.utils import extend_schema
from knox.views import LogoutAllView as KnoxLogoutAllView
from knox.views import LogoutView as KnoxLogoutView
from rest_framework import generics, mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic import invitations, services
from clinic import serializers as s
from clinic.api_base import ClinicAPIView, ClinicViewSet
from clinic.audit import record_read
from clinic.audit_trail import ACTIONS, client_events_q, couple_events_q, describe
from clinic.extensions import enrich_caseload
from clinic.filtering import TenantFilterSet
from clinic.identity import issue_api_token
from clinic.models import AuditEvent, Client, Couple, CoupleStatus, Invitation, Membership
from clinic.permissions import require_clinic_admin
from clinic.portal_api_base import PortalAPIView
from clinic.selectors import (
    clients_visible_to,
    clinics_for_user,
    couples_for_caseload,
    memberships_of,
)


class LoginView(APIView):
    """Exchange email, password and the authenticator code (required for staff) for an
    expiring API token (stored hashed by knox). Failures count towards the login lockout."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(request=s.LoginSerializer, responses={200: s.TokenSerializer})
    def post(self, request):
        serializer = s.LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The lockout marks Django's request, which its middleware then reads.
        instance, token = issue_api_token(request=request._request, **serializer.validated_data)  # noqa: SLF001 (DRF wraps it)
        return Response({"token": token, "expiry": instance.expiry})


class LogoutView(KnoxLogoutView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request, format=None):
        return super().post(request, format)


class LogoutAllView(KnoxLogoutAllView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request, format=None):
        return super().post(request, format)


class MyClinicsView(generics.ListAPIView):
    """The clinics I belong to, with my role in each."""

    serializer_class = s.ClinicSerializer
    filter_backends = []

    def get_queryset(self):
        return clinics_for_user(user=self.request.user)

    def get_serializer_context(self):
        roles = {m.clinic_id: m.role for m in memberships_of(user=self.request.user)}
        return {**super().get_serializer_context(), "roles": roles}


class ClinicDetailView(ClinicAPIView):
    """The clinic's settings; admins may change them."""

    @extend_schema(responses=s.ClinicSerializer)
    def get(self, request, clinic_slug):
        return Response(
            s.ClinicSerializer(
                self.clinic, context={"roles": {self.clinic.pk: self.membership.role}}
            ).data
        )

    @extend_schema(request=s.ClinicSerializer, responses=s.ClinicSerializer)
    def patch(self, request, clinic_slug):
        require_clinic_admin(self.membership, "Only a clinic admin can change clinic settings.")
        serializer = s.ClinicSerializer(self.clinic, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.clinic_update_settings(
            clinic=self.clinic, by=request.user, changes=serializer.validated_data, request=request
        )
        return Response(
            s.ClinicSerializer(
                self.clinic, context={"roles": {self.clinic.pk: self.membership.role}}
            ).data
        )


class MemberFilter(TenantFilterSet):
    class Meta:
        model = Membership
        fields = ["role", "is_active"]


class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClinicViewSet):
    """Clinic members (admin only): add, change role or supervision, deactivate."""

    model = Membership
    admin_only = True
    serializer_class = s.MembershipSerializer
    filterset_class = MemberFilter
    search_fields = ["user__email", "user__full_name"]
    ordering_fields = ["user__email", "role"]

    def clinic_queryset(self):
        return super().clinic_queryset().select_related("user")

    @extend_schema(request=s.MemberInviteSerializer, responses={201: s.InvitationSerializer})
    def create(self, request, clinic_slug):
        """Invite a person by email; they become a member when they accept (nothing about the
        address is looked up outside this clinic)."""
        data = self.validated(s.MemberInviteSerializer)
        invitation = invitations.staff_invite(
            clinic=self.clinic, by=request.user, request=request, **data
        )
        return Response(s.InvitationSerializer(invitation).data, status=201)

    def partial_update(self, request, clinic_slug, pk):
        membership = self.get_object()
        serializer = s.MembershipSerializer(
            membership, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        membership = services.member_update(
            membership=membership, by=request.user, request=request, **data
        )
        return Response(
            s.MembershipSerializer(membership, context=self.get_serializer_context()).data
        )

    @extend_schema(responses={204: None})
    def destroy(self, request, clinic_slug, pk):
        services.member_deactivate(membership=self.get_object(), by=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClinicViewSet):
    """The clinic's staff invitations (admin only): list, send again, revoke."""

    model = Invitation
    admin_only = True
    serializer_class = s.InvitationSerializer
    filter_backends = []
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]

    def clinic_queryset(self):
        return super().clinic_queryset().filter(kind=Invitation.Kind.STAFF)

    @extend_schema(request=None, responses={200: s.InvitationSerializer})
    @action(detail=True, methods=["post"])
    def resend(self, request, clinic_slug, pk):
        invitation = invitations.invitation_resend(
            invitation=self.get_object(), by=request.user, request=request
        )
        return Response(self.get_serializer(invitation).data)

    @extend_schema(request=None, responses={200: s.InvitationSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, clinic_slug, pk):
        invitation = invitations.invitation_revoke(
            invitation=self.get_object(), by=request.user, request=request
        )
        return Response(self.get_serializer(invitation).data)


class AuditedReadsMixin:
    """Audit every record a list page or a detail shows."""

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        record_read(request, self._shown)
        return response

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._shown = page if page is not None else list(queryset)
        return page

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        record_read(request, obj)
        return Response(self.get_serializer(obj).data)


class ClientFilter(TenantFilterSet):
    archived = django_filters.BooleanFilter(
        field_name="archived_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Client
        fields = ["status", "archived"]


class ClientViewSet(
    AuditedReadsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ClinicViewSet
):
    """Clients of the clinic. DELETE archives (soft-delete); nothing is removed."""

    model = Client
    serializer_class = s.ClientSerializer
    filterset_class = ClientFilter
    search_fields = ["legal_name", "preferred_name", "email"]
    ordering_fields = ["legal_name", "preferred_name", "created_at"]
    ordering = ["legal_name"]

    def clinic_queryset(self):
        qs = clients_visible_to(clinic=self.clinic, membership=self.membership)
        if self.action == "list" and "archived" not in self.request.query_params:
            qs = qs.live()
        return qs

    def create(self, request, clinic_slug):
        data = self.validated(self.get_serializer)
        client = services.client_create(
            clinic=self.clinic, by=request.user, request=request, **data
        )
        return Response(self.get_serializer(client).data, status=201)

    def partial_update(self, request, clinic_slug, pk):
        client = self.get_object()
        serializer = self.get_serializer(client, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        client = services.client_update(client=client, by=request.user, request=request, **data)
        return Response(self.get_serializer(client).data)

    def update(self, request, clinic_slug, pk):
        client = self.get_object()
        serializer = self.get_serializer(client, data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        client = services.client_update(client=client, by=request.user, request=request, **data)
        return Response(self.get_serializer(client).data)

    @extend_schema(responses={200: s.ClientSerializer})
    def destroy(self, request, clinic_slug, pk):
        client = services.client_archive(client=self.get_object(), by=request.user, request=request)
        return Response(self.get_serializer(client).data)


class CoupleFilter(TenantFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=CoupleStatus.choices)
    therapist = django_filters.UUIDFilter(field_name="therapists__id")
    archived = django_filters.BooleanFilter(
        field_name="archived_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Couple
        fields = ["status", "therapist", "archived"]


class CoupleViewSet(
    AuditedReadsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ClinicViewSet
):
    """The caseload: couples assigned to me (all of the clinic for an admin).
    DELETE archives (soft-delete)."""

    model = Couple
    serializer_class = s.CoupleSerializer
    filterset_class = CoupleFilter
    search_fields = [
        "partner_a__legal_name",
        "partner_a__preferred_name",
        "partner_b__legal_name",
        "partner_b__preferred_name",
    ]
    ordering_fields = ["created_at", "status", "intake_date", "partner_a__legal_name"]
    ordering = ["-created_at"]

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        # What other apps add to the caseload (next session, headline scores, open alerts),
        # loaded for the whole page at once.
        enrich_caseload(clinic=self.clinic, membership=self.membership, couples=self._shown)
        return page

    def clinic_queryset(self):
        include_archived = self.action != "list" or "archived" in self.request.query_params
        return couples_for_caseload(
            clinic=self.clinic, membership=self.membership, include_archived=include_archived
        )

    @extend_schema(request=s.CoupleWriteSerializer, responses={201: s.CoupleSerializer})
    def create(self, request, clinic_slug):
        data = self.validated(s.CoupleWriteSerializer)
        couple = services.couple_create(
            clinic=self.clinic, by=request.user, request=request, **data
        )
        return Response(self.get_serializer(couple).data, status=201)

    @extend_schema(request=s.CoupleWriteSerializer, responses={200: s.CoupleSerializer})
    def partial_update(self, request, clinic_slug, pk):
        couple = self.get_object()
        serializer = s.CoupleWriteSerializer(
            couple, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        couple = services.couple_update(couple=couple, by=request.user, request=request, **data)
        return Response(self.get_serializer(couple).data)

    @extend_schema(responses={200: s.CoupleSerializer})
    def destroy(self, request, clinic_slug, pk):
        couple = services.couple_archive(couple=self.get_object(), by=request.user, request=request)
        return Response(self.get_serializer(couple).data)

    @extend_schema(request=s.CoupleStatusSerializer, responses={200: s.CoupleSerializer})
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, clinic_slug, pk):
        couple = self.get_object()
        data = self.validated(s.CoupleStatusSerializer)
        couple = services.couple_set_status(couple=couple, by=request.user, request=request, **data)
        return Response(self.get_serializer(couple).data)

    @extend_schema(responses={200: s.CoupleStatusChangeSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="status-history")
    def status_history(self, request, clinic_slug, pk):
        couple = self.get_object()
        changes = couple.status_changes.select_related("changed_by")
        record_read(request, couple, detail={"view": "status-history"})
        return Response(s.CoupleStatusChangeSerializer(changes, many=True).data)


class AuditEventFilter(TenantFilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")
    actor = django_filters.UUIDFilter(field_name="actor_id")
    action = django_filters.ChoiceFilter(choices=sorted(ACTIONS.items()))
    client = django_filters.UUIDFilter(
        method="filter_client", help_text="One client's record: theirs and their couple's."
    )
    couple = django_filters.UUIDFilter(method="filter_couple", help_text="One couple's case.")

    class Meta:
        model = AuditEvent
        fields = ["action", "object_type", "object_id", "actor", "since", "until"]

    def filter_client(self, queryset, name, value):
        client = Client.objects.for_clinic(self.request.clinic).filter(pk=value).first()
        return queryset.filter(client_events_q(client)) if client else queryset.none()

    def filter_couple(self, queryset, name, value):
        couple = Couple.objects.for_clinic(self.request.clinic).filter(pk=value).first()
        return queryset.filter(couple_events_q(couple)) if couple else queryset.none()


class AuditEventViewSet(mixins.ListModelMixin, ClinicViewSet):
    """The clinic's audit trail (admin only, read only), each event also in words."""

    model = AuditEvent
    admin_only = True
    serializer_class = s.AuditEventSerializer
    filterset_class = AuditEventFilter
    search_fields = []
    ordering_fields = ["at"]
    ordering = ["-at"]

    def clinic_queryset(self):
        return super().clinic_queryset().select_related("actor")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        lines = describe(page, clinic=self.clinic)
        return self.get_paginated_response(s.AuditEventSerializer(lines, many=True).data)


class PortalMeView(PortalAPIView):
    """The logged-in client's own record and current couple (portal)."""

    @extend_schema(responses=s.PortalMeSerializer)
    def get(self, request):
        record_read(request, self.client)
        return Response(s.PortalMeSerializer({"client": self.client, "couple": self.couple}).data)
