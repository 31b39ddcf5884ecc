"""Fitbit (Google Takeout) `Daily Heart Rate Variability Summary - YYYY-MM-DD.csv`."""

from __future__ import annotations

from datetime import tzinfo

from sessions.measurements.device_import.preview import ImportPreview, PreviewCollector
from sessions.measurements.device_import.tabular import (
    NO_ZONE_MESSAGE,
    FileProblem,
    cell,
    lacks_offset,
    parse_iso_local,
    read_table,
    resolve_zone,
)

FORMAT = "fitbit_hrv"
DEVICE = "Fitbit"
FILENAME_PREFIX = "Daily Heart Rate Variability Summary"
HEADER = ("timestamp", "rmssd", "nremhr", "entropy")


def parse_fitbit_hrv(
    text: str, tz: tzinfo | str | None = None, *, max_readings: int | None = None
) -> ImportPreview:
    """Parse nightly Fitbit HRV: rmssd -> hrv_rmssd, nremhr -> heart_rate, both during sleep.

    Takeout writes the night's date without a zone (`2024-07-21T00:00:00`), so `tz` (the
    client's zone, object or IANA name) is required unless every timestamp carries an offset.
    Entropy has no kind of its own and is not imported.
    """
    collector = PreviewCollector(FORMAT, max_readings=max_readings)
    try:
        table = read_table(text)
        zone = resolve_zone(tz)
    except FileProblem as exc:
        return collector.refuse(str(exc), exc.field)
    time_position = table.index("timestamp")
    rmssd_position = table.index("rmssd")
    if time_position is None or rmssd_position is None:
        return collector.refuse(
            "This is not a Fitbit Daily Heart Rate Variability Summary: the header should be "
            f"{','.join(HEADER)}."
        )
    if zone is None and any(lacks_offset(cell(cells, time_position)) for _, cells in table.rows):
        return collector.refuse(NO_ZONE_MESSAGE, "tz")

    readings = (
        ("rmssd", "hrv_rmssd", "ms", rmssd_position),
        ("nremhr", "heart_rate", "bpm", table.index("nremhr")),
    )
    context = {"device": DEVICE, "condition": "sleep"}
    for line, cells in table.rows:
        raw_time = cell(cells, time_position)
        measured_at = parse_iso_local(raw_time, zone)
        if measured_at is None:
            collector.error(line, f"timestamp {raw_time!r} is not a date and time.", "measured_at")
            continue
        if not any(cell(cells, position) for *_, position in readings):
            collector.error(line, "has no rmssd or nremhr value.", "value")
            continue
        for column, kind, unit, position in readings:
            raw = cell(cells, position)
            if raw:
                collector.add(
                    line,
                    kind=kind,
                    value=raw,
                    unit=unit,
                    measured_at=measured_at,
                    context=context,
                    column=column,
                )
    return collector.preview()
