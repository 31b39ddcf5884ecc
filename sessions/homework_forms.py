"""Forms of the homework, log and measurement pages (portal and staff). They collect input; the
services apply the rules. Date-times are entered in the clinic's time zone (the views activate
it while parsing). Wording on the portal forms is for clients: plain and calm."""

import copy

from django import forms
from django.utils import timezone

from sessions.homework_presets import (
    HEART_RATE_CUE_MAX,
    HEART_RATE_CUE_MIN,
    PRESETS,
    TIMEOUT_MAX_BREAK_MINUTES,
    TIMEOUT_MIN_BREAK_MINUTES,
)
from sessions.homework_services import CUSTOM_TECHNIQUE
from sessions.models import Homework, HomeworkKind
from sessions.physiology import BOOLEAN, CHOICE, INTEGER, KINDS, kind_choices

LOCAL_INPUT = "%Y-%m-%dT%H:%M"

# How the three window-of-tolerance zones are put to clients.
CLIENT_ZONES = [
    ("hyper", "Too much: anxious, racing, angry or on edge"),
    ("within", "Okay: calm enough to think and feel"),
    ("hypo", "Too little: numb, flat, far away or shut down"),
]
CLIENT_ZONES_OR_SKIP = [*CLIENT_ZONES, ("", "I'd rather not say")]


def local_datetime_field(**kwargs) -> forms.DateTimeField:
    """A datetime-local input read in the active (clinic) time zone."""
    return forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
        input_formats=[LOCAL_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        **kwargs,
    )


def intensity_field(label: str, *, required: bool = True) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=10,
        required=required,
        help_text="0 is completely calm, 10 is the most upset you can imagine.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 10}),
    )


def _now_local() -> str:
    return timezone.localtime().strftime(LOCAL_INPUT)


def _minutes(label: str, *, min_value: int = 1, max_value: int = 240, **kwargs):
    return forms.IntegerField(
        label=label,
        min_value=min_value,
        max_value=max_value,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        **kwargs,
    )


# --- portal ----------------------------------------------------------------------------------


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


class AgreementAnswerForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(
        label="What would you like to talk about? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Why", max_length=500)


# --- staff: homework ---------------------------------------------------------------------------

TECHNIQUES = [(p.code, f"{p.name} ({p.default_minutes} min)") for p in PRESETS] + [
    (CUSTOM_TECHNIQUE, "Custom practice")
]
TERM_FIELDS = (
    "signal",
    "min_break_minutes",
    "max_break_minutes",
    "heart_rate_cue",
    "calm_plan_a",
    "calm_plan_b",
    "reconvene_plan",
    "agree_not_to",
)
PRACTICE_FIELDS = ("technique", "breaths_per_minute", "cycles", "minutes")


def _text(label: str, *, required: bool = True, rows: int = 2, **kwargs):
    return forms.CharField(
        label=label,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
        max_length=2000,
        **kwargs,
    )


class TermsFields(forms.Form):
    signal = forms.CharField(label="Signal (a word or gesture either of you may use)")
    min_break_minutes = _minutes(
        "Shortest break (minutes)",
        min_value=TIMEOUT_MIN_BREAK_MINUTES,
        max_value=TIMEOUT_MAX_BREAK_MINUTES,
        initial=TIMEOUT_MIN_BREAK_MINUTES,
    )
    max_break_minutes = _minutes(
        "Longest break (minutes)",
        min_value=TIMEOUT_MIN_BREAK_MINUTES,
        max_value=TIMEOUT_MAX_BREAK_MINUTES,
        initial=TIMEOUT_MAX_BREAK_MINUTES,
    )
    heart_rate_cue = forms.IntegerField(
        label="Heart-rate cue (bpm, optional)",
        required=False,
        min_value=HEART_RATE_CUE_MIN,
        max_value=HEART_RATE_CUE_MAX,
        help_text="About 100 suits most people; lower for very fit people.",
    )
    calm_plan_a = _text("What the first partner does to calm down")
    calm_plan_b = _text("What the second partner does to calm down")
    reconvene_plan = _text("When and how you come back together")
    agree_not_to = _text("What you agree not to do", required=False)

    def label_partners(self, couple) -> None:
        self.fields["calm_plan_a"].label = f"What {couple.partner_a.display_name} does to calm down"
        self.fields["calm_plan_b"].label = f"What {couple.partner_b.display_name} does to calm down"


class HomeworkForm(TermsFields):
    """Give homework of one kind; fields not used by that kind are removed."""

    field_order = ("partner", "title", "start_date", "end_date", "target_per_week")

    partner = forms.ChoiceField(label="For", required=False)
    title = forms.CharField(label="Title", max_length=200, required=False)
    start_date = forms.DateField(label="Starts", widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(
        label="Ends (optional)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    target_per_week = forms.IntegerField(
        label="Times a week (optional)", required=False, min_value=1, max_value=70
    )
    technique = forms.ChoiceField(label="Practice", choices=TECHNIQUES)
    breaths_per_minute = forms.FloatField(
        label="Breaths a minute (optional)",
        required=False,
        min_value=3,
        max_value=10,
        help_text="Resonance breathing is about 6; leave empty for the practice's own pace.",
    )
    cycles = forms.IntegerField(label="Cycles (optional)", required=False, min_value=1)
    minutes = forms.IntegerField(label="Minutes each time (optional)", required=False)
    instructions = _text("Instructions", required=False, rows=4)

    def __init__(self, *args, couple, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["partner"].choices = [
            ("", "Both partners"),
            (str(couple.partner_a.pk), couple.partner_a.display_name),
            (str(couple.partner_b.pk), couple.partner_b.display_name),
        ]
        self.fields["start_date"].initial = timezone.localdate()
        self.label_partners(couple)
        if kind == HomeworkKind.TIME_OUT:
            for name in ("partner", "target_per_week", "instructions", *PRACTICE_FIELDS):
                del self.fields[name]
        else:
            for name in TERM_FIELDS:
                del self.fields[name]
        if kind == HomeworkKind.OTHER:
            for name in ("technique", "breaths_per_minute", "cycles"):
                del self.fields[name]
            self.fields["title"].required = True
            self.fields["instructions"].required = True
            self.fields["instructions"].label = "The task"
        if kind == HomeworkKind.PRACTICE:
            self.fields["title"].help_text = "Leave empty to use the practice's name."
            self.fields["instructions"].help_text = "Leave empty to use the standard instructions."
        self.couple = couple

    def service_kwargs(self) -> dict:
        """The cleaned data in the shape homework_create takes."""
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        partner_id = data.pop("partner", None)
        data["partner"] = next((p for p in self.couple.partners if str(p.pk) == partner_id), None)
        terms = {name: data.pop(name) for name in TERM_FIELDS if name in data}
        if self.kind == HomeworkKind.TIME_OUT:
            data["terms"] = terms
        return {"kind": self.kind, **data}


class VersionForm(TermsFields):
    change_note = forms.CharField(label="What changed and why", max_length=500, required=False)

    def __init__(self, *args, couple, current, **kwargs):
        kwargs.setdefault("initial", {name: getattr(current, name) for name in TERM_FIELDS})
        super().__init__(*args, **kwargs)
        self.label_partners(couple)


class EndForm(forms.Form):
    end_date = forms.DateField(
        label="Last day", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label="Why (optional)", max_length=500, required=False)


# --- staff: measurements -------------------------------------------------------------------------


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
            (str(s.pk), f"{timezone.localtime(s.starts_at):%d %b %Y %H:%M}") for s in sessions
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

    kind = forms.ChoiceField(label="What did you measure?", choices=kind_choices())
    value = forms.CharField(
        label="Reading",
        max_length=40,
        help_text='The number your device showed. Blood pressure as "120/80".',
    )
    unit = forms.CharField(
        label="Unit",
        max_length=20,
        help_text="As your device shows it, e.g. ms, bpm, µS, nmol/L (see the list below).",
    )
    measured_at = local_datetime_field(label="When was it taken?")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measured_at"].initial = _now_local()
        for name, field in CONTEXT_FIELDS.items():
            self.fields[f"context_{name}"] = copy.deepcopy(field)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "value": data["value"],
            "unit": data["unit"],
            "measured_at": data["measured_at"],
            "context": {
                name: data[f"context_{name}"]
                for name in CONTEXT_FIELDS
                if data.get(f"context_{name}") not in (None, "")
            },
        }


class ImportForm(forms.Form):
    partner = forms.ChoiceField(label="Whose readings")
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
