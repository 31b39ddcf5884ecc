"""Which importer reads a file: format codes, recognition by name and first line, dispatch."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo

from sessions.measurements.device_import import apple_health, fitbit, generic, hrv4training, polar
from sessions.measurements.device_import.preview import ImportPreview, PreviewCollector
from sessions.measurements.device_import.tabular import first_line

FORMATS: dict[str, str] = {
    generic.FORMAT: "Attune CSV (client, kind, value, unit, measured_at)",
    hrv4training.FORMAT: "HRV4Training export",
    fitbit.FORMAT: "Fitbit daily HRV summary (Google Takeout)",
    polar.FORMAT: "Polar Sensor Logger HR or RR file",
    apple_health.FORMAT: "Apple Health export.xml",
}
# Formats whose times are written without a zone: the person importing must choose one.
NEEDS_TIME_ZONE = frozenset({fitbit.FORMAT, polar.FORMAT})


def detect_format(filename: str, text: str) -> str | None:
    """The format code a file looks like, from its name and first line; None if unknown."""
    name = (filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    head = first_line(text or "")
    if name.lower().endswith(".xml") or head.startswith("<?xml") or "<HealthData" in head:
        return apple_health.FORMAT if "<HealthData" in (text or "")[:100_000] else None
    if head.lower().startswith(polar.TIME_COLUMN.lower() + ";"):
        return polar.FORMAT
    columns = {c.strip().lower() for c in head.split(",")}
    if hrv4training.TIME_COLUMN in columns:
        return hrv4training.FORMAT
    if name.startswith(fitbit.FILENAME_PREFIX) or {"timestamp", "rmssd", "nremhr"} <= columns:
        return fitbit.FORMAT
    if set(generic.REQUIRED_COLUMNS) <= columns:
        return generic.FORMAT
    return None


def parse_import(
    format_code: str,
    text: str,
    *,
    tz: tzinfo | str | None = None,
    max_readings: int | None = None,
) -> ImportPreview:
    """Run the importer for `format_code`; an unknown code gives a preview with a format error.
    Past `max_readings` readings and bad rows, TooManyReadings is raised and the rest of the
    file is not read."""
    limit = {"max_readings": max_readings}
    parsers: dict[str, Callable[[], ImportPreview]] = {
        generic.FORMAT: lambda: generic.parse_generic_csv(text, **limit),
        hrv4training.FORMAT: lambda: hrv4training.parse_hrv4training(text, **limit),
        fitbit.FORMAT: lambda: fitbit.parse_fitbit_hrv(text, tz, **limit),
        polar.FORMAT: lambda: polar.parse_polar(text, tz, **limit),
        apple_health.FORMAT: lambda: apple_health.parse_apple_health(text, **limit),
    }
    parser = parsers.get(format_code)
    if parser is None:
        known = ", ".join(FORMATS)
        return PreviewCollector(str(format_code)).refuse(
            f"Unknown file format {format_code!r}; use one of: {known}.", "format"
        )
    return parser()
