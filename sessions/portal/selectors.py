"""Reads for the partner's portal: the homework that concerns them and their upcoming sessions."""

from django.db.models import Q, QuerySet

from clinic.confidentiality import Material
from clinic.models import Client, Couple
from clinic.sharing_filters import partner_material_q, partner_may_see
from sessions.homework.selectors import with_agreements
from sessions.models import (
    Homework,
)


def homework_for_portal(*, couple: Couple, client: Client) -> QuerySet[Homework]:
    """Homework a partner sees: the couple's, their own, and the other partner's only when the
    confidentiality policy lets them. Archived homework is never shown to partners."""
    mine_or_shared = partner_material_q(
        couple=couple, client=client, material=Material.HOMEWORK, model=Homework
    )
    qs = (
        Homework.objects.for_clinic(couple.clinic)
        .live()
        .filter(couple=couple)
        .filter(Q(partner__isnull=True) | mine_or_shared)
    )
    return with_agreements(qs)


def upcoming_sessions_for(*, couple: Couple | None, client: Client) -> list:
    """The couple's scheduled future sessions this partner may see: joint ones, their own
    individual ones, and the other partner's only when the policy allows. Never notes."""
    from sessions.models import TherapySession

    if couple is None:
        return []
    sessions = (
        TherapySession.objects.for_clinic(couple.clinic)
        .filter(couple=couple)
        .upcoming()
        .order_by("starts_at")
    )
    return [
        session
        for session in sessions
        if partner_may_see(
            couple=couple,
            client=client,
            material=Material.SESSION,
            owner_id=session.partner_id,
            obj=session,
        )
    ]
