"""Row-level security, proven from the app role's own connection (the suite runs as it): with no
clinic set no tenant row is visible and no insert is accepted; with clinic A set none of clinic
B's rows can be read or written. And the check CI runs: every table with clinic_id has row
security enabled and forced with the clinic policy, and no table holding clinic data lacks
clinic_id."""

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction
from django_scopes import scope, scopes_disabled

from clinic import row_security
from clinic.models import Client, Couple
from clinic.postgresql.base import scope_setting
from tests.factories import ClientFactory, CoupleFactory, MembershipFactory

pytestmark = pytest.mark.django_db

# Tables without clinic_id, and why they hold no clinic's data.
NOT_CLINIC_DATA = {
    "clinic_clinic": "the tenants themselves",
    "clinic_user": "people; a user may work for several clinics (memberships carry the clinic)",
    "clinic_user_groups": "Django permissions of a user (unused)",
    "clinic_user_user_permissions": "Django permissions of a user (unused)",
    "django_migrations": "schema history",
    "attune_cache_fallback": "the cache while Redis is unreachable (rate limits, used TOTP codes)",
}
# Third-party apps whose tables are about users or the system, never a clinic's records.
NOT_CLINIC_APPS = {
    "auth": "Django's permission tables",
    "contenttypes": "model registry",
    "sessions": "login sessions of a user",
    "knox": "API tokens of a user",
    "django_celery_beat": "the schedule of periodic tasks",
    "account": "email addresses of a user (allauth)",
    "mfa": "second factors of a user (allauth)",
    "socialaccount": "third-party logins of a user (allauth)",
    "usersessions": "sessions of a user (allauth)",
    "axes": "failed logins per account and address",
}


def _tables() -> dict[str, tuple[bool, bool, bool, bool]]:
    """{table: (has clinic_id, row security enabled, forced, has the clinic policy)}."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname,
                   EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                           AND a.attname = 'clinic_id' AND NOT a.attisdropped),
                   c.relrowsecurity, c.relforcerowsecurity,
                   EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid
                           AND p.polname = %s)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
            """,
            [row_security.POLICY],
        )
        return {name: flags for name, *flags in cursor.fetchall()}


def _app_of_table() -> dict[str, str]:
    return {m._meta.db_table: m._meta.app_label for m in apps.get_models(include_auto_created=True)}


def test_every_table_with_clinic_id_has_enabled_and_forced_row_security():
    tables = _tables()
    unguarded = sorted(
        name for name, (clinic_id, *guard) in tables.items() if clinic_id and not all(guard)
    )
    assert unguarded == []
    assert len([t for t, (clinic_id, *_) in tables.items() if clinic_id]) >= 25


def test_no_table_holding_clinic_data_lacks_clinic_id():
    owner = _app_of_table()
    missing = sorted(
        name
        for name, (clinic_id, *_) in _tables().items()
        if not clinic_id
        and name not in NOT_CLINIC_DATA
        and owner.get(name, "?") not in NOT_CLINIC_APPS
    )
    assert missing == [], (
        "give these tables a clinic (clinic.tenancy.TenantModel), or list them above with why "
        "they hold no clinic's data"
    )


def _count(table: str, where: str = "", params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} {where}", list(params))  # noqa: S608
        return cursor.fetchone()[0]


def _insert_client(clinic_id) -> None:
    """Through the manager's escape hatch: django-scopes lets it by, the database must not."""
    with transaction.atomic():
        Client.objects.with_scopes_disabled().create(clinic_id=clinic_id, legal_name="Injected")


@pytest.fixture
def two_clinics(clinic, other_clinic):
    ours = CoupleFactory(clinic=clinic, therapists=[MembershipFactory(clinic=clinic).user])
    theirs = CoupleFactory(
        clinic=other_clinic, therapists=[MembershipFactory(clinic=other_clinic).user]
    )
    return ours, theirs


def test_with_no_clinic_set_no_row_is_visible_and_inserts_are_refused(two_clinics, clinic):
    with scope():  # scopes enabled, no clinic: what a request or task sees before it enters one
        assert scope_setting() == ""
        for table in row_security.tables_with_clinic(connection.cursor()):
            assert _count(table) == 0, table
        with pytest.raises(DatabaseError, match="row-level security"):
            _insert_client(clinic.pk)
    with scopes_disabled():
        assert _count("clinic_couple") == 2


def test_with_clinic_a_set_none_of_clinic_bs_rows_is_visible_or_writable(
    two_clinics, clinic, other_clinic
):
    ours, theirs = two_clinics
    with scope(clinic=clinic):
        assert scope_setting() == str(clinic.pk)
        assert _count("clinic_couple") == 1
        assert _count("clinic_couple", "WHERE id = %s", [theirs.pk]) == 0
        assert _count("clinic_client", "WHERE clinic_id = %s", [other_clinic.pk]) == 0
        assert _count("clinic_membership", "WHERE clinic_id = %s", [other_clinic.pk]) == 0
        assert _count("clinic_coupletherapist", "WHERE clinic_id = %s", [other_clinic.pk]) == 0
        # Their rows can be neither changed nor removed: the statements match nothing.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE clinic_client SET legal_name = 'Overwritten' WHERE clinic_id = %s",
                [other_clinic.pk],
            )
            assert cursor.rowcount == 0
            cursor.execute(
                "DELETE FROM clinic_couplestatuschange WHERE clinic_id = %s", [other_clinic.pk]
            )
            assert cursor.rowcount == 0
        # Nor can one of ours be moved into their clinic, or a row be added to it.
        with (
            pytest.raises(DatabaseError, match="row-level security"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                "UPDATE clinic_client SET clinic_id = %s WHERE id = %s",
                [other_clinic.pk, ours.partner_a_id],
            )
        with pytest.raises(DatabaseError, match="row-level security"):
            _insert_client(other_clinic.pk)
        _insert_client(clinic.pk)  # our own clinic's insert is accepted
    with scopes_disabled():
        assert not Client.objects.filter(clinic=other_clinic, legal_name="Overwritten").exists()
        assert Client.objects.get(pk=ours.partner_a_id).clinic == clinic


def test_the_orm_inside_a_clinic_scope_sees_that_clinic_only_even_unscoped(two_clinics, clinic):
    """A forgotten filter under a clinic scope (the manager's escape hatch) still cannot leak."""
    ours, _theirs = two_clinics
    with scope(clinic=clinic):
        assert list(Couple.objects.with_scopes_disabled().values_list("pk", flat=True)) == [ours.pk]


def test_the_clinic_setting_lasts_one_transaction_only(two_clinics, clinic):
    with scope(clinic=clinic):
        assert _count("clinic_couple") == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('attune.clinic_id', true)")
        assert cursor.fetchone()[0] == "all"  # the test's own (fixtures') context again


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_setting_does_not_outlive_the_statement(clinic, other_clinic):
    ClientFactory(clinic=clinic)
    ClientFactory(clinic=other_clinic)
    with scope(clinic=clinic):
        assert _count("clinic_client") == 1  # autocommit: set and read in one transaction
    with scope():
        assert _count("clinic_client") == 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(current_setting('attune.clinic_id', true), '')")
            assert cursor.fetchone()[0] == ""


def test_the_policy_reads_the_clinic_setting_once_per_statement_not_per_row(two_clinics, clinic):
    # Not a timing: the plan itself. A policy function called per row made a couple page of a
    # year's history (hundreds of rows a query) cost twenty times its queries' own time.
    with scope(clinic=clinic), connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (VERBOSE) SELECT * FROM clinic_client WHERE clinic_id = %s", [clinic.pk]
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    filters = [line for line in plan.splitlines() if "Filter:" in line]
    assert "InitPlan" in plan
    assert filters
    assert not any("attune_scope_clinic()" in line for line in filters), plan
    assert not any("current_setting" in line for line in filters), plan
