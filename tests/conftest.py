"""Shared fixtures: two clinics (ours and another), staff of each, couples, API clients.

Fixtures build rows with django-scopes disabled, so they can build freely; every view activates
its own clinic scope, so the API and pages are still exercised scoped. Tests of services and
selectors are marked `scoped`: their body runs in the `clinic` fixture's scope, as a view or a
task would call them, so a query that forgets its clinic raises instead of passing silently.
"""

import pytest
from django.db import connections
from django_scopes import scope, scopes_disabled
from knox.models import AuthToken
from rest_framework.test import APIClient

from clinic import db_roles
from clinic.models import Role
from tests.factories import ClinicFactory, CoupleFactory, MembershipFactory
from tests.login import LoginClient

# The S3 API server and object-storage fixtures (s3_server, s3_bucket, s3_storage), and
# private PgBouncer instances (pgbouncer_factory).
pytest_plugins = ["tests.object_storage", "tests.fleet.pgbouncer"]

_APP_CREDENTIALS: dict = {}


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """The owner creates and migrates the test database, as it migrates in production..."""
    owner = db_roles.owner_credentials()
    if owner:
        settings_dict = connections["default"].settings_dict
        _APP_CREDENTIALS.update({key: settings_dict.get(key, "") for key in owner})
        settings_dict.update(owner)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """...then the whole suite runs as the app role (neither owner nor superuser), and the
    owner drops the database at the end."""
    owner = db_roles.owner_credentials()
    if not owner:
        yield
        return
    with django_db_blocker.unblock():
        connections["default"].close()
        connections["default"].settings_dict.update(_APP_CREDENTIALS)
    yield
    with django_db_blocker.unblock():
        connections["default"].close()
        connections["default"].settings_dict.update(owner)


@pytest.fixture(scope="session", autouse=True)
def _tests_migrate_as_the_owner():
    """A test that runs migrations itself (MigrationExecutor) runs them as the owner, as
    `manage.py migrate` does; the app role's grants and row security are applied afresh after
    (tables dropped and made again have lost them)."""
    from django.db.migrations.executor import MigrationExecutor

    original = MigrationExecutor.migrate

    def migrate(self, *args, **kwargs):
        with db_roles.migrating(self.connection.alias):
            return original(self, *args, **kwargs)

    MigrationExecutor.migrate = migrate
    yield
    MigrationExecutor.migrate = original


@pytest.fixture(autouse=True)
def _no_scope_for_fixtures():
    with scopes_disabled():
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    if item.get_closest_marker("scoped") is None:
        yield
        return
    assert "clinic" in item.funcargs, f"{item.nodeid}: a scoped test needs the clinic fixture"
    with scope(clinic=item.funcargs["clinic"]):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache (Redis in the suite): each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def client():
    return LoginClient()


@pytest.fixture
def clinic(db):
    return ClinicFactory(slug="harbour", name="Harbour")


@pytest.fixture
def other_clinic(db):
    return ClinicFactory(slug="elsewhere", name="Elsewhere")


@pytest.fixture
def admin(clinic):
    return MembershipFactory(clinic=clinic, role=Role.ADMIN).user


@pytest.fixture
def therapist(clinic):
    return MembershipFactory(clinic=clinic, role=Role.THERAPIST).user


@pytest.fixture
def other_therapist(clinic):
    """A therapist of the same clinic who is not assigned to `couple`."""
    return MembershipFactory(clinic=clinic, role=Role.THERAPIST).user


@pytest.fixture
def outsider(other_clinic):
    return MembershipFactory(clinic=other_clinic, role=Role.ADMIN).user


@pytest.fixture
def couple(clinic, therapist):
    return CoupleFactory(clinic=clinic, therapists=[therapist])


def api_client_for(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def api_as():
    return api_client_for
