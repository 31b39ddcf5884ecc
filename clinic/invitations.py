"""Invitations: how staff (by an admin) and clients (by their therapist, to the portal) get in.

An invitation is a single-use link that expires after 72 hours; re-sending replaces the link,
revoking ends it. Inviting an address tells the inviter nothing about whether it already has an
Attune login anywhere: the same invitation is sent either way, and only the person who accepts
learns whether to set a password or to log in with the one they have. Every step is audited.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clinic.audit import record_event
from clinic.identity import end_all_access
from clinic.models import Client, Clinic, Invitation, Membership, Role, User
from clinic.permissions import require_admin_of
from clinic.tenancy import across_clinics, scope

VALID_FOR = timedelta(hours=72)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token(invitation: Invitation) -> str:
    token = secrets.token_urlsafe(32)
    invitation.token_digest = _digest(token)
    invitation.sent_at = timezone.now()
    invitation.expires_at = invitation.sent_at + VALID_FOR
    return token


def invitation_url(token: str, request=None) -> str:
    path = reverse("invitation-accept", args=[token])
    base = settings.PORTAL_BASE_URL.rstrip("/")
    if base:
        return base + path
    return request.build_absolute_uri(path) if request is not None else path


def _send(invitation: Invitation, token: str, request=None) -> None:
    clinic = invitation.clinic
    if invitation.kind == Invitation.Kind.STAFF:
        subject = f"You are invited to join {clinic.name} on Attune"
        what = (
            f"{clinic.name} invites you to work with them on Attune "
            f"as {invitation.get_role_display().lower()}."
        )
    else:
        subject = f"Your portal at {clinic.name}"
        what = (
            f"Your therapist at {clinic.name} has given you access to your client portal on "
            "Attune, where you can see your sessions and homework and keep your logs."
        )
    body = (
        f"Hello,\n\n{what}\n\nOpen this link to set your password and get started:\n\n"
        f"{invitation_url(token, request)}\n\n"
        "The link works once and expires in 72 hours. If you were not expecting this email, "
        "you can ignore it.\n"
    )
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    )


def _pending(clinic: Clinic):
    return Invitation.objects.for_clinic(clinic).filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


@transaction.atomic
def staff_invite(
    *,
    clinic: Clinic,
    by: User,
    email: str,
    role: str = Role.THERAPIST,
    full_name: str = "",
    is_supervised: bool = False,
    supervisor: User | None = None,
    request=None,
) -> Invitation:
    """Invite a person by email to work in the clinic with a role (therapist unless chosen)."""
    require_admin_of(clinic=clinic, user=by)
    invitation, _ = _invite_staff(
        clinic=clinic,
        by=by,
        email=email,
        role=role,
        full_name=full_name,
        is_supervised=is_supervised,
        supervisor=supervisor,
        request=request,
    )
    return invitation


@transaction.atomic
def first_admin_invite(
    *, clinic: Clinic, email: str, full_name: str = ""
) -> tuple[Invitation, str]:
    """An admin invitation from the command line (`manage.py createadmin`), for a clinic's first
    admin: whoever runs it has the server, so no admin is asked. Returns it and its link."""
    invitation, token = _invite_staff(
        clinic=clinic,
        by=None,
        email=email,
        role=Role.ADMIN,
        full_name=full_name,
    )
    return invitation, invitation_url(token)


def _invite_staff(
    *,
    clinic: Clinic,
    by: User | None,
    email: str,
    role: str,
    full_name: str = "",
    is_supervised: bool = False,
    supervisor: User | None = None,
    request=None,
) -> tuple[Invitation, str]:
    email = email.strip().lower()
    # Only this clinic's own records are consulted: nothing says whether the address has a
    # login elsewhere (another clinic's staff, someone's portal).
    if Membership.objects.for_clinic(clinic).filter(user__email=email, is_active=True).exists():
        raise ValidationError({"email": "This person is already a member of the clinic."})
    if _pending(clinic).filter(kind=Invitation.Kind.STAFF, email=email).exists():
        raise ValidationError(
            {"email": "An invitation to this address is waiting: re-send or revoke it."}
        )
    invitation = Invitation(
        clinic=clinic,
        kind=Invitation.Kind.STAFF,
        email=email,
        full_name=full_name,
        role=role,
        is_supervised=is_supervised,
        supervisor=supervisor if is_supervised else None,
        invited_by=by,
    )
    token = _issue(invitation, by=by, request=request, detail={"kind": "staff", "role": role})
    return invitation, token


@transaction.atomic
def portal_invite(*, client: Client, by: User, request=None) -> Invitation | None:
    """Give a client portal access: an invitation to their address (or, when they had a portal
    login whose access was revoked, that access back at once)."""
    clinic = client.clinic
    if client.archived_at:
        raise ValidationError("This client is archived.")
    if client.portal_user_id and client.portal_revoked_at:
        client.portal_revoked_at = None
        client.save(update_fields=["portal_revoked_at", "updated_at"])
        record_event(
            clinic=clinic,
            actor=by,
            action="portal_grant",
            obj=client,
            request=request,
        )
        return None
    if client.portal_user_id:
        raise ValidationError("This client already has portal access.")
    if not client.email:
        raise ValidationError({"email": "Add the client's email address first."})
    pending = _pending(clinic).filter(kind=Invitation.Kind.PORTAL, client=client)
    if pending.exists():
        raise ValidationError("An invitation is waiting: re-send or revoke it.")
    invitation = Invitation(
        clinic=clinic,
        kind=Invitation.Kind.PORTAL,
        email=client.email.strip().lower(),
        full_name=client.display_name,
        client=client,
        invited_by=by,
    )
    _issue(invitation, by=by, request=request, detail={"kind": "portal", "client": str(client.pk)})
    return invitation


def _issue(invitation: Invitation, *, by: User | None, request, detail: dict) -> str:
    """Save a new invitation with a fresh link, email it and audit its creation; the token."""
    token = _new_token(invitation)
    invitation.save()
    _send(invitation, token, request)
    record_event(
        clinic=invitation.clinic,
        actor=by,
        action="invitation_create",
        obj=invitation,
        request=request,
        detail=detail,
    )
    return token


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by: User, request=None) -> Invitation:
    """Send a fresh link (the old one stops working) valid for another 72 hours."""
    if invitation.kind == Invitation.Kind.STAFF:
        require_admin_of(clinic=invitation.clinic, user=by)
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError("This invitation was already accepted or revoked.")
    token = _new_token(invitation)
    invitation.save(update_fields=["token_digest", "sent_at", "expires_at"])
    _send(invitation, token, request)
    record_event(
        clinic=invitation.clinic,
        actor=by,
        action="invitation_resend",
        obj=invitation,
        request=request,
    )
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User, request=None) -> Invitation:
    """End a waiting invitation: its link no longer works."""
    if invitation.kind == Invitation.Kind.STAFF:
        require_admin_of(clinic=invitation.clinic, user=by)
    if invitation.accepted_at:
        raise ValidationError("This invitation was already accepted.")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        record_event(
            clinic=invitation.clinic,
            actor=by,
            action="invitation_revoke",
            obj=invitation,
            request=request,
        )
    return invitation


@transaction.atomic
def portal_revoke(*, client: Client, by: User, request=None) -> Client:
    """End a client's portal access now: every session and API token of their login ends, and
    waiting invitations are revoked. The clinical record is untouched."""
    for invitation in _pending(client.clinic).filter(kind=Invitation.Kind.PORTAL, client=client):
        invitation_revoke(invitation=invitation, by=by, request=request)
    if client.portal_user_id and client.portal_revoked_at is None:
        client.portal_revoked_at = timezone.now()
        client.save(update_fields=["portal_revoked_at", "updated_at"])
        end_all_access(client.portal_user)
        record_event(
            clinic=client.clinic,
            actor=by,
            action="portal_revoke",
            obj=client,
            request=request,
        )
    return client


def invitation_for_token(token: str) -> Invitation | None:
    """The waiting invitation behind a link, or None (unknown, used, revoked or expired)."""
    with across_clinics():  # the link, not a URL, says which clinic
        invitation = (
            Invitation.objects.select_related("clinic", "client")
            .filter(token_digest=_digest(token))
            .first()
        )
    return invitation if invitation is not None and invitation.is_pending else None


def existing_login(invitation: Invitation) -> User | None:
    return User.objects.filter(email=invitation.email).first()


@transaction.atomic
def _accept(
    *,
    invitation: Invitation,
    user: User | None,
    password: str = "",
    full_name: str = "",
    request=None,
) -> User:
    # Lock the row: a link clicked twice at once is used once.
    invitation = Invitation.objects.with_scopes_disabled().select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValidationError("This invitation link is no longer valid.")
    if user is None:
        if existing_login(invitation) is not None:
            raise ValidationError("Log in to accept this invitation.")
        candidate = User(email=invitation.email, full_name=full_name or invitation.full_name)
        try:
            validate_password(password, candidate)
        except ValidationError as exc:
            raise ValidationError({"password1": exc.messages}) from exc
        user = User.objects.create_user(
            email=invitation.email, password=password, full_name=candidate.full_name
        )
    elif user.email != invitation.email:
        raise ValidationError("This invitation is for another email address.")
    clinic = invitation.clinic
    if invitation.kind == Invitation.Kind.STAFF:
        with across_clinics():  # a portal login in any clinic
            is_portal_login = Client.objects.filter(portal_user=user).exists()
        if is_portal_login:
            raise ValidationError(
                "This address is a client's portal login; ask the clinic to invite another address."
            )
        membership = Membership.objects.for_clinic(clinic).filter(user=user).first()
        if membership is None:
            membership = Membership(clinic=clinic, user=user)
        membership.role, membership.is_active = invitation.role, True
        membership.is_supervised = invitation.is_supervised
        membership.supervisor = invitation.supervisor
        membership.save()
        obj = membership
    else:
        # Every clinic counts here, not only this one: a login is staff or one client's portal.
        with across_clinics():
            staff_anywhere = Membership.objects.filter(user=user).exists()
            client_anywhere = Client.objects.filter(portal_user=user).exists()
        if staff_anywhere or client_anywhere:
            raise ValidationError(
                "This address already has an Attune login that cannot be used for this portal; "
                "ask your therapist to use another address."
            )
        client = Client.objects.for_clinic(clinic).select_for_update().get(pk=invitation.client_id)
        client.portal_user, client.portal_revoked_at = user, None
        client.save(update_fields=["portal_user", "portal_revoked_at", "updated_at"])
        obj = client
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    record_event(
        clinic=clinic,
        actor=user,
        action="invitation_accept",
        obj=invitation,
        request=request,
        detail={
            "kind": invitation.kind,
            "member" if invitation.kind == "staff" else "client": str(obj.pk),
        },
    )
    return user


def invitation_accept(
    *,
    invitation: Invitation,
    user: User | None,
    password: str = "",
    full_name: str = "",
    request=None,
) -> User:
    """Accept: with no login for the address yet, create it with `password`; otherwise `user`
    (logged in as the invited address) accepts. Staff become members with the invited role;
    a client's portal login is linked to their record. The link is used up.

    Runs in the invitation's clinic scope: the link, not a URL, names the clinic."""
    with scope(clinic=invitation.clinic):
        return _accept(
            invitation=invitation,
            user=user,
            password=password,
            full_name=full_name,
            request=request,
        )


PORTAL_STATUS_LABELS = {
    "none": "No access",
    "invited": "Invited",
    "active": "Active",
    "revoked": "Access ended",
}


def portal_statuses(clients, *, clinic: Clinic) -> list[tuple[Client, dict]]:
    """Each client's portal status (none, invited, active, revoked) for the couple page: no
    query when every client has access, else one for their waiting invitations."""
    clients = list(clients)
    without_access = [c for c in clients if not (c.portal_user_id and c.portal_revoked_at is None)]
    invited: set = set()
    if without_access:
        invited = set(
            _pending(clinic)
            .filter(kind=Invitation.Kind.PORTAL, client__in=without_access)
            .values_list("client_id", flat=True)
        )
    result = []
    for client in clients:
        if client.portal_user_id and client.portal_revoked_at is None:
            key = "active"
        elif client.pk in invited:
            key = "invited"
        elif client.portal_user_id:
            key = "revoked"
        else:
            key = "none"
        result.append((client, {"key": key, "label": PORTAL_STATUS_LABELS[key]}))
    return result


def waiting_portal_invitation(client: Client) -> Invitation | None:
    return _pending(client.clinic).filter(kind=Invitation.Kind.PORTAL, client=client).first()
