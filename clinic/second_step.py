"""The second step of a login (an authenticator app's code, a recovery code or a security key)
under the same lockout as the password: each wrong answer is a failed login for django-axes
(counted per account and address, audited), and while the pair is locked even a right answer is
refused. Without this, a stranger holding the password could try codes without end."""

from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm
from allauth.mfa.webauthn.forms import AuthenticateWebAuthnForm
from django import forms
from django.contrib.auth.signals import user_login_failed

from clinic.audit import client_ip
from clinic.lockout import LOCKED_MESSAGE, lock_state


def refuse_if_locked(request, user) -> None:
    """Refuse the step while the account is locked from this address; the lockout middleware
    then answers with the lockout page, as for a password tried while locked."""
    if lock_state(email=user.email, ip=client_ip(request)):
        request.axes_locked_out = True
        raise forms.ValidationError(LOCKED_MESSAGE)


def count_failure(request, user, kind: str) -> None:
    """A wrong second-step answer, counted and audited as a failed login of this account."""
    user_login_failed.send(
        sender=__name__,
        credentials={"email": user.email},
        request=request,
        second_factor=kind,
    )


class LoginCodeForm(AuthenticateForm):
    """allauth's code step (authenticator app or recovery code) with the lockout."""

    def clean_code(self) -> str:
        request = context.request
        refuse_if_locked(request, self.user)
        try:
            return super().clean_code()
        except forms.ValidationError:
            count_failure(request, self.user, "code")
            raise


class LoginSecurityKeyForm(AuthenticateWebAuthnForm):
    """allauth's security-key step with the lockout."""

    def clean_credential(self):
        request = context.request
        refuse_if_locked(request, self.user)
        try:
            return super().clean_credential()
        except forms.ValidationError:
            count_failure(request, self.user, "security_key")
            raise
