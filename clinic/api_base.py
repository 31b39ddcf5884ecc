"""The base every clinic-scoped API view stands on.

It resolves the clinic from the URL, checks the user's membership and role, activates the
clinic scope for the whole request (so tenant managers filter by it and refuse without it),
and hands subclasses `self.clinic` and `self.membership`. A clinic the user is not a member
of is a 404, exactly like a clinic that does not exist.
"""

from contextlib import ExitStack

from django.http import Http404
from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.views import APIView

from clinic.api_input import ValidatedInputMixin
from clinic.audit import reads_written_together
from clinic.date_style import clinic_locale
from clinic.identity import SECOND_FACTOR_NEEDED, second_factor_problem
from clinic.models import Clinic, Couple
from clinic.permissions import is_clinic_admin, require_clinic_admin
from clinic.selectors import get_couple_for_member, membership_for
from clinic.tenancy import request_transaction, scope


class ClinicScopedMixin(ValidatedInputMixin):
    """Mixin for APIView/ViewSet under /api/v1/clinics/<clinic_slug>/."""

    #: only clinic admins may use this view at all (clinic/permissions.py)
    admin_only: bool = False
    #: URL kwargs (besides clinic_slug and the router's pk) -> model, for the tenancy route walk
    url_models: dict = {}

    clinic: Clinic

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        clinic = Clinic.objects.filter(slug=kwargs.get("clinic_slug", "")).first()
        if clinic is None:
            raise Http404("No such clinic.")
        # The scope (and with it the database's row security) first: the membership is a row
        # of that clinic.
        self._scope.enter_context(scope(clinic=clinic))
        self._scope.enter_context(clinic_locale(clinic, time_zone=False))
        # Left before the scope (the stack unwinds in reverse): written with its row security.
        self._scope.enter_context(reads_written_together())
        membership = membership_for(clinic=clinic, user=request.user)
        if membership is None:
            raise Http404("No such clinic.")
        if second_factor_problem(request, required=True, membership=membership):
            raise PermissionDenied(SECOND_FACTOR_NEEDED)
        if self.admin_only:
            require_clinic_admin(membership)
        self.clinic = request.clinic = clinic
        self.membership = request.membership = membership

    def dispatch(self, request, *args, **kwargs):
        self._scope = ExitStack()
        with request_transaction(), self._scope:
            return super().dispatch(request, *args, **kwargs)

    @property
    def is_admin(self) -> bool:
        return is_clinic_admin(self.membership)


class ClinicAPIView(ClinicScopedMixin, APIView):
    pass


class ClinicViewSet(ClinicScopedMixin, viewsets.GenericViewSet):
    """Generic clinic-scoped viewset; the lookup is a UUID (malformed ids never reach the DB)."""

    lookup_value_converter = "uuid"
    model = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no clinic
            return self.model.objects.none()
        return self.clinic_queryset()

    def clinic_queryset(self):
        """What this view may reach; override to narrow (e.g. to the member's couples)."""
        return self.model.objects.for_clinic(self.clinic)


class CoupleScopedMixin:
    """For routes under couples/<couple_id>/: the couple is resolved, and a couple the member
    may not see answers 404, before any object lookup or body validation."""

    url_models = {"couple_id": Couple}
    couple: Couple

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        couple = get_couple_for_member(
            clinic=self.clinic, membership=self.membership, couple_id=kwargs.get("couple_id")
        )
        self.couple = request.couple = couple


class CoupleScopedViewSet(CoupleScopedMixin, ClinicViewSet):
    """A clinic viewset whose objects belong to the couple in the URL."""


class CoupleScopedAPIView(CoupleScopedMixin, ClinicAPIView):
    pass


class ClinicScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A relation that accepts only the request clinic's own objects (others read as 'does not exist')."""

    def __init__(self, model=None, scoped_queryset=None, **kwargs):
        self.model = model
        self.scoped_queryset = scoped_queryset
        kwargs.setdefault("pk_field", serializers.UUIDField())
        super().__init__(**kwargs)

    def get_queryset(self):
        view = self.context["view"]
        if self.scoped_queryset is not None:
            return self.scoped_queryset(view)
        return self.model.objects.for_clinic(view.clinic)

    def use_pk_only_optimization(self):
        return True
