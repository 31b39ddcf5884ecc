"""Forms of the staff pages; they collect input, services apply the rules."""

import uuid

from django import forms

from clinic.audit_trail import ACTIONS, RECORD_WORDS
from clinic.models import Client, Clinic, Couple, CoupleStatus, Membership, Role, User
from clinic.selectors import clients_to_pair, clients_visible_to, therapists_of
from clinic.services import BREAK_GLASS_MINUTES


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
    """Opening a case: two partners of this clinic, therapists, presenting concerns.

    Each partner list offers a screen's worth of clients (`clients_to_pair`): those in no case
    yet, or those whose name was looked for (`find`: {"partner_a": "Duarte", ...}); any live
    client the member may see is still accepted."""

    PARTNERS = {"partner_a": "first", "partner_b": "second"}

    partner_a = forms.ModelChoiceField(queryset=Client.objects.none(), label="First partner")
    partner_b = forms.ModelChoiceField(queryset=Client.objects.none(), label="Second partner")
    therapists = forms.ModelMultipleChoiceField(queryset=None, required=False, label="Therapists")
    presenting_concerns = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000
    )

    def __init__(self, *args, clinic, membership, find: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        clients = clients_visible_to(clinic=clinic, membership=membership).live()
        self.fields["therapists"].queryset = therapists_of(clinic=clinic)
        find = {key: (find or {}).get(key, "").strip()[:100] for key in self.PARTNERS}
        chosen = self._chosen_ids()
        lists: dict = {}  # one query per distinct name looked for (one when none is)
        for key, ordinal in self.PARTNERS.items():
            field = self.fields[key]
            field.queryset = clients
            name = find[key]
            if name not in lists:
                lists[name] = clients_to_pair(
                    clinic=clinic, membership=membership, name=name, chosen=chosen
                )
            offered, more = lists[name]
            field.widget.choices = [("", field.empty_label), *((c.pk, str(c)) for c in offered)]
            field.help_text = _pairing_help(ordinal, name, offered, more, chosen)

    def _chosen_ids(self) -> list[uuid.UUID]:
        """The partners already picked (a form shown again), kept among the choices."""
        ids = []
        for key in self.PARTNERS:
            try:
                ids.append(uuid.UUID(str(self.data.get(self.add_prefix(key), ""))))
            except ValueError:
                continue
        return ids


def _pairing_help(ordinal: str, name: str, offered: list, more: bool, chosen: list) -> str:
    """What a partner list holds, said under it (a list no longer holds every client)."""
    listed = len([c for c in offered if c.pk not in chosen])
    if name and not listed:
        return f"No client whose name contains “{name}”: look for the {ordinal} partner again."
    if name:
        first = f"The first {listed} clients" if more else "Clients"
        return f"{first} whose name contains “{name}”."
    if not listed:
        return f"Every client is in a case already: find the {ordinal} partner by name above."
    first = f"The {listed} newest clients" if more else "Clients"
    return f"{first} not yet in a case. Find anyone else by name above."


class CoupleStatusForm(forms.Form):
    """Moving a case along its life; only the moves allowed from its present status are offered."""

    status = forms.ChoiceField(label="Move the case to")
    note = forms.CharField(
        label="Reason",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when closing the case (discharged).",
    )

    def __init__(self, *args, next_statuses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s, CoupleStatus(s).label) for s in next_statuses]


class CoupleEditForm(forms.Form):
    """A case's details and therapists (its partners and status change elsewhere)."""

    therapists = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple, label="Therapists"
    )
    intake_date = forms.DateField(
        required=False, label="Intake date", widget=forms.DateInput(attrs={"type": "date"})
    )
    presenting_concerns = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=5000
    )

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["therapists"].queryset = therapists_of(clinic=clinic)

    def clean_presenting_concerns(self) -> str:
        # Browsers send CRLF; store one form so an untouched text does not count as a change.
        return self.cleaned_data["presenting_concerns"].replace("\r\n", "\n").strip()


class SupervisorField(forms.TypedChoiceField):
    """A supervisor among users loaded once for the whole page, so a list of member forms
    does not query the clinic's staff once per row."""

    def __init__(self, **kwargs):
        super().__init__(required=False, label="Supervisor", empty_value=None, **kwargs)
        self.users: dict[str, User] = {}

    def set_users(self, users) -> None:
        self.users = {str(u.pk): u for u in users}
        self.choices = [("", "No supervisor"), *((pk, str(u)) for pk, u in self.users.items())]
        self.coerce = self.users.__getitem__

    def prepare_value(self, value):
        return str(value.pk) if isinstance(value, User) else value


class _SupervisionFields(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    is_supervised = forms.BooleanField(
        required=False, label="Notes need a supervisor's co-signature"
    )
    supervisor = SupervisorField()

    def __init__(self, *args, supervisors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].set_users(supervisors)


class MemberInviteForm(_SupervisionFields):
    """Inviting a person by email to work in the clinic; they set their own password and second
    factor from the emailed link. Therapist unless chosen otherwise."""

    email = forms.EmailField(max_length=254)
    full_name = forms.CharField(max_length=150, required=False, label="Name")
    field_order = ["email", "full_name", "role", "is_supervised", "supervisor"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].initial = Role.THERAPIST


class InvitationPickForm(forms.Form):
    """Which of the clinic's invitations a re-send or revoke button names."""

    invitation = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)

    def __init__(self, *args, invitations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invitation"].queryset = invitations


class SetPasswordForm(forms.Form):
    """Accepting an invitation with no Attune login yet: a name and a new password."""

    full_name = forms.CharField(max_length=150, required=False, label="Your name")
    password1 = forms.CharField(
        label="Password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters; not a common password, not only digits.",
        max_length=256,
        strip=False,
    )
    password2 = forms.CharField(
        label="Password (again)",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        max_length=256,
        strip=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


def _active_members(clinic):
    return Membership.objects.for_clinic(clinic).filter(is_active=True)


class MemberChangeForm(_SupervisionFields):
    """A member's role and supervision; which member travels in a hidden field."""

    member = forms.ModelChoiceField(queryset=Membership.objects.none(), widget=forms.HiddenInput)

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = _active_members(clinic)


class MemberDeactivateForm(forms.Form):
    member = forms.ModelChoiceField(queryset=Membership.objects.none(), widget=forms.HiddenInput)

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = _active_members(clinic)


class MemberUnlockForm(MemberDeactivateForm):
    """Lifting a member's failed-login lockout."""


class AuditFilterForm(forms.Form):
    """Narrowing the audit trail; every field is optional."""

    client = forms.ModelChoiceField(
        queryset=Client.objects.none(), required=False, empty_label="Any client"
    )
    couple = forms.ModelChoiceField(
        queryset=Couple.objects.none(), required=False, empty_label="Any couple"
    )
    actor = forms.CharField(max_length=254, required=False, label="Done by (name or email)")
    action = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Anything"),
            *sorted(((k, v[:1].upper() + v[1:]) for k, v in ACTIONS.items()), key=lambda a: a[1]),
        ],
    )
    object_type = forms.ChoiceField(
        required=False,
        label="Kind of record",
        choices=[
            ("", "Any kind"),
            *sorted(
                ((k, v[:1].upper() + v[1:]) for k, v in RECORD_WORDS.items()), key=lambda r: r[1]
            ),
        ],
    )
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.for_clinic(clinic).order_by(
            "legal_name", "preferred_name"
        )
        self.fields["client"].label_from_instance = _client_choice
        self.fields["couple"].queryset = (
            Couple.objects.for_clinic(clinic)
            .select_related("partner_a", "partner_b")
            .order_by("partner_a__legal_name", "partner_b__legal_name")
        )
        self.fields["couple"].label_from_instance = lambda couple: couple.label

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data


def _client_choice(client) -> str:
    if client.preferred_name and client.preferred_name != client.legal_name:
        return f"{client.preferred_name} ({client.legal_name})"
    return client.legal_name


class ClinicSettingsForm(forms.ModelForm):
    report_retention_days = forms.IntegerField(
        min_value=1,
        max_value=3650,
        label="Keep finished reports for (days)",
        help_text="Between 1 and 3650 days.",
    )
    leave_url = forms.URLField(
        max_length=300,
        assume_scheme="https",
        label="Leave quickly takes clients to",
        help_text="A neutral page on another site (weather, news, a recipe).",
    )
    staff_idle_minutes = forms.IntegerField(
        min_value=5,
        max_value=60,
        label="Log staff out after this many minutes without activity",
        help_text="Between 5 and 60 minutes. Staff are logged out after 12 hours in any case.",
    )
    crisis_text = forms.CharField(
        max_length=2000,
        required=False,
        label="Crisis text shown to clients",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    class Meta:
        model = Clinic
        fields = [
            "name",
            "time_zone",
            "locale",
            "partners_see_individual_results",
            "show_score_bands_to_clients",
            "crisis_text",
            "report_retention_days",
            "session_reminders",
            "homework_nudges",
            "staff_idle_minutes",
            "require_client_mfa",
            "leave_url",
        ]
        labels = {
            "time_zone": "Time zone",
            "locale": "Dates and times",
            "partners_see_individual_results": (
                "By default, partners may see each other's individual material"
            ),
            "show_score_bands_to_clients": "Show score bands to clients",
            "session_reminders": "Email partners the day before a session",
            "homework_nudges": "Email partners a weekly nudge when no practice was logged",
            "require_client_mfa": "Clients must use an authenticator app to open the portal",
        }
        help_texts = {
            "time_zone": "For example Europe/London or America/New_York.",
            "locale": "How every page, report and email writes dates and times.",
            "partners_see_individual_results": (
                "Turning it on applies from now on for couples who follow the default: what "
                "partners recorded before stays private to them. Each couple's therapist may "
                "choose differently for that couple, with both partners' consent."
            ),
            "session_reminders": "Time and place only, never clinical content. Each partner "
            "may turn it off in the portal.",
            "homework_nudges": "At most once a week. Each partner may turn it off in the portal.",
        }

    def clean_crisis_text(self) -> str:
        # Browsers send CRLF; store one form so an untouched text does not count as a change.
        return self.cleaned_data["crisis_text"].replace("\r\n", "\n").strip()


class BreakGlassForm(forms.Form):
    """Why an admin must open a case that is not on their caseload, and for how long."""

    reason = forms.CharField(
        max_length=1000,
        min_length=10,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The couple's therapists will see this, with your name and the time.",
    )
    minutes = forms.TypedChoiceField(
        label="Open for", coerce=int, choices=list(BREAK_GLASS_MINUTES.items()), initial=60
    )
