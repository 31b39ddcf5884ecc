"""The tenancy core: every clinic-owned row carries `clinic`, and its default manager refuses
to query unless a clinic scope is active (django-scopes), so a forgotten filter raises instead
of leaking another clinic's records.

Views activate the scope from the URL's clinic (see clinic.api_base / clinic.page_access),
Celery tasks from the row they load, management commands and tests with `scopes_disabled()`.
The database follows the same scope through row-level security (clinic.postgresql): outside
any scope it shows no tenant row at all; `scopes_disabled()` is cross-clinic work (identity
look-ups such as "which clinics is this login a member of", sweeps, commands, fixtures).
"""

import uuid
from contextlib import contextmanager

from django.db import connection, models, transaction
from django_scopes import ScopedManager, scope, scopes_disabled
from django_scopes.state import state as scope_state

__all__ = [
    "TenantModel",
    "TenantQuerySet",
    "across_clinics",
    "clinic_scope",
    "outside_any_clinic",
    "request_transaction",
    "scope",
    "scopes_disabled",
]


class TenantQuerySet(models.QuerySet):
    def for_clinic(self, clinic) -> "TenantQuerySet":
        """Rows of one clinic; the entry point every view and selector starts from."""
        return self.filter(clinic=clinic)


def tenant_manager(queryset_class: type[TenantQuerySet] = TenantQuerySet):
    """A manager that filters by, and requires, the active clinic scope."""
    return ScopedManager(
        clinic="clinic", _manager_class=models.Manager.from_queryset(queryset_class)
    )


class TenantModel(models.Model):
    """Abstract base for clinic-owned rows: UUID public id and a non-null, indexed clinic."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.PROTECT, related_name="+")

    objects = tenant_manager()

    class Meta:
        abstract = True


def clinic_scope(clinic):
    """Context manager activating the scope of one clinic (for tasks and commands)."""
    return scope(clinic=clinic)


def across_clinics():
    """Context manager for the few reads and writes that are cross-clinic by nature: identity
    look-ups (which clinics a login belongs to, whether it is a client's portal login), and the
    sweeps that find work by id before entering its clinic. App code leaves the scope only
    through this (ruff's TID251 bans `scopes_disabled` outside tenancy, tasks, commands and
    tests), so every such place is one grep away."""
    return scopes_disabled()


@contextmanager
def outside_any_clinic():
    """Scopes enabled and no clinic active, whatever the caller's context: where a request or
    a task enters, so that only its own `scope(clinic=...)` opens a clinic's rows (and a test's
    fixtures, built with scopes disabled, lend it nothing)."""
    token = scope_state.set({"_enabled": True})
    try:
        yield
    finally:
        scope_state.reset(token)


def request_outside_any_clinic(get_response):
    """Middleware: every request starts outside any clinic (see outside_any_clinic)."""

    def middleware(request):
        with outside_any_clinic():
            return get_response(request)

    return middleware


@contextmanager
def request_transaction():
    """A request's work in one database transaction, entered with its clinic scope.

    Row-level security reads the clinic from a transaction-local setting (clinic.postgresql):
    outside a transaction every statement in a clinic runs in one of its own, four round trips
    (BEGIN, the setting, the statement, COMMIT) where one would do; a page of 15 queries paid
    60. In one transaction the setting is sent once. An exception rolls the request's writes
    back, as a 500 should. Inside a transaction already (a test, a service) it adds nothing,
    not even a savepoint."""
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        yield
