"""Django's PostgreSQL backend, plus the clinic for row-level security (and instants sent in
UTC, see DatabaseOperations).

Every tenant table's policy (clinic.row_security) reads the transaction-local setting
`attune.clinic_id`. This backend sets it from the active django-scopes scope before a statement
runs, so the database and the scoped managers always agree and the scope is entered in one
place only (the API base, the page decorator, the portal base, a task):

- a clinic scope  -> that clinic's id: only its rows are visible or writable;
- scopes_disabled -> "all": cross-clinic work (sweeps, commands, identity look-ups, fixtures);
- no scope        -> nothing set: no tenant row is visible and every insert is refused.

`set_config(..., true)` lasts one transaction (safe behind PgBouncer in transaction mode):
inside a transaction it is set when the scope differs from what was set there last; in
autocommit mode a statement that needs a clinic runs in a transaction of its own with it.
"""

import datetime

from django.db import transaction
from django.db.backends.postgresql import base, operations
from django_scopes import get_scope
from psycopg.pq import TransactionStatus

SET_CLINIC = "SELECT set_config('attune.clinic_id', %s, true)"
ALL_CLINICS = "all"


def scope_setting() -> str:
    """The value of attune.clinic_id that matches the active django-scopes scope."""
    current = get_scope()
    if not current.get("_enabled", True):
        return ALL_CLINICS
    clinic = current.get("clinic")
    if clinic is None or isinstance(clinic, list | tuple | set):
        return ""
    return str(getattr(clinic, "pk", clinic))


class DatabaseOperations(operations.DatabaseOperations):
    def adapt_datetimefield_value(self, value):
        # Python accepts UTC offsets up to +-23:59, PostgreSQL up to +-15:59 (a DataError, so a
        # 500, for e.g. ?since=...+20:00). The same instant in UTC is always accepted.
        if isinstance(value, datetime.datetime) and value.utcoffset() is not None:
            value = value.astimezone(datetime.UTC)
        return super().adapt_datetimefield_value(value)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # What attune.clinic_id holds in the open transaction (None: unknown or none set).
        self._clinic_setting: str | None = None
        self.execute_wrappers.append(self._with_clinic_setting)

    def _with_clinic_setting(self, execute, sql, params, many, context):
        wanted = scope_setting()
        status = self.connection.info.transaction_status
        if status == TransactionStatus.IDLE:
            self._clinic_setting = None  # a new transaction starts with nothing set
            if self.get_autocommit():
                if not wanted:
                    return execute(sql, params, many, context)
                with transaction.atomic(using=self.alias):
                    return self._with_clinic_setting(execute, sql, params, many, context)
        elif status != TransactionStatus.INTRANS:
            return execute(sql, params, many, context)  # aborted: the statement fails anyway
        if self._clinic_setting != wanted and (wanted or self._clinic_setting is not None):
            # A client-side cursor of its own: the statement's may be a named (server) cursor.
            self.connection.execute(SET_CLINIC, [wanted])
            self._clinic_setting = wanted
        return execute(sql, params, many, context)

    # A rollback (to a savepoint, too) may undo the setting: set it again before the next
    # statement.
    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._clinic_setting = None

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._clinic_setting = None

    def _savepoint_rollback(self, sid):
        try:
            return super()._savepoint_rollback(sid)
        finally:
            self._clinic_setting = None
