"""Forms of the staff pages; they collect input, services apply the rules."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from clinic.models import Client
from clinic.selectors import clients_visible_to, therapists_of


class EmailLoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class ClientForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = [
            "legal_name",
            "preferred_name",
            "pronouns",
            "date_of_birth",
            "email",
            "phone",
            "emergency_contact_name",
            "emergency_contact_phone",
            "emergency_contact_relationship",
        ]
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"})}


class CoupleForm(forms.Form):
    """Opening a case: two partners of this clinic, therapists, presenting concerns."""

    partner_a = forms.ModelChoiceField(queryset=Client.objects.none(), label="First partner")
    partner_b = forms.ModelChoiceField(queryset=Client.objects.none(), label="Second partner")
    therapists = forms.ModelMultipleChoiceField(queryset=None, required=False, label="Therapists")
    presenting_concerns = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000
    )

    def __init__(self, *args, clinic, membership, **kwargs):
        super().__init__(*args, **kwargs)
        clients = clients_visible_to(clinic=clinic, membership=membership).live()
        self.fields["partner_a"].queryset = clients
        self.fields["partner_b"].queryset = clients
        self.fields["therapists"].queryset = therapists_of(clinic=clinic)
