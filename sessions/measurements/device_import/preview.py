"""What a parsed device file would import: measurements that passed, and rows that did not."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sessions.measurements.physiology import MeasurementError, normalize_measurement

# Row number used for problems with the file as a whole (empty, wrong header, no time zone).
FILE_ROW = 0


@dataclass(frozen=True)
class ParsedMeasurement:
    """One reading from a file, already normalized (stored unit, validated context)."""

    row_number: int
    kind: str
    value: float
    unit: str
    measured_at: datetime
    context: dict[str, Any]
    client_ref: str | None = None
    secondary_value: float | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class RowError:
    """Why a row (row_number 0: the whole file) was not imported; `field` as the API names it."""

    row_number: int
    message: str
    field: str = "file"

    def __str__(self) -> str:
        where = "File" if self.row_number == FILE_ROW else f"Row {self.row_number}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class ImportPreview:
    """Everything a file would import, plus every row it could not, for the person to confirm."""

    format: str
    rows: list[ParsedMeasurement] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.errors

    def error_messages(self) -> list[str]:
        """Errors as "Row 4: ..." lines, in file order."""
        return [str(e) for e in self.errors]


class TooManyReadings(Exception):
    """The file holds more readings (or bad rows) than one import may: parsing stops here."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class PreviewCollector:
    """Runs each reading through normalize_measurement and files it as a row or an error.

    With `max_readings`, the readings and bad rows filed are counted as they come, and
    TooManyReadings is raised at the first one past the limit: a file too big to import is
    refused without parsing (or holding in memory) the rest of it.
    """

    def __init__(self, format_code: str, *, max_readings: int | None = None) -> None:
        self.format = format_code
        self.max_readings = max_readings
        self.rows: list[ParsedMeasurement] = []
        self.errors: list[RowError] = []
        self._seen: dict[tuple[str, datetime], int] = {}

    def _count_one_more(self) -> None:
        if self.max_readings is not None and (
            len(self.rows) + len(self.errors) >= self.max_readings
        ):
            raise TooManyReadings(self.max_readings)

    def error(self, row_number: int, message: str, field: str = "file") -> None:
        """Record a row (or, with row 0, file) that will not be imported."""
        if row_number != FILE_ROW:
            self._count_one_more()
        self.errors.append(RowError(row_number, message, field))

    def add(
        self,
        row_number: int,
        *,
        kind: str,
        value: Any,
        unit: str | None,
        measured_at: datetime,
        context: Mapping[str, Any] | None = None,
        client_ref: str | None = None,
        secondary_value: Any = None,
        column: str | None = None,
    ) -> ParsedMeasurement | None:
        """Normalize one reading; on failure record a RowError (prefixed by `column`) instead."""
        prefix = f"{column}: " if column else ""
        try:
            normalized = normalize_measurement(
                kind, value, unit, context, secondary_value=secondary_value
            )
        except MeasurementError as exc:
            self.error(row_number, prefix + exc.message, exc.field)
            return None
        key = (normalized.kind, measured_at)
        if key in self._seen:
            self.error(
                row_number,
                f"{prefix}repeats the {normalized.kind} reading of row {self._seen[key]} "
                f"at {measured_at.isoformat()}.",
                "measured_at",
            )
            return None
        self._count_one_more()
        self._seen[key] = row_number
        parsed = ParsedMeasurement(
            row_number=row_number,
            kind=normalized.kind,
            value=normalized.value,
            unit=normalized.unit,
            measured_at=measured_at,
            context=normalized.context,
            client_ref=client_ref,
            secondary_value=normalized.secondary_value,
            warnings=normalized.warnings,
        )
        self.rows.append(parsed)
        return parsed

    def preview(self) -> ImportPreview:
        """The collected rows and errors in file order; a file with neither says so."""
        errors = sorted(self.errors, key=lambda e: e.row_number)
        rows = sorted(self.rows, key=lambda r: (r.row_number, r.kind))
        if not rows and not errors:
            errors = [RowError(FILE_ROW, "The file holds a header but no readings.")]
        return ImportPreview(self.format, rows, errors)

    def refuse(self, message: str, field: str = "file") -> ImportPreview:
        """A preview that imports nothing because of a file-level problem."""
        return ImportPreview(self.format, [], [RowError(FILE_ROW, message, field)])
