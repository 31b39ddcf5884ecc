"""Attune's side of django-allauth: no self-service sign-up, one client address for every
counter, staff keep their second factor, and what ends access or is audited on account events."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import record_authentication
from allauth.account.signals import password_changed, password_reset, password_set
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added, authenticator_removed
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from clinic import session_limits
from clinic.audit import client_ip, record_event
from clinic.identity import SECOND_FACTOR_TYPES, end_all_access
from clinic.lockout import attempted_email
from clinic.models import Client, Clinic, Membership, User
from clinic.tenancy import across_clinics, scope


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # People are invited by their clinic; nobody creates an account on their own.
        return False

    def get_client_ip(self, request) -> str:
        # An address for the login counters when none is known, not an address to bind.
        return client_ip(request) or "0.0.0.0"  # noqa: S104  # nosec B104


def is_staff(user) -> bool:
    """An active member of some clinic (admin or therapist): needs a second factor."""
    with across_clinics():  # an identity look-up: in whichever clinic
        return Membership.objects.filter(user=user, is_active=True).exists()


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # Staff may swap their second factor but never be left without one.
        if authenticator.type not in SECOND_FACTOR_TYPES or not is_staff(authenticator.user):
            return True
        others = Authenticator.objects.filter(
            user_id=authenticator.user_id, type__in=SECOND_FACTOR_TYPES
        ).exclude(pk=authenticator.pk)
        return others.exists()


def clinics_of(user) -> list[Clinic]:
    """Where events of this account are audited: each clinic it works in or is a client of."""
    with across_clinics():  # an identity look-up across clinics
        clinic_ids = set(Membership.objects.filter(user=user).values_list("clinic_id", flat=True))
        clinic_ids |= set(
            Client.objects.filter(portal_user=user).values_list("clinic_id", flat=True)
        )
    return list(Clinic.objects.filter(pk__in=clinic_ids))


def audit_account_event(user, action: str, request=None, **detail) -> None:
    """Record an account event (login, lockout, password or MFA change) in the user's clinics."""
    if user is None or user.pk is None:
        return
    for clinic in clinics_of(user):
        with scope(clinic=clinic):  # the event is a row of that clinic
            record_event(
                clinic=clinic,
                actor=user,
                action=action,
                obj=user,
                request=request,
                detail=detail or None,
            )


def _user_named(request, credentials) -> User | None:
    email = attempted_email(request, credentials)
    return User.objects.filter(email=email).first() if email else None


@receiver(user_logged_in, dispatch_uid="attune-audit-login")
def _on_logged_in(sender, request, user, **kwargs):
    if getattr(request, "user", user) == user:  # a session login, not the API token login
        session_limits.start(request, user)
    audit_account_event(user, "login", request)


@receiver(user_login_failed, dispatch_uid="attune-audit-login-failed")
def _on_login_failed(sender, credentials, request=None, **kwargs):
    if getattr(request, "axes_locked_out", False):
        # The failure that locked is audited as the lockout; attempts refused while locked
        # are not new guesses (no password was checked).
        return
    # A wrong code or security key after a right password says which step failed.
    detail = {"second_factor": kwargs["second_factor"]} if kwargs.get("second_factor") else {}
    audit_account_event(_user_named(request, credentials), "login_failed", request, **detail)


@receiver(user_locked_out, dispatch_uid="attune-audit-locked-out")
def _on_locked_out(sender, request, username, ip_address, **kwargs):
    user = User.objects.filter(email=username).first() if username else None
    audit_account_event(user, "login_locked", request)


@receiver(user_logged_out, dispatch_uid="attune-end-access-on-logout")
def _on_logged_out(sender, request, user, **kwargs):
    if user is not None and user.pk is not None:
        end_all_access(user)
        audit_account_event(user, "logout", request)


@receiver(password_changed, dispatch_uid="attune-password-changed")
@receiver(password_set, dispatch_uid="attune-password-set")
def _on_password_changed(sender, request, user, **kwargs):
    end_all_access(user, request=request)
    audit_account_event(user, "password_change", request)


@receiver(password_reset, dispatch_uid="attune-password-reset")
def _on_password_reset(sender, request, user, **kwargs):
    end_all_access(user)
    audit_account_event(user, "password_reset", request)


@receiver(authenticator_added, dispatch_uid="attune-mfa-added")
def _on_authenticator_added(sender, request, user, authenticator, **kwargs):
    # Enrolling checked a code from the new factor: this session has passed a second factor.
    if authenticator.type in SECOND_FACTOR_TYPES:
        record_authentication(
            request, user, "mfa", id=authenticator.pk, type=authenticator.type, enrolled=True
        )
    end_all_access(user, request=request)
    audit_account_event(user, "mfa_added", request, type=authenticator.type)


@receiver(authenticator_removed, dispatch_uid="attune-mfa-removed")
def _on_authenticator_removed(sender, request, user, authenticator, **kwargs):
    end_all_access(user, request=request)
    audit_account_event(user, "mfa_removed", request, type=authenticator.type)
