"""Staff forms for assessments: assign, acknowledge an alert, upload wording, set reliability."""

from django import forms

from assessments.scoring import list_instruments
from assessments.selectors import form_wording


class AssignForm(forms.Form):
    partners = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple, label="Who completes it"
    )
    instruments = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        label="Instruments",
        help_text="Licensed instruments appear once a clinic admin has uploaded their wording.",
    )
    first_due_on = forms.DateField(label="Due on", widget=forms.DateInput(attrs={"type": "date"}))
    repeat_every_weeks = forms.IntegerField(
        label="Repeat every (weeks)",
        required=False,
        min_value=1,
        max_value=52,
        help_text="Leave empty to ask once.",
    )
    repeat_until = forms.DateField(
        label="Repeat until",
        required=False,
        help_text="Required when it repeats.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, couple, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.couple = couple
        self.fields["partners"].choices = [
            (str(p.pk), p.display_name) for p in (couple.partner_a, couple.partner_b)
        ]
        self.fields["instruments"].choices = [
            (i.code, f"{i.short_name} — {i.name}")
            for i in list_instruments()
            if form_wording(clinic, i).case != "placeholder"
        ]

    def chosen_partners(self) -> list:
        ids = set(self.cleaned_data["partners"])
        return [p for p in (self.couple.partner_a, self.couple.partner_b) if str(p.pk) in ids]


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="What you did (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class WordingUploadForm(forms.Form):
    file = forms.FileField(label="Wording file (.json or .csv)")
    source = forms.CharField(
        label="Source and licence",
        max_length=500,
        help_text="Where the wording comes from and under what licence the clinic uses it.",
    )


class ReliabilityForm(forms.Form):
    scale_id = forms.ChoiceField(label="Scale")
    sd = forms.FloatField(label="SD", required=False)
    r = forms.FloatField(label="Reliability r", required=False)
    fixed_threshold = forms.FloatField(label="Or a fixed change threshold (points)", required=False)
    source = forms.CharField(label="Source of these figures", max_length=500)

    def __init__(self, *args, instrument, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scale_id"].choices = [(s.id, s.name) for s in instrument.scales]
