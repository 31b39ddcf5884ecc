"""Reads that need care for measurements: one page of an import's preview."""

from dataclasses import dataclass

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
