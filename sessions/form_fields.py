"""Form fields shared by the homework, log and measurement forms (portal and staff).

Date-times are entered in the clinic's time zone (the views activate it while parsing).
Wording on the portal forms is for clients: plain and calm.
"""

from django import forms
from django.utils import timezone

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


def _text(label: str, *, required: bool = True, rows: int = 2, **kwargs):
    return forms.CharField(
        label=label,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
        max_length=2000,
        **kwargs,
    )
