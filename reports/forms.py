from django import forms

from reports.models import Audience


class ReportRequestForm(forms.Form):
    period_start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    audiences = forms.MultipleChoiceField(
        label="Who is it for?",
        choices=Audience.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Audience.CLINICAL],
    )
    partner = forms.ChoiceField(label="Partner (for a partner report)", required=False)
    summary = forms.CharField(
        label="Summary", widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=10000
    )
    plan = forms.CharField(
        label="Plan", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=10000
    )

    def __init__(self, *args, couple, **kwargs):
        super().__init__(*args, **kwargs)
        self.couple = couple
        self.fields["partner"].choices = [("", "—")] + [
            (str(p.pk), p.display_name) for p in couple.partners
        ]

    def clean_partner(self):
        value = self.cleaned_data.get("partner")
        return next((p for p in self.couple.partners if str(p.pk) == value), None)


class ExportRequestForm(forms.Form):
    period_start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    audiences = forms.MultipleChoiceField(
        label="Reports to include",
        widget=forms.CheckboxSelectMultiple,
        choices=[
            (Audience.CLINICAL, Audience.CLINICAL.label),
            (Audience.COUPLE, Audience.COUPLE.label),
        ],
        initial=[Audience.CLINICAL],
    )
