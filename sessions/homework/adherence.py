"""Homework adherence by week: how many practices were logged against the agreed target.

Pure Python (no Django). Dates are clinic-local calendar dates; the caller converts
timestamps to the clinic's zone before passing them in.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sessions.field_errors import FieldError

# A target above ten practices a day is almost surely a typo (e.g. minutes entered as count).
MAX_TARGET_PER_WEEK = 70


class AdherenceError(FieldError):
    """Input that cannot be counted; `field` names it for the API."""


@dataclass(frozen=True)
class WeekAdherence:
    week_start: date  # Monday
    week_end: date  # Sunday
    logged: int
    target: int
    met: bool
    days_active: int  # days of this week on which the homework was due
    in_progress: bool  # the week holds today, so more logs may still come

    @property
    def this_week_in_words(self) -> str:
        """The current week's count for a person to read: "3 of 5 practices this week", and
        past the target "6 practices this week (goal 5)", not "6 of 5", which reads like a
        mistake."""
        if self.logged > self.target:
            return f"{self.logged} practices this week (goal {self.target})"
        noun = "practice" if self.target == 1 else "practices"
        return f"{self.logged} of {self.target} {noun} this week"


@dataclass(frozen=True)
class AdherenceSummary:
    weeks: int
    weeks_met: int
    logged: int  # practices logged on due days
    target: int  # practices expected: the weeks' targets summed
    percentage: float | None  # credited / target in %; None when nothing was due yet
    credited: int = 0  # logged, each week counted at most up to its target

    @property
    def beyond_target(self) -> int:
        """Practices logged beyond the weeks' targets, which the percentage does not credit:
        shown beside it so the cap is never silent."""
        return self.logged - self.credited


def weekly_adherence(
    *,
    start: date,
    end: date | None,
    target_per_week: int,
    log_dates: Iterable[date],
    today: date,
) -> list[WeekAdherence]:
    """Monday-to-Sunday weeks from `start` to `end` (or today), each with logs against target.

    The homework is due on every day from `start` to the earlier of `end` and `today`,
    inclusive; days after today are not due yet. A week's target is
    ceil(target_per_week * days_active / 7): a full week keeps the whole target, a partial
    first, last or current week is scaled by its due days and rounded up, so a due day is
    never worth zero. Every log on a due day counts (two on one day count twice, as targets
    like "twice a day" need); logs outside the due days are ignored.
    """
    _check_date("start", start)
    _check_date("today", today)
    if end is not None:
        _check_date("end", end)
        if end < start:
            raise AdherenceError("end", "The end date is before the start date.")
    if (
        isinstance(target_per_week, bool)
        or not isinstance(target_per_week, int)
        or not 1 <= target_per_week <= MAX_TARGET_PER_WEEK
    ):
        raise AdherenceError(
            "target_per_week",
            f"The weekly target must be a whole number from 1 to {MAX_TARGET_PER_WEEK}.",
        )
    last_due = min(end, today) if end is not None else today
    if last_due < start:
        return []

    counts: Counter[date] = Counter()
    for logged_on in log_dates:
        _check_date("log_dates", logged_on)
        if start <= logged_on <= last_due:
            counts[logged_on] += 1

    weeks: list[WeekAdherence] = []
    monday = start - timedelta(days=start.weekday())
    while monday <= last_due:
        sunday = monday + timedelta(days=6)
        first, last = max(monday, start), min(sunday, last_due)
        days_active = (last - first).days + 1
        target = math.ceil(target_per_week * days_active / 7)
        logged = sum(counts[first + timedelta(days=n)] for n in range(days_active))
        weeks.append(
            WeekAdherence(
                week_start=monday,
                week_end=sunday,
                logged=logged,
                target=target,
                met=logged >= target,
                days_active=days_active,
                in_progress=monday <= today <= sunday,
            )
        )
        monday += timedelta(days=7)
    return weeks


def adherence_summary(
    weeks: Sequence[WeekAdherence], *, include_in_progress: bool = True
) -> AdherenceSummary:
    """Totals over weeks; percentage credits each week at most its target.

    Capping means extra practice in one week cannot hide a missed week: 10 of 5 then 0 of 5
    is 50%, not 100%. Leave the current week out with include_in_progress=False when it
    should not count against the client before it ends.
    """
    counted = [w for w in weeks if include_in_progress or not w.in_progress]
    target = sum(w.target for w in counted)
    credited = sum(min(w.logged, w.target) for w in counted)
    return AdherenceSummary(
        weeks=len(counted),
        weeks_met=sum(1 for w in counted if w.met),
        logged=sum(w.logged for w in counted),
        target=target,
        percentage=round(100 * credited / target, 1) if target else None,
        credited=credited,
    )


def _check_date(field: str, value: object) -> None:
    # A datetime is a date subclass; accepting one would count it in whatever zone it carries.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise AdherenceError(field, f"{field} must be a calendar date in the clinic's zone.")
