"""Query shapes shared by the apps that the databases Attune runs on do not all offer."""

from django.db import connections
from django.db.models import Field, Lookup, QuerySet
from django.db.models.fields.related import ForeignObject
from django.db.models.lookups import In


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


class AnyOf(Lookup):
    """`couple_id__any_of=ids`: the column equals one of the values, as `__in` does, but sent to
    PostgreSQL as one array parameter (`= ANY(%s)`) instead of a placeholder per value.

    A page's enrichers each look up its 50 couples: with `__in` every query carried 50 values
    that Django prepared and psycopg quoted into the SQL one by one, a quarter of a millisecond
    a query. Elsewhere (the SQLite quick start) it is `__in`."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self):
        field = self.lhs.output_field
        return [field.get_prep_value(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql":
            return In(self.lhs, self.rhs).as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(value, connection, prepared=True) for value in self.rhs]
        return f"{lhs} = ANY(%s)", (*lhs_params, values)


def register_lookups() -> None:
    """Called once from the clinic app's ready()."""
    Field.register_lookup(AnyOf)
    ForeignObject.register_lookup(AnyOf)  # relations keep lookups of their own, not Field's
