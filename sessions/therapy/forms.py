"""Forms of the therapist's session and note pages; they collect input, services apply the rules.

Date-times are entered in the clinic's time zone (the views activate it while parsing)."""

from django import forms

from clinic.models import AppliesTo, ConsentMethod, IndividualMaterialPolicy
from clinic.selectors import therapists_of
from sessions.models import (
    DURATION_MAX_MINUTES,
    DURATION_MIN_MINUTES,
    Intervention,
    NoteTemplate,
    RegulationZone,
    RiskLevel,
    SessionKind,
    SessionModality,
)
from sessions.therapy.note_content import SECTION_MAX_CHARS, section_labels

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def _local_datetime_field(**kwargs) -> forms.DateTimeField:
    return forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
        input_formats=[LOCAL_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        **kwargs,
    )


def _duration_field(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label="Length (minutes)",
        min_value=DURATION_MIN_MINUTES,
        max_value=DURATION_MAX_MINUTES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        **kwargs,
    )


class _CoupleTherapistMixin:
    def _set_therapists(self, couple) -> None:
        self.fields["therapist"].queryset = couple.therapists.order_by("full_name", "email")


class ScheduleForm(_CoupleTherapistMixin, forms.Form):
    """Book a session: joint, or individual with one partner."""

    kind = forms.ChoiceField(
        label="Session", choices=SessionKind.choices, initial=SessionKind.JOINT
    )
    partner = forms.ChoiceField(label="Partner (individual sessions)", required=False, choices=())
    starts_at = _local_datetime_field(label="Starts")
    duration_minutes = _duration_field(initial=50)
    modality = forms.ChoiceField(
        label="Where", choices=SessionModality.choices, initial=SessionModality.IN_PERSON
    )
    therapist = forms.ModelChoiceField(queryset=None, label="Therapist")

    def __init__(self, *args, couple, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.couple = couple
        self.fields["partner"].choices = [("", "—")] + [
            (str(p.pk), p.display_name) for p in couple.partners
        ]
        self._set_therapists(couple)
        if user is not None:
            self.fields["therapist"].initial = user.pk

    def clean_partner(self):
        value = self.cleaned_data.get("partner")
        return {str(p.pk): p for p in self.couple.partners}.get(value) if value else None


class RescheduleForm(_CoupleTherapistMixin, forms.Form):
    starts_at = _local_datetime_field(label="Starts")
    duration_minutes = _duration_field()
    modality = forms.ChoiceField(label="Where", choices=SessionModality.choices)
    therapist = forms.ModelChoiceField(queryset=None, label="Therapist")

    def __init__(self, *args, session, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "starts_at": session.starts_at,
                "duration_minutes": session.duration_minutes,
                "modality": session.modality,
                "therapist": session.therapist_id,
            },
        )
        super().__init__(*args, **kwargs)
        self._set_therapists(session.couple)


class HeldForm(forms.Form):
    """Who attended a joint session (an individual session's attendee is its partner)."""

    partner_a_attended = forms.BooleanField(required=False, initial=True)
    partner_b_attended = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        a, b = session.couple.partners
        self.fields["partner_a_attended"].label = f"{a.display_name} attended"
        self.fields["partner_b_attended"].label = f"{b.display_name} attended"
        if session.kind == SessionKind.INDIVIDUAL:
            del self.fields["partner_a_attended"], self.fields["partner_b_attended"]


class CancelForm(forms.Form):
    OUTCOMES = [("cancelled", "Cancelled"), ("no_show", "No-show (nobody came)")]
    outcome = forms.ChoiceField(label="What happened", choices=OUTCOMES, initial="cancelled")
    reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )


class NoteStartForm(forms.Form):
    template = forms.ChoiceField(label="Note template", choices=NoteTemplate.choices)


ZONE_CHOICES = [("", "Not recorded"), *RegulationZone.choices]


class NoteDraftForm(forms.Form):
    """The draft: the template's sections, observations, interventions and risk."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    interventions = forms.MultipleChoiceField(
        label="Interventions used",
        choices=Intervention.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    interventions_other = forms.CharField(
        label='"Other" intervention', max_length=300, required=False
    )
    # Radio buttons with none pre-selected: the therapist answers actively (required to sign,
    # not to save a draft).
    risk_level = forms.ChoiceField(
        label="Risk",
        choices=[
            (RiskLevel.NONE, RiskLevel.NONE.label),
            (RiskLevel.CONCERNS, f"{RiskLevel.CONCERNS.label} (plan required)"),
        ],
        widget=forms.RadioSelect,
        required=False,
    )
    risk_concerns = forms.CharField(
        label="Risk concerns",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )
    risk_plan = forms.CharField(
        label="Risk plan (required when there are concerns)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )

    confirm_sign = forms.BooleanField(
        label="To sign: I have reviewed this note, and signing locks it for good",
        required=False,
    )

    def __init__(self, *args, note, **kwargs):
        super().__init__(*args, **kwargs)
        session = note.session
        self.section_keys = [key for key, _ in section_labels(note.template)]
        fields = {}
        for key, label in section_labels(note.template):
            fields[f"section_{key}"] = forms.CharField(
                label=label,
                required=False,
                max_length=SECTION_MAX_CHARS,
                widget=forms.Textarea(attrs={"rows": 5}),
                initial=note.sections.get(key, ""),
            )
        present = {"a": session.partner_a_attended, "b": session.partner_b_attended}
        for slot, partner in zip(("a", "b"), session.couple.partners, strict=True):
            if not present[slot]:
                continue
            fields[f"partner_{slot}_zone"] = forms.ChoiceField(
                label=f"{partner.display_name}: regulation seen in session",
                choices=ZONE_CHOICES,
                required=False,
                initial=getattr(note, f"partner_{slot}_zone"),
            )
            fields[f"partner_{slot}_intensity"] = forms.IntegerField(
                label=f"{partner.display_name}: intensity (0-10)",
                min_value=0,
                max_value=10,
                required=False,
                initial=getattr(note, f"partner_{slot}_intensity"),
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
        # Sections and observations first, in writing order; the fixed fields after them.
        fixed = dict(self.fields)
        self.fields = {"version": fixed.pop("version"), **fields, **fixed}
        for name in ("interventions", "interventions_other", "risk_level"):
            self.fields[name].initial = getattr(note, name)
        self.fields["risk_concerns"].initial = note.risk_concerns
        self.fields["risk_plan"].initial = note.risk_plan
        self.fields["version"].initial = note.version

    def changes(self) -> dict:
        """The cleaned data as the note service's content changes."""
        data = self.cleaned_data
        changes = {
            "sections": {key: data.get(f"section_{key}", "") for key in self.section_keys},
            "interventions": list(data.get("interventions") or []),
            "interventions_other": data.get("interventions_other", ""),
            "risk_level": data.get("risk_level") or "",
            "risk_concerns": data.get("risk_concerns", ""),
            "risk_plan": data.get("risk_plan", ""),
        }
        for slot in ("a", "b"):
            if f"partner_{slot}_zone" in self.fields:
                changes[f"partner_{slot}_zone"] = data.get(f"partner_{slot}_zone", "")
                changes[f"partner_{slot}_intensity"] = data.get(f"partner_{slot}_intensity")
        return changes


SIGN_CONFIRM_LABEL = "I have reviewed this note: signing locks it for good"
SIGN_NOT_CONFIRMED = "Tick the box to confirm: a signed note can never be changed, only added to."


class SignForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    confirm = forms.BooleanField(
        label=SIGN_CONFIRM_LABEL, error_messages={"required": SIGN_NOT_CONFIRMED}
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "sign_%s")
        super().__init__(*args, **kwargs)


class AddendumForm(forms.Form):
    text = forms.CharField(
        label="Addendum", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class CosignerReassignForm(forms.Form):
    """Pick the active member who co-signs instead of a supervisor who left."""

    cosigner = forms.ModelChoiceField(queryset=None, label="New co-signer")

    def __init__(self, *args, note, **kwargs):
        kwargs.setdefault("auto_id", "reassign_%s")
        super().__init__(*args, **kwargs)
        self.fields["cosigner"].queryset = therapists_of(clinic=note.clinic).exclude(
            pk__in=[note.author_id, note.cosigner_required_id]
        )


POLICY_CONFIRM_LABEL = (
    "I have explained to both partners what each will see of the other's material, and both "
    "agreed to this change"
)


class ConfidentialityForm(forms.Form):
    """A change of the couple's policy: what, from when, each partner's consent, confirmation.
    Fields are optional here so that the service's messages, which name the partner, are the
    ones shown (clinic.services.couple_set_material_policy)."""

    policy = forms.ChoiceField(
        label="Individual material",
        choices=IndividualMaterialPolicy.choices,
        widget=forms.RadioSelect,
    )
    applies_to = forms.ChoiceField(
        label="Applies to",
        choices=AppliesTo.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text="Making material private always applies to all of it at once.",
    )
    partner_a_consent_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    partner_a_consent_method = forms.ChoiceField(required=False)
    partner_b_consent_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    partner_b_consent_method = forms.ChoiceField(required=False)
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="E.g. where the signed consent form is filed.",
    )
    confirm = forms.BooleanField(label=POLICY_CONFIRM_LABEL, required=False)

    def __init__(self, *args, couple, today=None, **kwargs):
        kwargs.setdefault("auto_id", "policy_%s")
        super().__init__(*args, **kwargs)
        methods = [("", "Choose how they agreed"), *ConsentMethod.choices]
        for slot, partner in (("partner_a", couple.partner_a), ("partner_b", couple.partner_b)):
            name = partner.display_name
            self.fields[f"{slot}_consent_on"].label = f"{name} agreed on"
            self.fields[f"{slot}_consent_on"].initial = today
            self.fields[f"{slot}_consent_method"].label = f"How {name} agreed"
            self.fields[f"{slot}_consent_method"].choices = methods

    def service_kwargs(self) -> dict:
        """The cleaned data as `couple_set_material_policy`'s arguments."""
        data = self.cleaned_data
        return {
            "policy": data["policy"],
            "applies_to": data.get("applies_to") or "",
            "consents": {
                slot: (data.get(f"{slot}_consent_on"), data.get(f"{slot}_consent_method") or "")
                for slot in ("partner_a", "partner_b")
            },
            "confirmed": bool(data.get("confirm")),
            "note": data.get("note", ""),
        }


def draft_data(note) -> dict:
    """The note's saved draft as form data, so a refusal at signing can show its field errors
    on the form the therapist sees (a form must be bound to hold errors)."""
    data = {"version": str(note.version), "risk_level": note.risk_level}
    for key, text in note.sections.items():
        data[f"section_{key}"] = text
    for slot in ("a", "b"):
        data[f"partner_{slot}_zone"] = getattr(note, f"partner_{slot}_zone")
        intensity = getattr(note, f"partner_{slot}_intensity")
        data[f"partner_{slot}_intensity"] = "" if intensity is None else str(intensity)
    data["interventions"] = list(note.interventions)
    data["interventions_other"] = note.interventions_other
    data["risk_concerns"], data["risk_plan"] = note.risk_concerns, note.risk_plan
    return data


def show_errors(form, errors: dict) -> None:
    """Attach a service's {field: [messages]} to the form (section errors to the first section,
    unknown fields as form errors) and put the focus on the first field in error."""
    for name, messages in errors.items():
        target = name
        if name == "sections" and form.section_keys:
            target = f"section_{form.section_keys[0]}"
        for message in messages:
            form.add_error(target if target in form.fields else None, message)
    first = next((name for name in form.fields if name in form.errors), None)
    if first is not None:
        form.fields[first].widget.attrs["autofocus"] = True
