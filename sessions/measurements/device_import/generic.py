"""Attune's own CSV layout: one reading per row, any kind, context in extra columns."""

from __future__ import annotations

from sessions.measurements.device_import.preview import ImportPreview, PreviewCollector
from sessions.measurements.device_import.tabular import (
    FileProblem,
    cell,
    parse_iso_aware,
    read_table,
)

FORMAT = "generic_csv"
REQUIRED_COLUMNS = ("kind", "value", "unit", "measured_at")
OPTIONAL_COLUMNS = ("client", "secondary_value")
EXAMPLE_HEADER = "client,kind,value,unit,measured_at,sample_type,minutes_after_waking"


def parse_generic_csv(text: str, *, max_readings: int | None = None) -> ImportPreview:
    """Parse `client,kind,value,unit,measured_at[,context columns...]` rows for one client.

    measured_at is ISO 8601 with an offset. Columns other than the named ones are context
    (sample_type, method, site, device, ...); blank cells are ignored. Blood pressure reads
    "120/80" in value, or systolic in value and diastolic in secondary_value. Every client
    cell must name the same client: a file imports for one client.
    """
    collector = PreviewCollector(FORMAT, max_readings=max_readings)
    try:
        table = read_table(text)
    except FileProblem as exc:
        return collector.refuse(str(exc), exc.field)

    missing = [name for name in REQUIRED_COLUMNS if table.index(name) is None]
    if missing:
        return collector.refuse(
            f"The header lacks {', '.join(missing)}; expected columns like: {EXAMPLE_HEADER}."
        )
    position = {name: table.index(name) for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}
    reserved = {p for p in position.values() if p is not None}
    context_columns = [
        (p, name) for p, name in enumerate(table.header) if p not in reserved and name
    ]

    first_client: tuple[str, int] | None = None
    for line, cells in table.rows:
        client = cell(cells, position["client"]) or None
        if client is not None:
            if first_client is None:
                first_client = (client, line)
            elif client != first_client[0]:
                collector.error(
                    line,
                    f"client {client!r} differs from {first_client[0]!r} in row "
                    f"{first_client[1]}; a file imports readings for one client.",
                    "client",
                )
                continue
        raw_time = cell(cells, position["measured_at"])
        measured_at = parse_iso_aware(raw_time)
        if measured_at is None:
            collector.error(line, _time_problem(raw_time), "measured_at")
            continue
        context = {name.lower(): cell(cells, p) for p, name in context_columns if cell(cells, p)}
        collector.add(
            line,
            kind=cell(cells, position["kind"]).lower(),
            value=cell(cells, position["value"]),
            unit=cell(cells, position["unit"]),
            measured_at=measured_at,
            context=context,
            client_ref=client,
            secondary_value=cell(cells, position["secondary_value"]) or None,
        )
    return collector.preview()


def _time_problem(raw: str) -> str:
    if not raw:
        return "measured_at is empty."
    if parse_iso_aware(raw + "+00:00") is not None:
        return f"measured_at {raw!r} has no UTC offset; write it like 2025-12-11T07:30:00+01:00."
    return f"measured_at {raw!r} is not an ISO 8601 date and time (2025-12-11T07:30:00+01:00)."
