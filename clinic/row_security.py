"""PostgreSQL row-level security on every table with `clinic_id` (ENABLE and FORCE), keyed on
the transaction-local setting `attune.clinic_id` that clinic.postgresql sets from the active
django-scopes scope:

- a clinic's id: that clinic's rows only, for reading and for writing (WITH CHECK);
- "all" (django-scopes disabled: sweeps, commands, identity look-ups, test fixtures): every row;
- unset or empty: no row at all, and no insert.

Applied after every migration (clinic.db_roles.harden), so a tenant table added by any app is
covered the moment it exists; tests/clinic/test_row_security.py fails for a table that is not.
The owner role has BYPASSRLS (migrations move rows of every clinic); the app role does not.
"""

POLICY = "attune_clinic_rows"

FUNCTIONS = """
CREATE OR REPLACE FUNCTION attune_scope_clinic() RETURNS uuid
    LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN s IS NULL OR s IN ('', 'all') THEN NULL ELSE s::uuid END
    FROM (SELECT current_setting('attune.clinic_id', true) AS s) AS setting
$$;
CREATE OR REPLACE FUNCTION attune_scope_all_clinics() RETURNS boolean
    LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('attune.clinic_id', true) = 'all', false)
$$;
"""

# Each function in a sub-select: PostgreSQL evaluates it once per statement (an InitPlan)
# rather than once per row, which cost a couple page of a year's history (hundreds of rows a
# query) twenty times its queries' own time.
ROW_VISIBLE = "(clinic_id = (SELECT attune_scope_clinic()) OR (SELECT attune_scope_all_clinics()))"

TABLES_WITH_CLINIC = """
SELECT c.table_name FROM information_schema.columns c
JOIN information_schema.tables t USING (table_schema, table_name)
WHERE c.table_schema = 'public' AND c.column_name = 'clinic_id' AND t.table_type = 'BASE TABLE'
ORDER BY c.table_name
"""


def tables_with_clinic(cursor) -> list[str]:
    cursor.execute(TABLES_WITH_CLINIC)
    return [row[0] for row in cursor.fetchall()]


def apply(connection) -> list[str]:
    """Enable and force row security with the clinic policy on every table with clinic_id."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(FUNCTIONS)
        tables = tables_with_clinic(cursor)
        for table in tables:
            cursor.execute(
                f"ALTER TABLE {quote(table)} ENABLE ROW LEVEL SECURITY;"
                f"ALTER TABLE {quote(table)} FORCE ROW LEVEL SECURITY;"
                f"DROP POLICY IF EXISTS {POLICY} ON {quote(table)};"
                f"CREATE POLICY {POLICY} ON {quote(table)} "
                f"USING {ROW_VISIBLE} WITH CHECK {ROW_VISIBLE};"
            )
    return tables
