"""Who may reach clinical data, and ending a person's access everywhere at once.

Staff (admins and therapists) reach no clinical page or API route without a second factor:
a session must have passed allauth's MFA step (or the TOTP enrolment, which proves the same),
and an API token is issued only after the code (see clinic.api.LoginView), so a token of an
enrolled user stands for it. One predicate, used by the page decorator and the API base alike.
"""

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.contrib.auth import update_session_auth_hash
from django.db.models import Count
from django.utils import timezone
from knox.models import AuthToken

SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def has_second_factor(user) -> bool:
    """The user has enrolled a TOTP app or a security key (recovery codes alone do not count)."""
    return Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTOR_TYPES).exists()


def second_factor_counts(user) -> dict[str, int]:
    """How many of each second factor the user has enrolled ({"totp": 1, "webauthn": 2});
    empty when none."""
    rows = (
        Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTOR_TYPES)
        .values("type")
        .annotate(n=Count("id"))
    )
    return {row["type"]: row["n"] for row in rows}


def passed_second_factor(request, membership=None) -> bool:
    """This request's login went through a second factor.

    A session must carry allauth's record of an MFA step (adding or removing a factor ends the
    person's other sessions). An API token can only have been issued after the code, so it
    suffices that the user still has a second factor: `membership.has_second_factor` when the
    membership was read by `membership_for` (no extra query), else one query."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return False
    if isinstance(getattr(request, "auth", None), AuthToken):
        known = getattr(membership, "has_second_factor", None)
        return known if known is not None else has_second_factor(user)
    records = get_authentication_records(request, user)
    return any(r.get("method") == "mfa" for r in records)


def end_all_access(user, *, request=None) -> None:
    """End every session and API token of the user (logout everywhere, password or MFA change,
    revoked portal access, deactivated member). With `request` of the same user, that one
    session stays signed in (a person changing their own password keeps working)."""
    from clinic.models import User

    user.access_revoked_at = timezone.now()
    User.objects.filter(pk=user.pk).update(access_revoked_at=user.access_revoked_at)
    AuthToken.objects.filter(user=user).delete()
    if request is not None and getattr(request, "user", None) == user:
        update_session_auth_hash(request, user)


ENROL, VERIFY = "enrol", "verify"


def second_factor_problem(request, *, required: bool, membership=None) -> str | None:
    """None when the request may go on; else ENROL (no second factor yet) or VERIFY (this login
    did not pass the one the user has). `required` is True for staff and for clients of a clinic
    that requires it. A client who opted in needs no check here: allauth asks for their code at
    every login, and enrolling ends their other sessions and tokens."""
    if not required or passed_second_factor(request, membership):
        return None
    return VERIFY if has_second_factor(request.user) else ENROL


SECOND_FACTOR_NEEDED = (
    "A second factor is required: set up an authenticator app on the website, then log in "
    "with its code."
)


TOTP_NEEDED_FOR_API = (
    "API tokens need a code from an authenticator app, and this account's second factor is a "
    "security key, which only a browser can use. Add an authenticator app under Your account, "
    "Two-factor authentication, then send its code."
)


def check_second_factor_code(user, code: str) -> bool:
    """A TOTP code (refused when already used in its window) or an unused recovery code."""
    code = (code or "").strip().replace(" ", "")
    if not code:
        return False
    kinds = (Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES)
    for authenticator in Authenticator.objects.filter(user_id=user.pk, type__in=kinds):
        if authenticator.wrap().validate_code(code):
            authenticator.record_usage()
            return True
    return False


def issue_api_token(*, request, email: str, password: str, code: str = ""):
    """Check the password and, for anyone with a second factor (every staff member has one),
    its code; then issue an expiring API token. The code is an authenticator app's (or a
    recovery code): someone whose only second factor is a security key is told to add an app. Wrong passwords and wrong codes both count
    towards the lockout, and an unknown address answers exactly like a wrong password.

    `request` is Django's HttpRequest (the lockout marks it). Returns (AuthToken, token)."""
    from django.conf import settings
    from django.contrib.auth import authenticate
    from django.contrib.auth.signals import user_logged_in, user_login_failed
    from rest_framework.exceptions import PermissionDenied, ValidationError

    from clinic.accounts import is_staff

    email = email.strip().lower()
    user = authenticate(request, email=email, password=password)
    if user is None or not user.is_active:
        raise ValidationError({"non_field_errors": ["Unable to log in with these credentials."]})
    factors = second_factor_counts(user)
    if factors and Authenticator.Type.TOTP not in factors:
        # A security key answers a challenge in a browser; the token login has nothing to send
        # it, and spending single-use recovery codes on tokens would leave none for a lost key.
        raise ValidationError({"code": [TOTP_NEEDED_FOR_API]})
    if factors:
        if not code:
            raise ValidationError({"code": ["Enter the code from your authenticator app."]})
        if not check_second_factor_code(user, code):
            user_login_failed.send(
                sender=__name__,
                credentials={"email": email},
                request=request,
                second_factor="code",
            )
            raise ValidationError({"code": ["This code is not valid or was already used."]})
    elif is_staff(user) or _client_must_enrol(user):
        raise PermissionDenied(SECOND_FACTOR_NEEDED)
    limit = settings.REST_KNOX.get("TOKEN_LIMIT_PER_USER")
    live = AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).count()
    if limit is not None and live >= limit:
        raise PermissionDenied(
            f"This account already has {limit} live API tokens; log one out before asking "
            "for another."
        )
    instance, token = AuthToken.objects.create(user)
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return instance, token


def _client_must_enrol(user) -> bool:
    from clinic.models import Client
    from clinic.tenancy import across_clinics

    with across_clinics():  # an identity look-up: the login names no clinic yet
        return Client.objects.filter(
            portal_user=user, archived_at__isnull=True, clinic__require_client_mfa=True
        ).exists()
