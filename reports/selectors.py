"""Reads of reports that need care."""

from django.db.models import Q, QuerySet

from clinic.selectors import couples_visible_to
from reports.models import Audience, ProgressReport, Status


def reports_for_partner(*, clinic, couple, client) -> QuerySet[ProgressReport]:
    """Finished reports a partner may have: the couple's, and their own partner report; never
    the other partner's or a clinical one. Newest first; none without a couple."""
    if couple is None:
        return ProgressReport.objects.none()
    return (
        ProgressReport.objects.for_clinic(clinic)
        .filter(couple=couple, status=Status.DONE)
        .filter(Q(audience=Audience.COUPLE) | Q(audience=Audience.PARTNER, partner=client))
        .order_by("-created_at")
    )


def reports_for_member(*, clinic, membership) -> QuerySet[ProgressReport]:
    """Reports of the couples this member may see (all of the clinic for an admin)."""
    couples = couples_visible_to(clinic=clinic, membership=membership)
    return ProgressReport.objects.for_clinic(clinic).filter(couple__in=couples)
