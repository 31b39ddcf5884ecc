"""Query shapes shared by the apps that the databases Attune runs on do not all offer."""

from django.db import connections
from django.db.models import QuerySet


def first_rows_per(qs: QuerySet, keys: tuple[str, ...], *fields: str, **expressions) -> list[dict]:
    """The first row of an ordered queryset for each value of `keys`, as dicts of `fields` and
    `expressions` (`keys` among them). PostgreSQL keeps one row per key with DISTINCT ON along
    its index; elsewhere (the SQLite quick start) the same rows are picked in Python from the
    one ordered query."""
    if connections[qs.db].features.can_distinct_on_fields:
        return list(qs.distinct(*keys).values(*fields, **expressions))
    seen: set = set()
    rows = []
    for row in qs.values(*fields, **expressions):
        key = tuple(row[k] for k in keys)
        if key not in seen:
            seen.add(key)
            rows.append(row)
    return rows
