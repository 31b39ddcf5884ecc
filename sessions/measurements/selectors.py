"""Reads that need care for measurements: one page of an import's preview."""

from dataclasses import dataclass
from datetime import datetime

from sessions.measurements.physiology import KIND_BY_CODE
from sessions.models import MeasurementImport

#: readings (and bad rows) on one page of an import's preview
PREVIEW_PAGE_SIZE = 100


@dataclass(frozen=True)
class PreviewPage:
    number: int  # 1-based
    page_count: int
    rows: list[dict]
    errors: list[dict]


def preview_page(pending: MeasurementImport, page=None) -> PreviewPage:
    """Page `page` (1-based; anything unreadable is the first, past the end the last) of an
    import's readings and of its bad rows, PREVIEW_PAGE_SIZE of each, counted from the stored
    counts so a page never needs more than its own slice."""
    longest = max(pending.row_count, pending.error_count)
    page_count = max(1, -(-longest // PREVIEW_PAGE_SIZE))
    try:
        number = int(page or 1)
    except (TypeError, ValueError):
        number = 1
    number = min(max(number, 1), page_count)
    start = (number - 1) * PREVIEW_PAGE_SIZE
    end = start + PREVIEW_PAGE_SIZE
    return PreviewPage(number, page_count, pending.rows[start:end], pending.errors[start:end])


def readable_rows(rows: list[dict]) -> list[dict]:
    """Preview rows for the page (the API keeps the stored form)."""
    return [_readable(row) for row in rows]


def _readable(row: dict) -> dict:
    """A stored preview row as people read it: the kind's name, the time as a datetime (the
    page writes it in the clinic's zone), its context in words."""
    kind = KIND_BY_CODE.get(row["kind"])
    return {
        **row,
        "kind_label": kind.label if kind else row["kind"],
        "measured_at": datetime.fromisoformat(row["measured_at"]),
        "context_text": ", ".join(
            f"{_context_label(kind, name)}: {str(value).replace('_', ' ')}"
            for name, value in (row.get("context") or {}).items()
            if value not in (None, "")
        ),
    }


def _context_label(kind, name: str) -> str:
    spec = kind.context_field(name) if kind else None
    return spec.label if spec else name.replace("_", " ").capitalize()
