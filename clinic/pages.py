"""Server-rendered staff pages: login, caseload, couple page, the intake forms, and the admin
pages for members, the audit trail and clinic settings."""

import time
import uuid

from allauth.account.internal.flows.login import record_authentication
from django import forms
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clinic import invitations, lockout, services, session_limits
from clinic.audit import record_read
from clinic.audit_trail import audit_events, describe
from clinic.date_style import format_when
from clinic.extensions import (
    CASELOAD_ENRICHERS,
    PORTAL_SECTIONS,
    couple_panels,
    enrich_caseload,
    urgent_first,
)
from clinic.form_errors import run_service
from clinic.forms import (
    AuditFilterForm,
    BreakGlassForm,
    ClientForm,
    ClinicSettingsForm,
    CoupleEditForm,
    CoupleForm,
    CoupleStatusForm,
    InvitationPickForm,
    MemberChangeForm,
    MemberDeactivateForm,
    MemberInviteForm,
    MemberUnlockForm,
    SetPasswordForm,
)
from clinic.identity import second_factor_counts
from clinic.models import (
    DEFAULT_LEAVE_URL,
    Client,
    Clinic,
    Couple,
    CoupleStatus,
    Invitation,
    Membership,
    Role,
)
from clinic.page_access import (
    clinic_member_required,
    current_couple_for,
    portal_client_for,
    portal_client_required,
)
from clinic.permissions import admin_page
from clinic.selectors import (
    break_glass_notices,
    clients_visible_to,
    couples_for_caseload,
    couples_named,
    couples_outside_caseload,
    couples_visible_to,
    get_client_for_member,
    get_couple_for_member,
    memberships_of,
    therapists_of,
)


def home(request):
    """Send each person to where they work: staff to a caseload, clients to the portal."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    if portal_client_for(request.user) is not None:
        return redirect("portal-home")
    memberships = memberships_of(user=request.user)
    if not memberships:
        return render(request, "clinic/no_clinic.html", status=403)
    return redirect("caseload", clinic_slug=memberships[0].clinic.slug)


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links; send them to the real icon."""
    return redirect(static("clinic/favicon.svg"), permanent=True)


ACCEPT_TEMPLATE = "clinic/invitation_accept.html"


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    """The emailed link: set a password (no Attune login yet) or accept while logged in as the
    invited address. Staff then set up their second factor; clients land in the portal."""
    invitation = invitations.invitation_for_token(token)
    if invitation is None:
        return render(request, ACCEPT_TEMPLATE, {"invalid": True}, status=404)
    existing = invitations.existing_login(invitation)
    context = {"invitation": invitation, "existing": existing}
    if existing is None and request.user.is_authenticated:
        context["wrong_user"] = True
        return render(request, ACCEPT_TEMPLATE, context)
    if existing is not None and request.user != existing:
        context["wrong_user"] = request.user.is_authenticated
        return render(request, ACCEPT_TEMPLATE, context)
    form = SetPasswordForm(request.POST or None) if existing is None else None
    if request.method == "POST" and (form is None or form.is_valid()):
        data = form.cleaned_data if form is not None else {}
        if form is None:  # accepting with the login one has: errors need a bound form
            target = forms.Form(data={})
            target.is_valid()
        else:
            target = form
        user = run_service(
            target,
            lambda: invitations.invitation_accept(
                invitation=invitation,
                user=existing,
                password=data.get("password1", ""),
                full_name=data.get("full_name", ""),
                request=request,
            ),
        )
        if user:
            if existing is None:
                login(request, user, backend="allauth.account.auth_backends.AuthenticationBackend")
                # They have just chosen the password: that counts as entering it, so setting
                # up the authenticator app next does not ask for it again.
                record_authentication(
                    request, user, "password", email=user.email, reauthenticated=True
                )
            if invitation.kind == Invitation.Kind.STAFF:
                messages.success(request, f"Welcome to {invitation.clinic.name}.")
                return redirect("caseload", clinic_slug=invitation.clinic.slug)
            return redirect("portal-home")
        if form is None:
            context["errors"] = target.non_field_errors()
    context["form"] = form
    return render(request, ACCEPT_TEMPLATE, context)


@login_required
@require_http_methods(["POST"])
def keep_alive(request):
    """ "Stay logged in" on the idle warning: counts as activity, nothing else."""
    session_limits.touch(request.session, time.time(), force=True)
    return HttpResponse(status=204)


@login_required
def account_page(request):
    """Where a person changes their password and second factor (allauth's pages do the work)."""
    return render(
        request,
        "clinic/account.html",
        {"factors": second_factor_counts(request.user)},
    )


def leave_quickly(request):
    """For a client who must hide the portal at once: end the session (every session of the
    login, on the server) and go to the clinic's neutral page on another site. The page's
    script replaces the history entry, so Back does not return to Attune."""
    client = portal_client_for(request.user)
    destination = client.clinic.leave_url if client is not None else DEFAULT_LEAVE_URL
    logout(request)
    response = HttpResponseRedirect(destination)
    response["Cache-Control"] = "no-store"
    return response


#: couples on one page of the caseload: what a screen can show, and what keeps the page fast
#: at any caseload size (the enrichers load per page)
CASELOAD_PAGE_SIZE = 50


@clinic_member_required
def caseload(request):
    """The member's caseload, 50 a page, couples with anything urgent (e.g. an unacknowledged
    risk alert) first across all pages, narrowed by status and by a partner's name."""
    status = request.GET.get("status", "")
    search = request.GET.get("q", "").strip()[:100]
    couples = couples_for_caseload(clinic=request.clinic, membership=request.membership)
    if status in CoupleStatus.values:
        couples = couples.filter(status=status)
    couples = couples_named(couples, search).order_by("status", "-created_at", "id")
    couples = urgent_first(couples, clinic=request.clinic)
    page = Paginator(couples, CASELOAD_PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    enrich_caseload(clinic=request.clinic, membership=request.membership, couples=shown)
    record_read(request, shown)
    enrichers = [e for e in CASELOAD_ENRICHERS.values() if e.template]
    return render(
        request,
        "clinic/caseload.html",
        {
            "couples": shown,
            "page": page,
            "status": status,
            "q": search,
            "statuses": CoupleStatus.choices,
            "enrichers": enrichers,
        },
    )


@clinic_member_required
def couple_detail(request, couple_id):
    couple = get_couple_for_member(
        clinic=request.clinic, membership=request.membership, couple_id=couple_id
    )
    record_read(request, couple)
    return render_couple_page(request, couple)


@clinic_member_required
@admin_page
def clinic_cases(request):
    """For admins: the clinic's live cases that are not on their caseload, by name and
    therapists only, each opened only through break-glass (a stated, time-limited reason)."""
    couples = list(couples_outside_caseload(clinic=request.clinic, membership=request.membership))
    # Names and therapists are shown: a read of each case's record, though not of its content.
    record_read(request, couples, detail={"view": "cases outside the caseload"})
    return render(request, "clinic/clinic_cases.html", {"couples": couples})


@transaction.atomic
@clinic_member_required
@admin_page
@require_http_methods(["GET", "POST"])
def break_glass(request, couple_id):
    """An admin opens a case outside their caseload: a reason and a length of time, flagged in
    the audit trail and shown to the couple's therapists."""
    couple = (
        Couple.objects.for_clinic(request.clinic)
        .select_related("partner_a", "partner_b")
        .filter(pk=couple_id)
        .first()
    )
    if couple is None:
        raise Http404("No such couple.")
    visible = couples_visible_to(clinic=request.clinic, membership=request.membership)
    if visible.filter(pk=couple.pk).exists():
        return redirect("couple-detail", clinic_slug=request.clinic.slug, couple_id=couple.pk)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        opening = run_service(
            form,
            lambda: services.break_glass_open(
                couple=couple, by=request.user, request=request, **form.cleaned_data
            ),
        )
        if opening is not None:
            messages.warning(
                request,
                f"You have opened this case until {format_when(opening.expires_at, 'time')}. "
                "Its therapists can see that you did, and why.",
            )
            return redirect("couple-detail", clinic_slug=request.clinic.slug, couple_id=couple.pk)
    return render(
        request,
        "clinic/break_glass.html",
        {"form": form, "couple": couple, "therapists": couple.therapists.all()},
    )


def render_couple_page(request, couple: Couple, *, status: int = 200):
    """The couple page; a panel whose form was refused shows it again with what was typed
    (the panel reads its bound form from the request)."""
    panels = couple_panels(request=request, couple=couple)
    status_form = CoupleStatusForm(
        next_statuses=services.next_statuses(couple.status), auto_id="id_status_%s"
    )
    return render(
        request,
        "clinic/couple_detail.html",
        {
            "couple": couple,
            "therapists": couple.therapists.all(),
            "panels": panels,
            "status_form": status_form,
            "portal_statuses": invitations.portal_statuses(couple.partners, clinic=request.clinic),
            "break_glass_notices": break_glass_notices(couple=couple),
        },
        status=status,
    )


def _couple_for(request, couple_id) -> Couple:
    return get_couple_for_member(
        clinic=request.clinic, membership=request.membership, couple_id=couple_id
    )


@clinic_member_required
@require_http_methods(["GET", "POST"])
def couple_status_page(request, couple_id):
    """Move a case to another status; closing it asks for the reason."""
    couple = _couple_for(request, couple_id)
    if couple.archived_at:
        raise Http404("No such couple.")
    form = CoupleStatusForm(
        request.POST or None,
        next_statuses=services.next_statuses(couple.status),
        auto_id="id_status_%s",
    )
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form,
            lambda: services.couple_set_status(
                couple=couple, by=request.user, request=request, **form.cleaned_data
            ),
        )
        if done:
            messages.success(request, f"The case is now {couple.get_status_display().lower()}.")
            return redirect("couple-detail", clinic_slug=request.clinic.slug, couple_id=couple.pk)
    record_read(request, couple, detail={"view": "status"})
    return render(
        request,
        "clinic/couple_form.html",
        {
            "form": form,
            "couple": couple,
            "title": f"Change the status of {couple.label}'s case",
            "submit": "Change status",
            "intro": f"The case is {couple.get_status_display().lower()}.",
        },
    )


@clinic_member_required
@require_http_methods(["GET", "POST"])
def couple_edit_page(request, couple_id):
    """Edit a case's intake date, presenting concerns and therapists."""
    couple = _couple_for(request, couple_id)
    if couple.archived_at:
        raise Http404("No such couple.")
    initial = {
        "therapists": list(couple.therapists.all()),
        "intake_date": couple.intake_date,
        "presenting_concerns": couple.presenting_concerns,
    }
    form = CoupleEditForm(request.POST or None, initial=initial, clinic=request.clinic)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        therapists = list(data.pop("therapists"))
        done = run_service(
            form,
            lambda: services.couple_update(
                couple=couple, by=request.user, request=request, therapists=therapists, **data
            ),
        )
        if done:
            messages.success(request, "The case's details were saved.")
            if request.membership.role != Role.ADMIN and request.user not in therapists:
                # A therapist who takes themselves off the case can no longer open it.
                return redirect("caseload", clinic_slug=request.clinic.slug)
            return redirect("couple-detail", clinic_slug=request.clinic.slug, couple_id=couple.pk)
    record_read(request, couple, detail={"view": "edit"})
    return render(
        request,
        "clinic/couple_form.html",
        {
            "form": form,
            "couple": couple,
            "title": f"Edit {couple.label}'s case",
            "submit": "Save details",
        },
    )


@clinic_member_required
@require_http_methods(["GET", "POST"])
def client_edit_page(request, client_id):
    """Edit a partner's contact and personal details."""
    client = get_client_for_member(
        clinic=request.clinic, membership=request.membership, client_id=client_id
    )
    # The form edits a copy, so the service compares the submitted values with the stored ones.
    form = ClientForm(
        request.POST or None, instance=Client.objects.for_clinic(request.clinic).get(pk=client.pk)
    )
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form,
            lambda: services.client_update(
                client=client, by=request.user, request=request, **form.cleaned_data
            ),
        )
        if done:
            messages.success(request, f"{client.display_name}'s details were saved.")
            back = request.GET.get("couple", "")
            couple = (
                Couple.objects.for_clinic(request.clinic).filter(pk=back).first()
                if _is_uuid(back)
                else None
            )
            if couple is not None:
                return redirect(
                    "couple-detail", clinic_slug=request.clinic.slug, couple_id=couple.pk
                )
            return redirect("caseload", clinic_slug=request.clinic.slug)
    record_read(request, client, detail={"view": "edit"})
    return render(
        request,
        "clinic/form_page.html",
        {"form": form, "title": f"Edit {client.display_name}'s details", "submit": "Save details"},
    )


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@clinic_member_required
@require_http_methods(["POST"])
def client_portal_access(request, client_id):
    """The couple page's portal controls: give access (an invitation, or access back), send the
    invitation again, or end access (sessions and tokens end at once)."""
    client = get_object_or_404(
        clients_visible_to(clinic=request.clinic, membership=request.membership), pk=client_id
    )
    action = request.POST.get("action", "")
    name = client.display_name
    try:
        if action == "grant":
            invitation = invitations.portal_invite(client=client, by=request.user, request=request)
            messages.success(
                request,
                f"An invitation was sent to {client.email}."
                if invitation
                else f"{name} has portal access again.",
            )
        elif action == "resend":
            invitation = invitations.waiting_portal_invitation(client)
            if invitation is None:
                raise ValidationError("There is no waiting invitation to send again.")
            invitations.invitation_resend(invitation=invitation, by=request.user, request=request)
            messages.success(request, f"The invitation was sent to {client.email} again.")
        elif action == "revoke":
            invitations.portal_revoke(client=client, by=request.user, request=request)
            messages.success(request, f"{name} no longer has portal access.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    couple = current_couple_for(client)
    if couple is not None:
        return redirect("couple-detail", clinic_slug=request.clinic.slug, couple_id=couple.pk)
    return redirect("caseload", clinic_slug=request.clinic.slug)


@clinic_member_required
@require_http_methods(["GET", "POST"])
def client_new(request):
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        client = run_service(
            form,
            lambda: services.client_create(
                clinic=request.clinic, by=request.user, request=request, **form.cleaned_data
            ),
        )
        if client:
            messages.success(request, f"{client.display_name} was added.")
            return redirect("couple-new", clinic_slug=request.clinic.slug)
    return render(
        request,
        "clinic/form_page.html",
        {"form": form, "title": "Add a client", "submit": "Add client"},
    )


@clinic_member_required
@require_http_methods(["GET", "POST"])
def couple_new(request):
    """Open a case: pick two partners (each list offers clients in no case yet, or those found
    by name: `?find_a=` / `?find_b=`), therapists and the presenting concerns."""
    find = {"partner_a": request.GET.get("find_a", ""), "partner_b": request.GET.get("find_b", "")}
    form = CoupleForm(
        request.POST or None, clinic=request.clinic, membership=request.membership, find=find
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        couple = run_service(
            form,
            lambda: services.couple_create(
                clinic=request.clinic, by=request.user, request=request, **data
            ),
        )
        if couple:
            messages.success(request, f"{couple.label} was opened as a new case.")
            return redirect("couple-detail", clinic_slug=request.clinic.slug, couple_id=couple.pk)
    return render(
        request,
        "clinic/couple_new.html",
        {"form": form, "find_a": find["partner_a"], "find_b": find["partner_b"]},
    )


@portal_client_required
def portal_home(request):
    sections = [
        (s, s.context(request=request))
        for s in sorted(PORTAL_SECTIONS.values(), key=lambda s: s.order)
    ]
    return render(
        request,
        "clinic/portal_home.html",
        {"client": request.client, "couple": request.couple, "sections": sections},
    )


def _member_row_id(membership_pk) -> str:
    # Each row's form gets its own ids, so labels point at the right member's inputs.
    return f"id_m{str(membership_pk)[:8]}_%s"


@clinic_member_required
@admin_page
@require_http_methods(["GET", "POST"])
def members_page(request):
    """Admins list the clinic's members, add one, change a role or supervision, end a membership."""
    clinic = request.clinic
    supervisors = list(therapists_of(clinic=clinic))
    action = request.POST.get("action", "") if request.method == "POST" else ""
    add_form = MemberInviteForm(
        request.POST if action == "invite" else None, supervisors=supervisors, auto_id="id_add_%s"
    )
    posted = None
    staff_invitations = Invitation.objects.for_clinic(clinic).filter(kind=Invitation.Kind.STAFF)
    if action == "invite" and add_form.is_valid():
        data = add_form.cleaned_data
        invitation = run_service(
            add_form,
            lambda: invitations.staff_invite(
                clinic=clinic, by=request.user, request=request, **data
            ),
        )
        if invitation:
            messages.success(request, f"An invitation was sent to {invitation.email}.")
            return redirect("members", clinic_slug=clinic.slug)
    elif action in ("resend", "revoke"):
        pick = InvitationPickForm(request.POST, invitations=staff_invitations)
        if not pick.is_valid():
            raise Http404("No such invitation.")
        invitation = pick.cleaned_data["invitation"]
        service = (
            invitations.invitation_resend if action == "resend" else invitations.invitation_revoke
        )
        done = run_service(
            pick,
            lambda: service(invitation=invitation, by=request.user, request=request),
        )
        if done:
            verb = "sent again" if action == "resend" else "revoked"
            messages.success(request, f"The invitation to {invitation.email} was {verb}.")
        else:
            messages.error(request, " ".join(pick.non_field_errors()))
        return redirect("members", clinic_slug=clinic.slug)
    elif action in ("change", "deactivate", "unlock"):
        if action == "change":
            posted = MemberChangeForm(request.POST, clinic=clinic, supervisors=supervisors)
        elif action == "unlock":
            posted = MemberUnlockForm(request.POST, clinic=clinic)
        else:
            posted = MemberDeactivateForm(request.POST, clinic=clinic)
        if posted.is_valid():
            done = run_service(posted, lambda: _apply_member_change(request, action, posted))
            if done:
                messages.success(request, done)
                if action == "deactivate" and posted.cleaned_data["member"] == request.membership:
                    # Whoever ends their own access can no longer see this clinic's pages.
                    return redirect("home")
                return redirect("members", clinic_slug=clinic.slug)
        elif "member" in posted.errors:
            raise Http404("No such member.")
    elif request.method == "POST":
        # A post that names no known action changes nothing: show the page afresh.
        return redirect("members", clinic_slug=clinic.slug)
    members = list(
        Membership.objects.for_clinic(clinic)
        .select_related("user", "supervisor")
        .order_by("-is_active", "user__email")
    )
    locked = lockout.locked_emails(m.user.email for m in members if m.is_active)
    rows = []
    for m in members:
        change = deactivate = None
        if m.is_active:
            auto_id = _member_row_id(m.pk)
            change = MemberChangeForm(
                initial={
                    "member": m.pk,
                    "role": m.role,
                    "is_supervised": m.is_supervised,
                    "supervisor": m.supervisor_id,
                },
                clinic=clinic,
                supervisors=supervisors,
                auto_id=auto_id,
            )
            deactivate = MemberDeactivateForm(
                initial={"member": m.pk}, clinic=clinic, auto_id=False
            )
            if posted is not None and posted.cleaned_data.get("member") == m:
                if action == "change":
                    posted.auto_id, change = auto_id, posted
                else:
                    posted.auto_id, deactivate = False, posted
        rows.append(
            {
                "member": m,
                "change": change,
                "deactivate": deactivate,
                "locked": m.user.email in locked,
            }
        )
    pending = [i for i in staff_invitations.select_related("invited_by") if i.is_pending]
    return render(
        request,
        "clinic/members.html",
        {"form": add_form, "rows": rows, "pending_invitations": pending},
    )


def _apply_member_change(request, action: str, form) -> str:
    membership = form.cleaned_data["member"]
    if action == "unlock":
        services.member_unlock(membership=membership, by=request.user, request=request)
        return f"{membership.user.email} can log in again."
    if action == "deactivate":
        services.member_deactivate(membership=membership, by=request.user, request=request)
        return f"{membership.user.email} no longer has access to the clinic."
    fields = {k: form.cleaned_data[k] for k in ("role", "is_supervised", "supervisor")}
    services.member_update(membership=membership, by=request.user, request=request, **fields)
    return f"{membership.user.email}'s role and supervision were saved."


AUDIT_PAGE_SIZE = 50


def _plain(value) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


def _audit_filters(data: dict) -> dict:
    return {
        "client": data.get("client"),
        "couple": data.get("couple"),
        "actor": data.get("actor") or "",
        "action": data.get("action") or "",
        "date_from": data.get("date_from"),
        "date_to": data.get("date_to"),
    }


@clinic_member_required
@admin_page
def audit_page(request):
    """The clinic's audit trail, newest first, 50 a page, each event in words with links to
    what it touched, narrowed by a GET form (client or couple, who, what, when)."""
    form = AuditFilterForm(request.GET or None, clinic=request.clinic)
    filters: dict = {}
    if form.is_bound:
        # An invalid field shows its message; the valid ones still narrow the list.
        form.is_valid()
        filters = form.cleaned_data
    events = audit_events(clinic=request.clinic, **_audit_filters(filters))
    if filters.get("object_type"):
        events = events.filter(object_type=filters["object_type"])
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    lines = describe(page.object_list, clinic=request.clinic)
    for line in lines:
        line.event.detail_lines = [f"{k}: {_plain(v)}" for k, v in line.event.detail.items()]
    return render(
        request,
        "clinic/audit.html",
        {"form": form, "page": page, "lines": lines, "client": filters.get("client")},
    )


@transaction.atomic
@clinic_member_required
@admin_page
def audit_client_access(request, client_id):
    """One client's access history as CSV (who read or changed their record, when, what, how);
    the export is itself an audited event."""
    client = Client.objects.for_clinic(request.clinic).filter(pk=client_id).first()
    if client is None:
        raise Http404("No such client.")
    body = services.client_access_history(
        clinic=request.clinic, client=client, by=request.user, request=request
    )
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    name = f"access-history-{client.pk}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@transaction.atomic
@clinic_member_required
@admin_page
@require_http_methods(["GET", "POST"])
def settings_page(request):
    """Admins change the clinic's name, time zone, client-facing defaults and report retention."""
    # The form edits a copy: a rejected form must not leave its values on request.clinic (the
    # header), and the service compares the submitted values with the stored ones.
    clinic = Clinic.objects.get(pk=request.clinic.pk)
    form = ClinicSettingsForm(request.POST or None, instance=clinic)
    if request.method == "POST" and form.is_valid():
        changed = services.clinic_update_settings(
            clinic=request.clinic,
            by=request.user,
            changes=form.cleaned_data,
            request=request,
        )
        messages.success(
            request, "The clinic's settings were saved." if changed else "Nothing was changed."
        )
        return redirect("clinic-settings", clinic_slug=clinic.slug)
    return render(
        request,
        "clinic/form_page.html",
        {"form": form, "title": "Clinic settings", "submit": "Save settings"},
    )
