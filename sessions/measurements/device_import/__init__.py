"""Device-file importers: each turns one file's text into a preview of readings for one client.

Pure Python (no Django). Every reading passes through `sessions.physiology.normalize_measurement`;
a row that fails becomes a RowError naming the row and why, never an exception.
"""

from sessions.measurements.device_import.apple_health import parse_apple_health
from sessions.measurements.device_import.fitbit import parse_fitbit_hrv
from sessions.measurements.device_import.formats import (
    FORMATS,
    NEEDS_TIME_ZONE,
    detect_format,
    parse_import,
)
from sessions.measurements.device_import.generic import parse_generic_csv
from sessions.measurements.device_import.hrv4training import parse_hrv4training
from sessions.measurements.device_import.polar import parse_polar
from sessions.measurements.device_import.preview import (
    ImportPreview,
    ParsedMeasurement,
    RowError,
    TooManyReadings,
)

__all__ = [
    "FORMATS",
    "NEEDS_TIME_ZONE",
    "ImportPreview",
    "ParsedMeasurement",
    "RowError",
    "TooManyReadings",
    "detect_format",
    "parse_apple_health",
    "parse_fitbit_hrv",
    "parse_generic_csv",
    "parse_hrv4training",
    "parse_import",
    "parse_polar",
]
