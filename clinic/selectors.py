"""Reads that need care: what a member of a clinic may see. Every selector takes the clinic."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from clinic.models import (
    ArchivableQuerySet,
    Client,
    Clinic,
    ConfidentialityAgreement,
    Couple,
    Membership,
    Role,
    User,
)
from clinic.tenancy import across_clinics


def membership_for(*, clinic: Clinic, user) -> Membership | None:
    """The user's active membership of the clinic, or None. It carries `has_second_factor`
    (an authenticator app or security key is enrolled), read in the same query."""
    if not getattr(user, "is_authenticated", False):
        return None
    from allauth.mfa.models import Authenticator

    factors = Authenticator.objects.filter(
        user_id=OuterRef("user_id"),
        type__in=(Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN),
    )
    return (
        Membership.objects.with_scopes_disabled()
        .filter(clinic=clinic, user=user, is_active=True)
        .select_related("user")
        .annotate(has_second_factor=Exists(factors))
        .first()
    )


def clinics_for_user(*, user) -> QuerySet[Clinic]:
    """Clinics where the user is an active member."""
    return Clinic.objects.filter(id__in=[m.clinic_id for m in memberships_of(user=user)])


def memberships_of(*, user) -> list[Membership]:
    """The user's active memberships in every clinic (an identity look-up, across clinics)."""
    with across_clinics():
        return list(
            Membership.objects.filter(user=user, is_active=True)
            .select_related("clinic")
            .order_by("created_at")
        )


def couples_visible_to(*, clinic: Clinic, membership: Membership) -> ArchivableQuerySet:
    """Admins see the whole clinic; a therapist sees the couples assigned to them."""
    qs = Couple.objects.for_clinic(clinic)
    if membership.role != Role.ADMIN:
        qs = qs.filter(therapists=membership.user)
    return qs


def clients_visible_to(*, clinic: Clinic, membership: Membership) -> QuerySet[Client]:
    """Admins see every client; a therapist sees partners of their couples and clients they
    registered who are not yet in a couple (intake in progress)."""
    qs = Client.objects.for_clinic(clinic)
    if membership.role == Role.ADMIN:
        return qs
    user = membership.user
    return qs.filter(
        Q(couples_as_a__therapists=user) | Q(couples_as_b__therapists=user) | Q(created_by=user)
    ).distinct()


def couples_for_caseload(
    *, clinic: Clinic, membership: Membership, include_archived: bool = False
) -> QuerySet[Couple]:
    """The caseload: couples with both partners and therapists loaded in a fixed number of
    queries, whatever the number of couples. Archived couples only when asked for."""
    therapists = Prefetch("therapists", queryset=User.objects.order_by("full_name", "email"))
    qs = couples_visible_to(clinic=clinic, membership=membership)
    if not include_archived:
        qs = qs.live()
    return qs.select_related("partner_a", "partner_b").prefetch_related(therapists)


def couples_named(queryset: QuerySet[Couple], text: str) -> QuerySet[Couple]:
    """Couples where either partner's legal or preferred name contains `text` (any case)."""
    text = text.strip()
    if not text:
        return queryset
    match = Q()
    for side in ("partner_a", "partner_b"):
        for name in ("legal_name", "preferred_name"):
            match |= Q(**{f"{side}__{name}__icontains": text})
    return queryset.filter(match)


def get_couple_for_member(*, clinic: Clinic, membership: Membership, couple_id) -> Couple:
    """The couple if this member may see it, else Http404 (never 403: existence stays hidden)."""
    couple = (
        couples_visible_to(clinic=clinic, membership=membership)
        .select_related("partner_a", "partner_b")
        .filter(pk=couple_id)
        .first()
    )
    if couple is None:
        raise Http404("No such couple.")
    # The couple's clinic is the one asked for: share that row instead of loading it again.
    couple.clinic = clinic
    return couple


def get_client_for_member(*, clinic: Clinic, membership: Membership, client_id) -> Client:
    """A live client this member may see, else Http404."""
    client = (
        clients_visible_to(clinic=clinic, membership=membership)
        .filter(pk=client_id, archived_at__isnull=True)
        .first()
    )
    if client is None:
        raise Http404("No such client.")
    return client


def therapists_of(*, clinic: Clinic) -> QuerySet[User]:
    """Users with an active membership of the clinic (admins may also carry a caseload)."""
    return User.objects.filter(memberships__clinic=clinic, memberships__is_active=True).order_by(
        "full_name", "email"
    )


def confidentiality_agreements_of(*, couple: Couple) -> list[ConfidentialityAgreement]:
    """The couple's recorded policy changes, newest first (one query)."""
    return list(
        ConfidentialityAgreement.objects.for_clinic(couple.clinic_id)
        .filter(couple=couple)
        .select_related("recorded_by", "partner_a", "partner_b")
        .order_by("-recorded_at")
    )
