"""Polar Sensor Logger files (H10 and other Polar sensors): `;`-separated, phone local time.

The logger writes one HR sample a second (`Phone timestamp;HR [bpm];HRV [ms];Breathing
interval [rpm];`) or every beat-to-beat interval (`Phone timestamp;RR-interval [ms]`). Storing
each second as a reading would bury a week's trend, so samples are summarised per window
(5 minutes by default, the standard short-term HRV length). The HR file's extra columns hold
RR intervals sampled once a second, not every beat, so RMSSD is computed only from RR files.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sessions.measurements.device_import.preview import ImportPreview, PreviewCollector
from sessions.measurements.device_import.tabular import (
    NO_ZONE_MESSAGE,
    FileProblem,
    cell,
    parse_iso_local,
    read_table,
    resolve_zone,
)
from sessions.measurements.physiology import RANGE_DASH

FORMAT = "polar"
DEVICE = "Polar Sensor Logger"
TIME_COLUMN = "Phone timestamp"
HR_COLUMN = "HR [bpm]"
RR_COLUMN = "RR-interval [ms]"

DEFAULT_WINDOW_S = 300
# Ultra-short RMSSD from 60 s agrees well with 5-minute values [U], so 60 s is the floor.
MIN_WINDOW_S = 60
MAX_WINDOW_S = 3600
# Beat-to-beat intervals outside 300-2000 ms (200-30 bpm) are artefacts or missed beats. [U]
RR_PLAUSIBLE_MS = (300.0, 2000.0)
HR_PLAUSIBLE_BPM = (25.0, 220.0)
# Fewer successive differences than this give an RMSSD too noisy to keep. [U]
MIN_RR_DIFFERENCES = 20


@dataclass(frozen=True)
class _Sample:
    line: int
    at: datetime
    value: float
    # Index in the file's sequence of beats; RR differences are taken only between neighbours.
    sequence: int


def parse_polar(
    text: str,
    tz: tzinfo | str | None,
    *,
    window_s: int = DEFAULT_WINDOW_S,
    max_readings: int | None = None,
) -> ImportPreview:
    """Parse a Polar Sensor Logger HR or RR file, summarised into readings per `window_s`.

    `tz` (zone object or IANA name) is required: the logger writes the phone's local time
    without a zone, and guessing would shift every reading. An HR file gives mean heart_rate
    per window; an RR file gives hrv_rmssd and mean heart_rate. A window shorter than
    60 s of recording is left out and reported.
    """
    collector = PreviewCollector(FORMAT, max_readings=max_readings)
    try:
        zone = resolve_zone(tz)
        table = read_table(text, delimiter=";")
    except FileProblem as exc:
        return collector.refuse(str(exc), exc.field)
    if zone is None:
        return collector.refuse(NO_ZONE_MESSAGE, "tz")
    if not isinstance(window_s, int) or not MIN_WINDOW_S <= window_s <= MAX_WINDOW_S:
        return collector.refuse(
            f"The window must be {MIN_WINDOW_S}{RANGE_DASH}{MAX_WINDOW_S} seconds.", "window_s"
        )
    time_position = table.index(TIME_COLUMN)
    rr_position = table.index(RR_COLUMN)
    hr_position = table.index(HR_COLUMN)
    value_position = rr_position if rr_position is not None else hr_position
    if time_position is None or value_position is None:
        return collector.refuse(
            "This is not a Polar Sensor Logger HR or RR file: the header should start with "
            f"'{TIME_COLUMN};{HR_COLUMN}' or '{TIME_COLUMN};{RR_COLUMN}'."
        )
    is_rr = rr_position is not None
    plausible = RR_PLAUSIBLE_MS if is_rr else HR_PLAUSIBLE_BPM

    samples: list[_Sample] = []
    implausible: list[_Sample] = []
    for sequence, (line, cells) in enumerate(table.rows):
        raw_time, raw_value = cell(cells, time_position), cell(cells, value_position)
        at = parse_iso_local(raw_time, zone)
        if at is None:
            collector.error(line, f"{raw_time!r} is not a timestamp.", "measured_at")
            continue
        try:
            value = float(raw_value)
        except ValueError:
            collector.error(line, f"{raw_value!r} is not a number.", "value")
            continue
        sample = _Sample(line, at, value, sequence)
        low, high = plausible
        (samples if low <= value <= high and math.isfinite(value) else implausible).append(sample)

    if not samples and not implausible:
        return collector.preview()
    start = min(s.at for s in samples + implausible)
    windows: dict[int, list[_Sample]] = {}
    for sample in samples:
        windows.setdefault(_window_index(sample.at, start, window_s), []).append(sample)
    _report_implausible(collector, implausible, start, window_s, is_rr)

    for window in (windows[k] for k in sorted(windows)):
        if is_rr:
            _add_rr_window(collector, window)
        else:
            _add_hr_window(collector, window)
    return collector.preview()


def _window_index(at: datetime, start: datetime, window_s: int) -> int:
    return int((at - start).total_seconds() // window_s)


def _length_s(window: list[_Sample], is_rr: bool) -> int:
    # The first sample covers time before its stamp: one second for HR, its own interval for RR.
    lead_in = window[0].value / 1000 if is_rr else 1.0
    return round((window[-1].at - window[0].at).total_seconds() + lead_in)


def _too_short(collector: PreviewCollector, window: list[_Sample], is_rr: bool) -> bool:
    length = _length_s(window, is_rr)
    if length >= MIN_WINDOW_S:
        return False
    collector.error(
        window[0].line,
        f"rows {window[0].line}{RANGE_DASH}{window[-1].line} hold only {length} s of "
        f"recording; a reading needs at least {MIN_WINDOW_S} s, so they were left out.",
        "value",
    )
    return True


def _add_hr_window(collector: PreviewCollector, window: list[_Sample]) -> None:
    if _too_short(collector, window, is_rr=False):
        return
    mean_hr = sum(s.value for s in window) / len(window)
    collector.add(
        window[0].line,
        kind="heart_rate",
        value=round(mean_hr, 1),
        unit="bpm",
        measured_at=window[0].at,
        context={"device": DEVICE, "recording_length_s": _length_s(window, is_rr=False)},
        column=HR_COLUMN,
    )


def _add_rr_window(collector: PreviewCollector, window: list[_Sample]) -> None:
    if _too_short(collector, window, is_rr=True):
        return
    context = {"device": DEVICE, "recording_length_s": _length_s(window, is_rr=True)}
    differences = [
        later.value - earlier.value
        for earlier, later in itertools.pairwise(window)
        if later.sequence == earlier.sequence + 1
    ]
    if len(differences) < MIN_RR_DIFFERENCES:
        collector.error(
            window[0].line,
            f"rows {window[0].line}{RANGE_DASH}{window[-1].line} have only "
            f"{len(differences)} clean successive RR intervals; RMSSD needs at least "
            f"{MIN_RR_DIFFERENCES}.",
            "value",
        )
    else:
        rmssd = math.sqrt(sum(d * d for d in differences) / len(differences))
        collector.add(
            window[0].line,
            kind="hrv_rmssd",
            value=round(rmssd, 1),
            unit="ms",
            measured_at=window[0].at,
            context=context,
            column=RR_COLUMN,
        )
    mean_rr = sum(s.value for s in window) / len(window)
    collector.add(
        window[0].line,
        kind="heart_rate",
        value=round(60_000 / mean_rr, 1),
        unit="bpm",
        measured_at=window[0].at,
        context=context,
        column=RR_COLUMN,
    )


def _report_implausible(
    collector: PreviewCollector,
    implausible: list[_Sample],
    start: datetime,
    window_s: int,
    is_rr: bool,
) -> None:
    # One message per window, not per second: a strap without skin contact writes hundreds.
    grouped: dict[int, list[_Sample]] = {}
    for sample in implausible:
        grouped.setdefault(_window_index(sample.at, start, window_s), []).append(sample)
    low, high = RR_PLAUSIBLE_MS if is_rr else HR_PLAUSIBLE_BPM
    unit, what = ("ms", "RR interval") if is_rr else ("bpm", "heart-rate sample")
    for group in grouped.values():
        first, last = group[0], group[-1]
        rows = f"row {first.line}" if first is last else f"rows {first.line}{RANGE_DASH}{last.line}"
        count = f"{len(group)} {what}" + ("s" if len(group) > 1 else "")
        collector.error(
            first.line,
            f"{count} outside {low:g}{RANGE_DASH}{high:g} {unit} ({rows}, e.g. "
            f"{first.value:g} {unit}) left out; the sensor may have lost skin contact.",
            "value",
        )
