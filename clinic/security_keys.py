"""Security keys and passkeys (WebAuthn) as a second factor: allauth's pages with Attune's
wording, a bounded key name, and the staff rule that nobody removes their last second factor."""

from allauth.mfa.adapter import get_adapter
from allauth.mfa.webauthn.forms import AddWebAuthnForm, EditWebAuthnForm
from allauth.mfa.webauthn.views import RemoveWebAuthnView
from django import forms
from django.contrib import messages
from django.shortcuts import redirect

NAME_HELP = "So you can tell your keys apart, e.g. “Blue USB key” or “Work laptop”."
LAST_FACTOR = (
    "This is your only second factor, and Attune holds health records: add another security "
    "key or an authenticator app before removing it."
)


class AddSecurityKeyForm(AddWebAuthnForm):
    name = forms.CharField(label="Name of this key", max_length=64, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].help_text = NAME_HELP


class EditSecurityKeyForm(EditWebAuthnForm):
    name = forms.CharField(label="Name of this key", max_length=64, help_text=NAME_HELP)


class RemoveSecurityKeyView(RemoveWebAuthnView):
    """allauth's removal (after re-authentication), refused for a member of staff's last
    second factor as removing the last authenticator app is."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_remove"] = get_adapter().can_delete_authenticator(self.object)
        return context

    def form_valid(self, form):
        if not get_adapter().can_delete_authenticator(self.get_object()):
            messages.error(self.request, LAST_FACTOR)
            return redirect("mfa_list_webauthn")
        return super().form_valid(form)


remove_security_key = RemoveSecurityKeyView.as_view()
