"""Reads of reports that need care."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from clinic.selectors import couples_visible_to
from reports.models import Audience, ProgressReport, Status


def reports_for_partner(*, clinic, couple, client) -> QuerySet[ProgressReport]:
    """Reports the therapist has shared with this partner: the couple's, and their own partner
    report; never the other partner's, a clinical one, or one built for a clinic export.
    When the same report (audience and period) was shared more than once, only the latest
    shows. Newest first; none without a couple."""
    if couple is None:
        return ProgressReport.objects.none()
    shared = (
        ProgressReport.objects.for_clinic(clinic)
        .filter(couple=couple, status=Status.DONE, shared_at__isnull=False, export__isnull=True)
        .filter(Q(audience=Audience.COUPLE) | Q(audience=Audience.PARTNER, partner=client))
    )
    newer_copy = shared.filter(
        audience=OuterRef("audience"),
        period_start=OuterRef("period_start"),
        period_end=OuterRef("period_end"),
        created_at__gt=OuterRef("created_at"),
    )
    return shared.exclude(Exists(newer_copy)).select_related("couple").order_by("-created_at")


def reports_for_member(*, clinic, membership) -> QuerySet[ProgressReport]:
    """Reports of the couples this member may see (all of the clinic for an admin)."""
    couples = couples_visible_to(clinic=clinic, membership=membership)
    return ProgressReport.objects.for_clinic(clinic).filter(couple__in=couples)


def shared_with(report: ProgressReport) -> list[str]:
    """Ids of the partners who can read the report in the portal (none unless shared)."""
    if report.shared_at is None or report.audience == Audience.CLINICAL:
        return []
    if report.audience == Audience.PARTNER:
        return [str(report.partner_id)]
    return [str(report.couple.partner_a_id), str(report.couple.partner_b_id)]
