"""Reading delimited text and timestamps the way device exports write them."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class FileProblem(ValueError):
    """The file as a whole cannot be read (empty, not text), or its time zone is unusable."""

    def __init__(self, message: str, field: str = "file") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Table:
    """Header names stripped of spaces; rows as (line number, cells), blank lines skipped."""

    header: list[str]
    rows: list[tuple[int, list[str]]]

    def index(self, name: str) -> int | None:
        """Position of a column, matched case-insensitively."""
        wanted = name.strip().lower()
        for position, column in enumerate(self.header):
            if column.lower() == wanted:
                return position
        return None


def read_table(text: str, delimiter: str = ",") -> Table:
    """Split text into a header and rows; raise FileProblem when there is nothing to read."""
    if not isinstance(text, str):
        raise FileProblem("The file could not be read as text.")
    text = text.lstrip("\ufeff")  # Excel and some phones start UTF-8 files with a BOM
    if not text.strip():
        raise FileProblem("The file is empty.")
    # skipinitialspace: some exports (HRV4Training) write ", " between cells.
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip() for cell in cells]
            else:
                rows.append((reader.line_num, [cell.strip() for cell in cells]))
    except csv.Error as exc:
        raise FileProblem(f"Line {reader.line_num} could not be read: {exc}.") from None
    if header is None:
        raise FileProblem("The file is empty.")
    return Table(header, rows)


def first_line(text: str) -> str:
    """The first non-blank line, without a BOM; used to recognise a format."""
    for line in text.lstrip("\ufeff").splitlines():
        if line.strip():
            return line.strip()
    return ""


def cell(cells: list[str], position: int | None) -> str:
    """The cell at `position`, or "" when the row is short or the column absent."""
    if position is None or position >= len(cells):
        return ""
    return cells[position]


def parse_iso_aware(raw: str) -> datetime | None:
    """An ISO 8601 timestamp that carries an offset, or None."""
    try:
        parsed = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def parse_iso_local(raw: str, tz: tzinfo | None) -> datetime | None:
    """An ISO 8601 timestamp; one without an offset is local time in `tz` (None: unreadable)."""
    try:
        parsed = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        return parsed
    return parsed.replace(tzinfo=tz) if tz is not None else None


def lacks_offset(raw: str) -> bool:
    """True for a readable ISO 8601 timestamp written without an offset."""
    try:
        return datetime.fromisoformat(raw.strip()).tzinfo is None
    except ValueError:
        return False


def parse_spaced_offset(raw: str) -> datetime | None:
    """A timestamp like `2025-12-11 00:01:00 +0000` (HRV4Training, Apple Health), or None."""
    try:
        return datetime.strptime(raw.strip(), "%Y-%m-%d %H:%M:%S %z")
    except ValueError:
        return parse_iso_aware(raw)


NO_ZONE_MESSAGE = "This file's times carry no time zone; choose the zone it was recorded in."


def resolve_zone(tz: tzinfo | str | None) -> tzinfo | None:
    """A tzinfo from a zone object or IANA name, None when not given; FileProblem if unknown."""
    if tz is None or (isinstance(tz, str) and not tz.strip()):
        return None
    if isinstance(tz, str):
        try:
            return ZoneInfo(tz.strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise FileProblem(
                f"{tz!r} is not a known time zone (e.g. Europe/Berlin).", "tz"
            ) from None
    return tz
