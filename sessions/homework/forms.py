"""Forms of the homework pages: give homework, change a time-out agreement (a new version), end
it, and a partner's answer to an agreement. They collect input; the services apply the rules.
"""

from django import forms
from django.utils import timezone

from sessions.form_fields import _minutes, _text
from sessions.homework.presets import (
    HEART_RATE_CUE_MAX,
    HEART_RATE_CUE_MIN,
    PRESETS,
    TIMEOUT_MAX_BREAK_MINUTES,
    TIMEOUT_MIN_BREAK_MINUTES,
)
from sessions.homework.services import CUSTOM_TECHNIQUE
from sessions.models import HomeworkKind


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
