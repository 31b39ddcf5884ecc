"""Access for server-rendered pages: the same tenancy rules as the API.

`clinic_member_required` resolves the clinic from the URL, checks membership (404 when none),
and runs the view inside that clinic's scope. `portal_client_required` does the same for a
client from their own login, never from ids in the URL.
"""

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from clinic.audit import reads_written_together
from clinic.date_style import clinic_locale
from clinic.identity import ENROL, second_factor_problem
from clinic.models import OPEN_COUPLE_STATUSES, Client, Clinic, Couple
from clinic.selectors import membership_for
from clinic.tenancy import across_clinics, request_transaction, scope


def clinic_member_required(view):
    @wraps(view)
    def wrapper(request, clinic_slug, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        clinic = Clinic.objects.filter(slug=clinic_slug).first()
        if clinic is None:
            raise Http404("No such clinic.")
        # The membership is a row of that clinic; dates are written in its zone and locale.
        with (
            request_transaction(),
            scope(clinic=clinic),
            clinic_locale(clinic),
            reads_written_together(),
        ):
            membership = membership_for(clinic=clinic, user=request.user)
            if membership is None:
                raise Http404("No such clinic.")
            problem = second_factor_problem(request, required=True, membership=membership)
            if problem:
                return second_factor_redirect(request, problem)
            request.clinic, request.membership = clinic, membership
            return view(request, *args, **kwargs)

    return wrapper


def second_factor_redirect(request, problem: str):
    """Send someone who has no second factor to set one up; a login that skipped the one they
    have is ended and starts again (through allauth's MFA step)."""
    if problem == ENROL:
        messages.info(
            request,
            "Attune holds health records: set up an authenticator app (or a security key) to "
            "continue.",
        )
        return redirect(f"{reverse('mfa_activate_totp')}?{urlencode({'next': request.path})}")
    request.session.flush()
    return redirect_to_login(request.get_full_path())


def portal_client_for(user) -> Client | None:
    """The live client record behind a portal login, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    # An identity look-up: the login does not yet say which clinic it belongs to.
    with across_clinics():
        return (
            Client.objects.select_related("clinic")
            .filter(portal_user=user, archived_at__isnull=True, portal_revoked_at__isnull=True)
            .first()
        )


def current_couple_for(client: Client) -> Couple | None:
    """The client's open couple (intake, active or paused), else their most recent one."""
    couples = (
        Couple.objects.for_clinic(client.clinic).live().select_related("partner_a", "partner_b")
    )
    mine = couples.filter(partner_a=client) | couples.filter(partner_b=client)
    couple = (
        mine.filter(status__in=OPEN_COUPLE_STATUSES).order_by("-created_at").first()
        or mine.order_by("-created_at").first()
    )
    if couple is not None:
        # Same clinic as the client's: share the loaded row, save a query wherever it is read.
        couple.clinic = client.clinic
    return couple


def portal_client_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        client = portal_client_for(request.user)
        if client is None:
            raise Http404("No portal record for this login.")
        problem = second_factor_problem(request, required=client.clinic.require_client_mfa)
        if problem:
            return second_factor_redirect(request, problem)
        with (
            request_transaction(),
            scope(clinic=client.clinic),
            clinic_locale(client.clinic),
            reads_written_together(),
        ):
            request.client, request.clinic = client, client.clinic
            request.couple = current_couple_for(client)
            return view(request, *args, **kwargs)

    return wrapper
