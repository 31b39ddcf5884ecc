"""How dates and numbers are written in reports: dates in the clinic's style (clinic.date_style;
`render_pdf` activates the report's locale), numbers independent of the machine's locale."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from clinic.date_style import format_when

DASH = "\u2013"  # en dash, for ranges and empty cells
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_date(day: date) -> str:
    """A date as "3 Mar 2025" (UK) or "Mar 3, 2025" (US)."""
    return format_when(day, "date")


def format_short_date(day: date) -> str:
    """A date as "3 Mar" or "Mar 3" (for axes and compact lists where the year is clear)."""
    return format_when(day, "short")


def format_period(start: date, end: date) -> str:
    """A period as "3 Mar 2025 to 2 Mar 2026" joined by an en dash."""
    return f"{format_date(start)} {DASH} {format_date(end)}"


def format_moment(moment: datetime, time_zone: str) -> str:
    """An aware datetime in the clinic's zone, as "3 Mar 2025, 14:05 (Europe/Berlin)"."""
    return f"{format_when(moment, 'datetime', tz=ZoneInfo(time_zone))} ({time_zone})"


def format_number(value: float | None, *, signed: bool = False, empty: str = DASH) -> str:
    """A score or mean: integers without decimals, others to one decimal; None as a dash."""
    if value is None:
        return empty
    rounded = round(value, 1)
    text = f"{rounded:.0f}" if rounded == int(rounded) else f"{rounded:.1f}"
    if text in ("-0", "-0.0"):
        text = "0"
    if signed and rounded > 0:
        text = "+" + text
    return text


def format_percent(value: float | None) -> str:
    """A percentage rounded to a whole number, or a dash."""
    return DASH if value is None else f"{round(value):.0f}%"
