"""Every operation of the OpenAPI schema (served at /api/schema/), driven by schemathesis through
the WSGI application in-process: as a therapist (clinic routes; the clinic's admin where a route
is admin-only), as a portal partner (portal routes) and anonymously (the login).

Each generated request must pass schemathesis' standard checks (no server error, status codes,
content types, headers and bodies as the schema documents them, invalid input refused, valid
input accepted) and ours: a request that succeeded, sent again with another clinic's
credentials, must not reach our clinic's data (404 where the URL names our clinic or our
objects; elsewhere no identifier of ours in the answer).

Path parameters are our own objects (built as the route walk builds them), so requests reach the
views instead of stopping at 404. The number of examples per operation is bounded
(API_PROPERTY_EXAMPLES, default 10: about two and a half minutes on a shared two-core machine;
25 found nothing more when last raised).
"""

import os
import re
import uuid
from functools import cache

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import resolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic.models import Role
from clinic.wsgi import application
from tests.factories import PASSWORD, CoupleFactory, MembershipFactory, totp_code
from tests.world import BUILDERS

pytestmark = [pytest.mark.api_properties, pytest.mark.django_db]

SCHEMA_PATH = "/api/schema/"
EXAMPLES = int(os.environ.get("API_PROPERTY_EXAMPLES", "10"))
METHODS = ("get", "post", "put", "patch", "delete")
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _document() -> dict:
    """The schema as drf-spectacular generates it, read at collection time (no database) only
    to name the tests; the tests themselves load the schema the server serves."""
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


OPERATIONS = [
    (method.upper(), path)
    for path, item in _document()["paths"].items()
    for method in METHODS
    if method in item
]


@pytest.fixture
def _wsgi_keeps_the_test_transaction():
    """Django closes a connection at the end of a request when it is not in autocommit, which
    inside a test's transaction it never is; its own test client disconnects the same signals."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Schema-valid is not always acceptable: a well-formed id that names no object of ours, a date
# range ending before it starts or the wrong password are refused with 400 and the reason, as
# the business rules require. Every other standard check runs as shipped.
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "429"]
            }
        }
    }
)
_SCHEMA: dict = {}


def _served_schema():
    if "schema" not in _SCHEMA:
        schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, application, config=CONFIG)
        _SCHEMA["schema"] = schema
    return _SCHEMA["schema"]


def _token(email: str, *, staff: bool) -> str:
    from werkzeug.test import Client

    body = {"email": email, "password": PASSWORD, "code": totp_code() if staff else ""}
    response = Client(application).post(
        "/api/v1/auth/login/", json=body, headers={"Host": "localhost"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["token"]


@cache
def _route(path: str):
    """The URL pattern behind a schema path, found by resolving a sample of it."""
    sample = re.sub(
        r"\{[^}]+\}",
        lambda m: "harbour" if m.group(0) == "{clinic_slug}" else str(uuid.uuid4()),
        path,
    )
    return resolve(sample)


def _path_values(path, match, couple, partner):
    """Our own objects for the path's parameters, in the order the route names them."""
    names = re.findall(r"\{([^}]+)\}", path)
    kwargs = re.findall(r"<(?:\w+:)?(\w+)>", match.route)
    values = {}
    for name, kwarg in zip(names, kwargs, strict=True):
        if kwarg == "clinic_slug":
            values[name] = couple.clinic.slug
            continue
        cls = match.func.cls
        model = cls.model if kwarg == "pk" else cls.url_models[kwarg]
        values[name] = str(BUILDERS[model].build(couple, partner).pk)
    return values


def _leak(*, names_ours: bool, replay_status: int, replay_text: str, ours: set[str]) -> str | None:
    """What another clinic's caller got that it must not, replaying a request that succeeded
    for us: anything but a 404 where the URL names our clinic or objects; elsewhere (portal
    routes scoped by the caller's own login) any identifier of ours in its answer."""
    if names_ours:
        return None if replay_status == 404 else f"another clinic's caller got {replay_status}"
    seen = set(UUID_RE.findall(replay_text)) & ours if 200 <= replay_status < 300 else set()
    return f"another clinic's caller saw our identifiers {sorted(seen)}" if seen else None


@pytest.mark.parametrize(
    ("names_ours", "status", "text", "leak"),
    [
        (True, 404, "", None),
        (True, 200, "", "another clinic's caller got 200"),
        (True, 403, "", "another clinic's caller got 403"),
        (False, 200, '{"id": "%s"}' % ("1" * 8 + "-1111-1111-1111-" + "1" * 12), "saw"),
        (False, 200, '{"id": "%s"}' % ("2" * 8 + "-2222-2222-2222-" + "2" * 12), None),
        (False, 400, "", None),
    ],
)
def test_the_replay_check_names_a_leak(names_ours, status, text, leak):
    ours = {"1" * 8 + "-1111-1111-1111-" + "1" * 12}
    found = _leak(names_ours=names_ours, replay_status=status, replay_text=text, ours=ours)
    assert (found is None) == (leak is None)
    assert leak is None or leak in found


class World:
    def __init__(self, clinic, other_clinic):
        self.therapist = MembershipFactory(clinic=clinic, role=Role.THERAPIST).user
        self.admin = MembershipFactory(clinic=clinic, role=Role.ADMIN).user
        self.couple = CoupleFactory(clinic=clinic, therapists=[self.therapist])
        self.partner = self.couple.partner_a
        foreign_admin = MembershipFactory(clinic=other_clinic, role=Role.ADMIN).user
        foreign_couple = CoupleFactory(clinic=other_clinic, therapists=[foreign_admin])
        self.foreign_admin = foreign_admin
        self.foreign_partner = foreign_couple.partner_a


def _actor(path, match, world):
    """Who sends the operation, and who replays it from another clinic."""
    if path.startswith("/api/v1/portal/"):
        return (world.partner.portal_user, False), (world.foreign_partner.portal_user, False)
    if path.startswith("/api/v1/clinics/"):
        admin_only = getattr(match.func.cls, "admin_only", False) is True
        staff = world.admin if admin_only else world.therapist
        return (staff, True), (world.foreign_admin, True)
    return (None, False), (None, False)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
@pytest.mark.usefixtures("_wsgi_keeps_the_test_transaction")
def test_operation_keeps_its_schema_and_its_clinic(method, path, clinic, other_clinic):
    schema = _served_schema()
    operation = schema[path][method]
    world = World(clinic, other_clinic)
    match = _route(path)
    (actor, staff), (stranger, stranger_staff) = _actor(path, match, world)
    headers = {"Authorization": f"Token {_token(actor.email, staff=staff)}"} if actor else {}
    replay_headers = (
        {"Authorization": f"Token {_token(stranger.email, staff=stranger_staff)}"}
        if stranger
        else None
    )
    values = _path_values(path, match, world.couple, world.partner)
    ours = {str(world.couple.pk), str(world.partner.pk), *values.values()}
    answered, replayed = [], []

    # Passed to this operation's calls only (not registered: a registered check would run for
    # every later operation with this world's credentials).
    def another_clinic_sees_nothing(ctx, response, case):
        answered.append(response.status_code)
        if replay_headers is None or not 200 <= response.status_code < 300:
            return None
        replay = case.call(headers=replay_headers)
        replayed.append(replay.status_code)
        leak = _leak(
            names_ours=bool(values),
            replay_status=replay.status_code,
            replay_text=replay.text or "",
            ours=ours | set(UUID_RE.findall(response.text or "")),
        )
        assert leak is None, f"{case.method} {case.formatted_path}: {leak}"
        return True

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=st.one_of(
            operation.as_strategy(schemathesis.GenerationMode.POSITIVE, path_parameters=values),
            operation.as_strategy(schemathesis.GenerationMode.NEGATIVE, path_parameters=values),
        )
    )
    def run(case):
        case.call_and_validate(headers=headers, additional_checks=[another_clinic_sees_nothing])

    run()
    # The replay ran wherever a request succeeded (the check cannot pass by never running).
    successes = [code for code in answered if 200 <= code < 300]
    assert len(replayed) == (len(successes) if replay_headers else 0)
