"""Forms for physiological readings (staff and portal) and device-file imports. Date-times are
entered in the clinic's time zone.
"""

import copy

from django import forms

from clinic.date_style import format_when
from sessions.form_fields import _now_local, local_datetime_field
from sessions.measurements.device_import.formats import FORMATS
from sessions.measurements.physiology import (
    BOOLEAN,
    CHOICE,
    HOME_CONTEXT,
    HOME_DEVICE_REQUIRED,
    INTEGER,
    KINDS,
    home_kind_choices,
    kind_choices,
)


def _context_fields() -> dict[str, forms.Field]:
    """One optional input per context name any kind takes (sample type, site, method...)."""
    fields: dict[str, forms.Field] = {}
    for kind in KINDS:
        for spec in kind.context_fields:
            if spec.name in fields:
                known = fields[spec.name]
                if isinstance(known, forms.ChoiceField):
                    extra = [(c, c.replace("_", " ")) for c in spec.choices]
                    known.choices = list(dict.fromkeys([*known.choices, *extra]))
                continue
            if spec.type == CHOICE:
                fields[spec.name] = forms.ChoiceField(
                    label=spec.label,
                    required=False,
                    choices=[("", "—"), *((c, c.replace("_", " ")) for c in spec.choices)],
                )
            elif spec.type == INTEGER:
                fields[spec.name] = forms.IntegerField(label=spec.label, required=False)
            elif spec.type == BOOLEAN:
                fields[spec.name] = forms.NullBooleanField(label=spec.label, required=False)
            else:
                fields[spec.name] = forms.CharField(
                    label=spec.label, required=False, max_length=100
                )
    return fields


CONTEXT_FIELDS = _context_fields()


class MeasurementForm(forms.Form):
    partner = forms.ChoiceField(label="Whose reading")
    kind = forms.ChoiceField(label="Measurement", choices=kind_choices())
    value = forms.CharField(
        label="Value", max_length=40, help_text='Blood pressure as "120/80" or systolic only.'
    )
    unit = forms.CharField(label="Unit", max_length=20, required=False)
    secondary_value = forms.CharField(label="Diastolic (optional)", required=False, max_length=40)
    measured_at = local_datetime_field(label="Taken at")
    session = forms.ChoiceField(label="Session (optional)", required=False)
    session_phase = forms.ChoiceField(
        label="Before or after the session",
        required=False,
        choices=[("", "—"), ("pre", "Before"), ("post", "After")],
    )

    def __init__(self, *args, couple, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = [(str(p.pk), p.display_name) for p in couple.partners]
        self.fields["session"].choices = [("", "—")] + [
            (str(s.pk), format_when(s.starts_at, "datetime")) for s in sessions
        ]
        self.fields["measured_at"].initial = _now_local()
        for name, field in CONTEXT_FIELDS.items():
            self.fields[f"context_{name}"] = copy.deepcopy(field)
        self.couple, self.sessions = couple, {str(s.pk): s for s in sessions}

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        context = {
            name: data[f"context_{name}"]
            for name in CONTEXT_FIELDS
            if data.get(f"context_{name}") not in (None, "")
        }
        return {
            "partner": next(p for p in self.couple.partners if str(p.pk) == data["partner"]),
            "kind": data["kind"],
            "value": data["value"],
            "unit": data["unit"] or None,
            "secondary_value": data["secondary_value"] or None,
            "measured_at": data["measured_at"],
            "context": context,
            "session": self.sessions.get(data["session"] or ""),
            "session_phase": data["session_phase"],
        }


class PortalMeasurementForm(forms.Form):
    """A partner's own reading: what, the number, its unit, when, and any context it needs."""

    kind = forms.ChoiceField(label="What did you measure?", choices=home_kind_choices())
    value = forms.CharField(
        label="Reading",
        max_length=40,
        help_text='The number your device showed. Blood pressure as "120/80".',
    )
    unit = forms.CharField(
        label="Unit",
        max_length=20,
        help_text="As your device shows it, e.g. bpm, ms, breaths/min (see the list below).",
    )
    measured_at = local_datetime_field(label="When was it taken?")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measured_at"].initial = _now_local()
        for name in HOME_CONTEXT:
            self.fields[f"context_{name}"] = copy.deepcopy(CONTEXT_FIELDS[name])
        self.fields["context_device"].label = "Which app or device showed it?"
        self.fields["context_device"].help_text = "For example Elite HRV, Apple Watch, Oura."
        self.fields["context_condition"].label = "What were you doing?"

    def clean(self):
        data = super().clean()
        if data.get("kind") in HOME_DEVICE_REQUIRED and not data.get("context_device"):
            self.add_error(
                "context_device",
                "Name the app or device: heart rate variability differs from one app to another.",
            )
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "value": data["value"],
            "unit": data["unit"],
            "measured_at": data["measured_at"],
            "context": {
                name: data[f"context_{name}"]
                for name in HOME_CONTEXT
                if data.get(f"context_{name}") not in (None, "")
            },
        }


class ImportForm(forms.Form):
    partner = forms.ChoiceField(label="Whose readings")
    format = forms.ChoiceField(
        label="File format",
        required=False,
        choices=[("", "Recognise it from the file"), *FORMATS.items()],
        help_text="Choose one if the file is not recognised by itself.",
    )
    file = forms.FileField(label="File (CSV or Apple Health export.xml)")
    time_zone = forms.CharField(
        label="Time zone the file was recorded in",
        max_length=64,
        required=False,
        help_text="Needed for Fitbit and Polar files, whose times carry no zone.",
    )

    def __init__(self, *args, couple, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = [(str(p.pk), p.display_name) for p in couple.partners]
        self.couple = couple

    def chosen_partner(self):
        return next(p for p in self.couple.partners if str(p.pk) == self.cleaned_data["partner"])
