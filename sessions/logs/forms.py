"""Forms a partner fills in for a practice, a time-out or the daily check-in. They collect
input; the services apply the rules.
"""

from django import forms

from sessions.form_fields import (
    CLIENT_ZONES,
    CLIENT_ZONES_OR_SKIP,
    _minutes,
    _now_local,
    intensity_field,
    local_datetime_field,
)
from sessions.models import Homework


class PracticeLogForm(forms.Form):
    homework = forms.ModelChoiceField(
        queryset=Homework.objects.none(), label="Which practice", empty_label=None
    )
    practiced_at = local_datetime_field(label="When")
    minutes = _minutes("How many minutes")
    before_zone = forms.ChoiceField(
        label="Before you started, you felt",
        choices=CLIENT_ZONES_OR_SKIP,
        required=False,
        widget=forms.RadioSelect,
    )
    before_intensity = intensity_field("How strong was it before (0-10)", required=False)
    after_zone = forms.ChoiceField(
        label="Afterwards, you felt",
        choices=CLIENT_ZONES_OR_SKIP,
        required=False,
        widget=forms.RadioSelect,
    )
    after_intensity = intensity_field("How strong was it afterwards (0-10)", required=False)
    note = forms.CharField(
        label="Anything you'd like to remember (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, practices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["homework"].queryset = practices
        self.fields["practiced_at"].initial = _now_local()


class TimeOutLogForm(forms.Form):
    started_at = local_datetime_field(label="When did the time-out start")
    called_by = forms.ChoiceField(
        label="Who called it",
        choices=[("me", "I did"), ("partner", "My partner did")],
        widget=forms.RadioSelect,
    )
    minutes_apart = _minutes("How many minutes were you apart", min_value=0, max_value=10080)
    reconvened = forms.TypedChoiceField(
        label="Did you come back together",
        choices=[("yes", "Yes"), ("no", "Not yet")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    reconvene_note = forms.CharField(
        label="How did coming back together go (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    intensity = intensity_field("How strong were your feelings when it was called (0-10)")
    note = forms.CharField(
        label="Anything else (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["started_at"].initial = _now_local()


class CheckInForm(forms.Form):
    zone = forms.ChoiceField(
        label="Right now, you feel", choices=CLIENT_ZONES, widget=forms.RadioSelect
    )
    intensity = intensity_field("How much distress do you feel (0-10)")
    note = forms.CharField(
        label="A few words about today (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
