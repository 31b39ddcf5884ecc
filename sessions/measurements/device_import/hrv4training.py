"""HRV4Training CSV export: one morning (or spot) measurement per row."""

from __future__ import annotations

from sessions.measurements.device_import.preview import ImportPreview, PreviewCollector
from sessions.measurements.device_import.tabular import (
    FileProblem,
    cell,
    parse_spaced_offset,
    read_table,
)

FORMAT = "hrv4training"
DEVICE = "HRV4Training"
MISSING = "-"  # HRV4Training's mark for "no value"

# Export column -> (kind, unit). Only columns whose meaning and unit are documented are read;
# the app's recovery points and scaled scores are not RMSSD and are left out on purpose.
COLUMNS = {
    "rmssd": ("hrv_rmssd", "ms"),
    "hr": ("heart_rate", "bpm"),
    "sdnn": ("hrv_sdnn", "ms"),
}
COLUMN_LABELS = {"rmssd": "rMSSD", "hr": "HR", "sdnn": "SDNN"}
TIME_COLUMN = "timestamp_measurement"


def parse_hrv4training(text: str, *, max_readings: int | None = None) -> ImportPreview:
    """Parse an HRV4Training export into hrv_rmssd, heart_rate and hrv_sdnn readings.

    Times come from `timestamp_measurement` (`2025-12-11 00:01:00 +0000`); `-` cells are
    skipped; a row without any of rMSSD, HR or SDNN is an error. Each reading records the
    app as its device.
    """
    collector = PreviewCollector(FORMAT, max_readings=max_readings)
    try:
        table = read_table(text)
    except FileProblem as exc:
        return collector.refuse(str(exc), exc.field)
    time_position = table.index(TIME_COLUMN)
    positions = {name: table.index(name) for name in COLUMNS}
    if time_position is None or all(p is None for p in positions.values()):
        return collector.refuse(
            "This is not an HRV4Training export: the header needs timestamp_measurement "
            "and at least one of rMSSD, HR, SDNN."
        )

    for line, cells in table.rows:
        raw_time = cell(cells, time_position)
        measured_at = parse_spaced_offset(raw_time) if raw_time != MISSING else None
        if measured_at is None:
            collector.error(
                line,
                f"timestamp_measurement {raw_time!r} is not a time like 2025-12-11 07:01:00 +0100.",
                "measured_at",
            )
            continue
        present = {
            name: cell(cells, p)
            for name, p in positions.items()
            if cell(cells, p) not in ("", MISSING)
        }
        if not present:
            collector.error(line, "has no rMSSD, HR or SDNN value.", "value")
            continue
        for name, raw in present.items():
            kind, unit = COLUMNS[name]
            collector.add(
                line,
                kind=kind,
                value=raw,
                unit=unit,
                measured_at=measured_at,
                context={"device": DEVICE},
                column=COLUMN_LABELS[name],
            )
    return collector.preview()
