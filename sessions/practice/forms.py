"""Forms of the guided practice screen. The page works as a plain form without JavaScript;
the breathing script fills the minutes and the start time by itself."""

from datetime import UTC, datetime

from django import forms

from sessions.form_fields import CLIENT_ZONES_OR_SKIP, intensity_field


class GuidedPracticeForm(forms.Form):
    before_zone = forms.ChoiceField(
        label="Before you start, you feel",
        choices=CLIENT_ZONES_OR_SKIP,
        required=False,
        widget=forms.RadioSelect,
    )
    before_intensity = intensity_field("How strong is it now (0-10)", required=False)
    minutes = forms.IntegerField(
        label="Minutes you practised",
        min_value=1,
        max_value=240,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    after_zone = forms.ChoiceField(
        label="Afterwards, you feel",
        choices=CLIENT_ZONES_OR_SKIP,
        required=False,
        widget=forms.RadioSelect,
    )
    after_intensity = intensity_field("How strong is it afterwards (0-10)", required=False)
    # Milliseconds since 1970 (server time) when the first breath began; set by the script.
    started_ms = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, minutes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["minutes"].initial = minutes

    def started_at(self) -> datetime | None:
        ms = self.cleaned_data.get("started_ms")
        if ms is None:
            return None
        try:
            return datetime.fromtimestamp(ms / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None

    def ratings(self) -> dict:
        return {
            name: self.cleaned_data.get(name)
            for name in ("before_zone", "before_intensity", "after_zone", "after_intensity")
        }


class StartTogetherForm(forms.Form):
    minutes = forms.IntegerField(label="Minutes", min_value=1, max_value=60)
