"""Reads that need care: what a member of a clinic may see. Every selector takes the clinic."""

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from clinic.models import (
    ArchivableQuerySet,
    BreakGlass,
    Client,
    Clinic,
    ConfidentialityAgreement,
    Couple,
    CoupleTherapist,
    Membership,
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
    """The couples whose clinical record a member may open: those assigned to them, and for an
    admin also those they opened by break-glass (a stated reason, for a limited time). Being an
    admin alone opens no couple: the clinic's other cases are listed for admins by name only
    (`couples_outside_caseload`)."""
    qs = Couple.objects.for_clinic(clinic)
    assigned = CoupleTherapist.objects.filter(couple=OuterRef("pk"), therapist=membership.user)
    if not membership.is_admin:
        return qs.filter(Exists(assigned))
    opened = BreakGlass.objects.for_clinic(clinic).open_at(timezone.now())
    return qs.filter(
        Exists(assigned) | Exists(opened.filter(couple=OuterRef("pk"), user=membership.user))
    )


def couples_outside_caseload(*, clinic: Clinic, membership: Membership) -> QuerySet[Couple]:
    """For an admin: the clinic's live couples they may not open without break-glass, with
    names and therapists only (what an admin needs to know a case exists and who holds it)."""
    therapists = Prefetch("therapists", queryset=User.objects.order_by("full_name", "email"))
    visible = couples_visible_to(clinic=clinic, membership=membership)
    return (
        Couple.objects.for_clinic(clinic)
        .live()
        .exclude(pk__in=visible.values("pk"))
        .select_related("partner_a", "partner_b")
        .prefetch_related(therapists)
        .order_by("partner_a__legal_name", "partner_b__legal_name")
    )


def break_glass_notices(*, couple: Couple) -> QuerySet[BreakGlass]:
    """Every break-glass opening of a couple, newest first, with who opened it (shown to the
    couple's therapists on the couple page)."""
    return (
        BreakGlass.objects.for_clinic(couple.clinic_id)
        .filter(couple=couple)
        .select_related("user")
        .order_by("-opened_at")
    )


def clients_visible_to(*, clinic: Clinic, membership: Membership) -> ArchivableQuerySet:
    """Partners of the couples the member may open (couples_visible_to, break-glass included)
    and clients they registered; for an admin also every client in no couple yet (intake: no
    clinical record to open, and someone has to pair them)."""
    couples = couples_visible_to(clinic=clinic, membership=membership)
    rule = (
        Q(pk__in=couples.values("partner_a"))
        | Q(pk__in=couples.values("partner_b"))
        | Q(created_by=membership.user)
    )
    if membership.is_admin:
        paired = Couple.objects.for_clinic(clinic)
        rule |= ~Q(pk__in=paired.values("partner_a")) & ~Q(pk__in=paired.values("partner_b"))
    return Client.objects.for_clinic(clinic).filter(rule)


#: clients one list of the "Open a case" form offers: a screen's worth; anyone else is found
#: by name (a select of a thousand clients is neither quick to send nor to choose from)
PAIRING_CHOICES = 50


def clients_to_pair(
    *, clinic: Clinic, membership: Membership, name: str = "", chosen: Iterable = ()
) -> tuple[list[Client], bool]:
    """The live clients one partner list of "Open a case" offers, and whether more match than
    it shows: those whose legal or preferred name contains `name`, alphabetically; without a
    name, those in no case yet, newest first (the two just added, about to be paired). The
    clients in `chosen` (ids already picked) are always among them. At most PAIRING_CHOICES
    besides the chosen, in one query."""
    clients = clients_visible_to(clinic=clinic, membership=membership).live()
    name = name.strip()
    if name:
        match = name_contains(name)
        order: tuple[str, ...] = ("legal_name", "preferred_name", "pk")
    else:
        paired = Couple.objects.for_clinic(clinic)
        match = ~Q(pk__in=paired.values("partner_a")) & ~Q(pk__in=paired.values("partner_b"))
        order = ("-created_at", "pk")
    chosen = list(chosen)
    if chosen:
        clients = clients.filter(match | Q(pk__in=chosen)).alias(is_chosen=Q(pk__in=chosen))
        order = ("-is_chosen", *order)
    else:
        clients = clients.filter(match)
    found = list(
        clients.order_by(*order).only("pk", "legal_name", "preferred_name")[
            : len(chosen) + PAIRING_CHOICES + 1
        ]
    )
    picked = [c for c in found if c.pk in chosen]
    others = [c for c in found if c.pk not in chosen]
    return picked + others[:PAIRING_CHOICES], len(others) > PAIRING_CHOICES


#: what the caseload (page and API) shows of each partner and each therapist
CASELOAD_PARTNER_FIELDS = ("clinic", "legal_name", "preferred_name", "pronouns")
CASELOAD_THERAPIST_FIELDS = ("full_name", "email")


def couples_for_caseload(
    *, clinic: Clinic, membership: Membership, include_archived: bool = False
) -> QuerySet[Couple]:
    """The caseload: couples with both partners and therapists loaded in a fixed number of
    queries, whatever the number of couples. Archived couples only when asked for.

    Of the partners and therapists only what the caseload shows is read (names, pronouns):
    not a page of addresses and emergency contacts, nor the therapists' logins."""
    staff = User.objects.order_by("full_name", "email").only(*CASELOAD_THERAPIST_FIELDS)
    qs = couples_visible_to(clinic=clinic, membership=membership)
    if not include_archived:
        qs = qs.live()
    return (
        qs.select_related("partner_a", "partner_b")
        .only(
            *(field.name for field in Couple._meta.concrete_fields),
            *(
                f"{side}__{name}"
                for side in ("partner_a", "partner_b")
                for name in CASELOAD_PARTNER_FIELDS
            ),
        )
        .prefetch_related(Prefetch("therapists", queryset=staff))
    )


def couples_named(queryset: QuerySet[Couple], text: str) -> QuerySet[Couple]:
    """Couples where either partner's legal or preferred name contains `text` (any case)."""
    text = text.strip()
    if not text:
        return queryset
    return queryset.filter(name_contains(text, "partner_a__") | name_contains(text, "partner_b__"))


def name_contains(text: str, through: str = "") -> Q:
    """A client whose legal or preferred name contains `text` (any case); `through` reaches the
    client from another model ("partner_a__" from a couple)."""
    return Q(**{f"{through}legal_name__icontains": text}) | Q(
        **{f"{through}preferred_name__icontains": text}
    )


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
