"""Base for /api/v1/portal/ views: the client comes from the login, never from the URL."""

from contextlib import ExitStack

from django.http import Http404
from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.views import APIView

from clinic.api_input import ValidatedInputMixin
from clinic.audit import reads_written_together
from clinic.date_style import clinic_locale
from clinic.identity import SECOND_FACTOR_NEEDED, second_factor_problem
from clinic.page_access import current_couple_for, portal_client_for
from clinic.tenancy import request_transaction, scope


class PortalMixin(ValidatedInputMixin):
    """Sets self.client, self.clinic and self.couple (may be None) inside the client's clinic scope.

    Every queryset of a portal view must start from self.client / self.couple; another
    partner's or client's object is then a 404.
    """

    url_models: dict = {}

    def dispatch(self, request, *args, **kwargs):
        self._scope = ExitStack()
        with request_transaction(), self._scope:
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        client = portal_client_for(request.user)
        if client is None:
            raise Http404("No portal record for this login.")
        if second_factor_problem(request, required=client.clinic.require_client_mfa):
            raise PermissionDenied(SECOND_FACTOR_NEEDED)
        self._scope.enter_context(scope(clinic=client.clinic))
        self._scope.enter_context(clinic_locale(client.clinic, time_zone=False))
        self._scope.enter_context(reads_written_together())
        self.client, self.clinic = client, client.clinic
        request.clinic = client.clinic
        self.couple = current_couple_for(client)


class PortalAPIView(PortalMixin, APIView):
    pass


class PortalViewSet(PortalMixin, viewsets.GenericViewSet):
    lookup_value_converter = "uuid"
