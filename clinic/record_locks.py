"""Database triggers that keep clinical records as written, declared on the models with
django-pgtrigger (PostgreSQL only; the SQLite quick start keeps the triggers of the first
migrations).

Triggers alone do not hold against the role that owns the tables (it may disable or drop
them) nor against a superuser (`session_replication_role = replica` skips them): the app
therefore connects as a role that is neither (see clinic.db_roles), and pgtrigger's own escape
hatch (`pgtrigger.ignore`) is honoured only for roles that could drop the trigger anyway.
"""

import pgtrigger

__all__ = [
    "IGNORE_ONLY_FOR_OWNERS",
    "append_only",
    "never_deleted",
    "refuse",
    "refuse_truncate",
    "refuse_when_voided",
]


def _raise(message: str, *args: str) -> str:
    """A PL/pgSQL RAISE with `%` placeholders filled from `args` (SQL expressions)."""
    fill = "".join(f", {arg}" for arg in args)
    return f"RAISE EXCEPTION '{message}'{fill} USING ERRCODE = 'restrict_violation';"


def refuse(
    *,
    name: str,
    operation: pgtrigger.Operation,
    message: str,
    args: tuple[str, ...] = (),
    condition: pgtrigger.Condition | None = None,
) -> pgtrigger.Trigger:
    """A row trigger that refuses `operation` (when `condition` holds) with `message`."""
    return pgtrigger.Trigger(
        name=name,
        when=pgtrigger.Before,
        operation=operation,
        condition=condition,
        func=_raise(message, *args),
    )


def refuse_truncate(what: str) -> pgtrigger.Trigger:
    """TRUNCATE skips row triggers: a statement trigger refuses it (for the owner too)."""
    return pgtrigger.Trigger(
        name="no_truncate",
        when=pgtrigger.Before,
        operation=pgtrigger.Truncate,
        level=pgtrigger.Statement,
        func=_raise(f"{what} are never truncated"),
    )


def refuse_when_voided(what: str) -> pgtrigger.Trigger:
    """A voided entry is kept as it was when taken back: no later UPDATE touches it."""
    return refuse(
        name="voided_lock",
        operation=pgtrigger.Update,
        condition=pgtrigger.Q(old__voided_at__isnull=False),
        message=f"{what} % was voided and is kept as it is",
        args=("OLD.id",),
    )


# pgtrigger lets any session skip a trigger by naming it in the `pgtrigger.ignore` setting,
# which every role may set. Redefined after every migration (clinic.db_roles) so that the
# setting counts only for superusers and roles that bypass row security (the owner), who could
# drop the trigger anyway; for the app role it changes nothing.
IGNORE_ONLY_FOR_OWNERS = """
CREATE OR REPLACE FUNCTION public._pgtrigger_should_ignore(trigger_name NAME)
RETURNS BOOLEAN AS $$
    DECLARE
        _pgtrigger_ignore TEXT[];
    BEGIN
        IF NOT EXISTS (
            SELECT 1 FROM pg_roles
            WHERE rolname = current_user AND (rolsuper OR rolbypassrls)
        ) THEN
            RETURN FALSE;
        END IF;
        BEGIN
            SELECT INTO _pgtrigger_ignore CURRENT_SETTING('pgtrigger.ignore');
            EXCEPTION WHEN OTHERS THEN
        END;
        RETURN COALESCE(trigger_name = ANY(_pgtrigger_ignore), FALSE);
    END;
$$ LANGUAGE plpgsql;
"""


def append_only(what: str) -> list[pgtrigger.Trigger]:
    """Rows written once: never updated, deleted or truncated."""
    return [
        refuse(
            name="append_only",
            operation=pgtrigger.Update | pgtrigger.Delete,
            message=f"{what} are append-only (% refused)",
            args=("TG_OP",),
        ),
        refuse_truncate(what),
    ]


def never_deleted(what: str) -> list[pgtrigger.Trigger]:
    """Rows that are ended, archived or voided instead of deleted."""
    return [
        refuse(
            name="never_deleted",
            operation=pgtrigger.Delete,
            message=f"{what} are never deleted; end, archive or void them instead",
        ),
        refuse_truncate(what),
    ]
