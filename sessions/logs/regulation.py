"""Window of tolerance over time: one zone per partner per day, strips, counts, practice effect.

Pure Python (no Django). Zones follow Siegel and Ogden, Minton & Pain: hyperaroused,
within the window, hypoaroused. Intensity is the 0-10 distress self-rating (SUDS) taken with
each check-in or practice log. Dates are clinic-local; the caller converts timestamps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sessions.field_errors import FieldError


class Zone(StrEnum):
    HYPER = "hyper"
    WITHIN = "within"
    HYPO = "hypo"


HYPER, WITHIN, HYPO = Zone.HYPER, Zone.WITHIN, Zone.HYPO

ZONE_LABELS = {
    HYPER: "Hyperaroused",
    WITHIN: "Within the window",
    HYPO: "Hypoaroused",
}
INTENSITY_SCALE = "SUDS 0-10"
INTENSITY_MIN, INTENSITY_MAX = 0, 10
# Shown wherever check-in scores are: the check-in is not a validated instrument.
SELF_RATING_NOTE = "Check-ins are self-ratings of arousal and distress, not a validated measure."
MAX_STRIP_DAYS = 366


class RegulationError(FieldError):
    """A reading that cannot be used; `field` names the input for the API."""


def parse_zone(value: Zone | str, field: str = "zone") -> Zone:
    """A Zone from a Zone or its code; RegulationError(field) otherwise."""
    try:
        return Zone(value)
    except ValueError:
        codes = ", ".join(z.value for z in Zone)
        raise RegulationError(field, f"Zone {value!r} is not one of: {codes}.") from None


def check_intensity(value: object, field: str = "intensity") -> int:
    """The 0-10 intensity as an int; RegulationError(field) otherwise."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not INTENSITY_MIN <= value <= INTENSITY_MAX
    ):
        raise RegulationError(
            field,
            f"Intensity must be a whole number from {INTENSITY_MIN} to {INTENSITY_MAX}.",
        )
    return value


@dataclass(frozen=True)
class ZoneReading:
    """One check-in or practice-log rating of one partner."""

    on: date
    zone: Zone
    intensity: int
    at: datetime | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.on, date) or isinstance(self.on, datetime):
            raise RegulationError("on", "A reading's day must be a clinic-local calendar date.")
        object.__setattr__(self, "zone", parse_zone(self.zone))
        check_intensity(self.intensity)


@dataclass(frozen=True)
class DayZone:
    on: date
    zone: Zone
    intensity: int
    readings: int


@dataclass(frozen=True)
class StripDay:
    on: date
    zone: Zone | None
    intensity: int | None


@dataclass(frozen=True)
class PracticeArousal:
    """Ratings one practice log took before and after the practice (any may be missing)."""

    before_intensity: int | None
    after_intensity: int | None
    before_zone: Zone | None = None
    after_zone: Zone | None = None


@dataclass(frozen=True)
class ArousalShift:
    count: int
    mean_before: float | None
    mean_after: float | None
    mean_change: float | None  # after minus before: negative means calmer after practice
    moved_into_window: int  # logs that started outside the window and ended within it


def _dysregulation(reading: ZoneReading) -> tuple[bool, int, bool]:
    # Out of the window beats within it; then the higher intensity; then hyper over hypo,
    # because hyperarousal (flooding) is what turns a conflict into escalation.
    return (reading.zone != WITHIN, reading.intensity, reading.zone == HYPER)


def daily_zone(readings: Iterable[ZoneReading]) -> DayZone | None:
    """Reduce one partner's readings of one day to that day's most dysregulated reading.

    Rule: any reading outside the window outranks every reading within it; among those the
    highest intensity wins, and hyper wins a tie with hypo. The day's worst moment, not its
    last, is what matters for conflict risk: a calm evening check-in does not undo a flooded
    afternoon. None for no readings; RegulationError("on") if the readings span several days.
    """
    readings = list(readings)
    if not readings:
        return None
    days = {r.on for r in readings}
    if len(days) > 1:
        raise RegulationError("on", "daily_zone takes the readings of a single day.")
    worst = max(readings, key=_dysregulation)
    return DayZone(on=worst.on, zone=worst.zone, intensity=worst.intensity, readings=len(readings))


def daily_zones(readings: Iterable[ZoneReading]) -> dict[date, DayZone]:
    """One partner's readings grouped by day and reduced with daily_zone, in date order."""
    by_day: dict[date, list[ZoneReading]] = {}
    for reading in readings:
        by_day.setdefault(reading.on, []).append(reading)
    reduced = {day: daily_zone(group) for day, group in sorted(by_day.items())}
    return {day: zone for day, zone in reduced.items() if zone is not None}


def practice_readings(
    on: date,
    before_zone: Zone | str | None,
    before_intensity: int | None,
    after_zone: Zone | str | None,
    after_intensity: int | None,
    at: datetime | None = None,
) -> list[ZoneReading]:
    """The zone readings one practice log adds to its partner's day: the ratings taken before
    and after the practice, each where both zone and intensity were given. A partner's day
    zone is reduced from their check-ins and these readings alike (page, API and report)."""
    return [
        ZoneReading(on, Zone(zone), intensity, at)
        for zone, intensity in ((before_zone, before_intensity), (after_zone, after_intensity))
        if zone and intensity is not None
    ]


def both_out_of_window_days(
    partner_a_days: Mapping[date, DayZone], partner_b_days: Mapping[date, DayZone]
) -> list[date]:
    """Days on which both partners' day zones lie outside the window (either direction).

    Unit: clinic-local calendar days. Each partner's day zones come from `daily_zones` over
    their check-ins and `practice_readings`; the couple page, the API and the PDF report all
    count with this function over those readings, so they agree for the same data."""
    shared = partner_a_days.keys() & partner_b_days.keys()
    return sorted(
        day
        for day in shared
        if partner_a_days[day].zone != WITHIN and partner_b_days[day].zone != WITHIN
    )


def regulation_strip(days: Mapping[date, DayZone], start: date, n_days: int = 14) -> list[StripDay]:
    """n_days consecutive days from start, each with its zone and intensity or None for no data."""
    if isinstance(n_days, bool) or not isinstance(n_days, int) or not 1 <= n_days <= MAX_STRIP_DAYS:
        raise RegulationError("n_days", f"A strip covers 1 to {MAX_STRIP_DAYS} days.")
    strip = []
    for offset in range(n_days):
        on = start + timedelta(days=offset)
        day = days.get(on)
        strip.append(StripDay(on, day.zone, day.intensity) if day else StripDay(on, None, None))
    return strip


def zone_counts(days: Mapping[date, DayZone] | Iterable[DayZone]) -> dict[Zone, int]:
    """How many days fell in each zone; every zone is present, zero when absent."""
    values = days.values() if isinstance(days, Mapping) else days
    counts = dict.fromkeys(Zone, 0)
    for day in values:
        counts[day.zone] += 1
    return counts


def arousal_shift(practice_logs: Iterable[PracticeArousal]) -> ArousalShift:
    """Mean intensity before and after practice over logs that rated both; means to 2 places.

    Logs missing either intensity are left out of count and means. moved_into_window counts
    logs rated outside the window before and within it after.
    """
    pairs: list[tuple[int, int]] = []
    moved = 0
    for log in practice_logs:
        if log.before_zone is not None and log.after_zone is not None:
            before_zone = parse_zone(log.before_zone, "before_zone")
            after_zone = parse_zone(log.after_zone, "after_zone")
            moved += before_zone != WITHIN and after_zone == WITHIN
        if log.before_intensity is None or log.after_intensity is None:
            continue
        pairs.append(
            (
                check_intensity(log.before_intensity, "before_intensity"),
                check_intensity(log.after_intensity, "after_intensity"),
            )
        )
    if not pairs:
        return ArousalShift(0, None, None, None, moved)
    mean_before = sum(b for b, _ in pairs) / len(pairs)
    mean_after = sum(a for _, a in pairs) / len(pairs)
    return ArousalShift(
        count=len(pairs),
        mean_before=round(mean_before, 2),
        mean_after=round(mean_after, 2),
        mean_change=round(mean_after - mean_before, 2),
        moved_into_window=moved,
    )
