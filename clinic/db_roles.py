"""The two PostgreSQL roles Attune connects as.

- The owner (DATABASE_OWNER_URL) owns every table: it runs `migrate` (and `flush`), and after
  each migration grants the app role what it needs. It has BYPASSRLS, for migrations that move
  rows of every clinic.
- The app role (DATABASE_URL) serves requests and runs Celery tasks. It is neither owner nor
  superuser, so it cannot drop or disable a trigger, set `session_replication_role`, TRUNCATE,
  or escape row-level security; and it may only INSERT into the audit trail.

Both point at the same database; only the credentials differ. Without DATABASE_OWNER_URL (the
SQLite quick start, or a single-role PostgreSQL) everything runs as the one configured role.
"""

from contextlib import contextmanager

from django.conf import settings
from django.db import connections

from clinic import row_security
from clinic.record_locks import IGNORE_ONLY_FOR_OWNERS

CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")

# What the app role may not do even though it may write the rest of the schema.
APP_ROLE_REVOKES = [
    # The migration history is the owner's.
    "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON django_migrations FROM {app}",
    # The audit trail is append-only: no UPDATE, DELETE or TRUNCATE, whatever a trigger says.
    "REVOKE UPDATE, DELETE, TRUNCATE ON clinic_auditevent FROM {app}",
]


def owner_credentials() -> dict | None:
    owner = getattr(settings, "DATABASE_OWNER", None)
    return {key: owner.get(key, "") for key in CREDENTIALS} if owner else None


def _switch(alias: str, credentials: dict) -> None:
    connection = connections[alias]
    if all(connection.settings_dict.get(k, "") == v for k, v in credentials.items()):
        return
    connection.close()
    connection.settings_dict.update(credentials)
    if settings.DATABASES[alias] is not connection.settings_dict:
        settings.DATABASES[alias].update(credentials)


@contextmanager
def as_owner(alias: str = "default"):
    """Run the block connected as the owner (a no-op when no owner is configured)."""
    owner = owner_credentials()
    if owner is None:
        yield
        return
    settings_dict = connections[alias].settings_dict
    previous = {key: settings_dict.get(key, "") for key in CREDENTIALS}
    _switch(alias, owner)
    try:
        yield
    finally:
        _switch(alias, previous)


def app_role() -> str | None:
    """The app role's name when an owner is configured apart from it, else None."""
    return getattr(settings, "DATABASE_APP_ROLE", None)


def harden(connection) -> None:
    """After every migration, as the owner: row-level security on every tenant table, grants
    for the app role (the rows it works on and nothing more), and pgtrigger's escape hatch kept
    for the owner only."""
    if connection.vendor != "postgresql":
        return
    row_security.apply(connection)
    with connection.cursor() as cursor:
        cursor.execute(IGNORE_ONLY_FOR_OWNERS)
        app = app_role()
        if not app or app == connection.settings_dict.get("USER"):
            return
        quoted = connection.ops.quote_name(app)
        for statement in [
            "GRANT USAGE ON SCHEMA public TO {app}",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app}",
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}",
            *APP_ROLE_REVOKES,
        ]:
            cursor.execute(statement.format(app=quoted))


@contextmanager
def migrating(alias: str = "default"):
    """For code that runs migrations itself (tests of a migration): connected as the owner, as
    `manage.py migrate` is, and with the app role's grants and row security applied afresh
    afterwards (tables that were dropped and created again have lost them)."""
    with as_owner(alias):
        try:
            yield
        finally:
            harden(connections[alias])
