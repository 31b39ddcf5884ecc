"""Base for staff API views nested under a couple (/couples/<couple_id>/...): the couple is
resolved, and hidden couples answer 404, before any object lookup or body validation."""

from clinic.api_base import ClinicAPIView, ClinicViewSet
from clinic.audit import record_event, record_reads
from clinic.models import Couple
from clinic.selectors import get_couple_for_member


class CoupleScopedMixin:
    url_models = {"couple_id": Couple}
    couple: Couple

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        couple = get_couple_for_member(
            clinic=self.clinic, membership=self.membership, couple_id=kwargs.get("couple_id")
        )
        # The couple's clinic is the request's clinic: share the loaded row, save a query.
        couple.clinic = self.clinic
        self.couple = request.couple = couple

    def audit_reads(self, objects) -> None:
        """One audit event per record shown (a single INSERT)."""
        record_reads(
            clinic=self.clinic, actor=self.request.user, objects=objects, request=self.request
        )

    def audit_read(self, obj, **detail) -> None:
        record_event(
            clinic=self.clinic,
            actor=self.request.user,
            action="read",
            obj=obj,
            request=self.request,
            detail=detail or None,
        )


class CoupleViewSet(CoupleScopedMixin, ClinicViewSet):
    """A clinic viewset whose objects belong to the couple in the URL."""


class CoupleAPIView(CoupleScopedMixin, ClinicAPIView):
    pass
