"""Walk EVERY registered API route (read from the URL resolver, not a hand-kept list) and prove
that another clinic's objects, an unassigned couple's objects and (in the portal) the other
partner's or another couple's objects answer 404 for every method the route accepts."""

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from clinic.identity import SECOND_FACTOR_NEEDED
from clinic.models import Role
from clinic.permissions import ADMIN_ONLY
from tests.conftest import api_client_for
from tests.factories import CoupleFactory, MembershipFactory
from tests.world import BUILDERS

CLINIC_PREFIX = "api/v1/clinics/<slug:clinic_slug>/"
PORTAL_PREFIX = "api/v1/portal/"
ROUTER_PK = "pk"


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def api_routes():
    return [
        (route, cb)
        for route, cb in _walk(get_resolver().url_patterns)
        if route.startswith("api/v1/")
    ]


def _kwargs(route):
    return re.findall(r"<(?:(\w+):)?(\w+)>", route)


def _methods(callback):
    # DRF adds "head" to a viewset's actions the first time it serves GET; HEAD is GET's twin.
    actions = getattr(callback, "actions", None)
    if actions:
        return sorted(m.upper() for m in actions if m not in ("options", "head"))
    cls = callback.cls
    return sorted(
        m.upper() for m in cls.http_method_names if hasattr(cls, m) and m not in ("options", "head")
    )


def _model_for(callback, kwarg):
    cls = callback.cls
    if kwarg == ROUTER_PK:
        model = getattr(cls, "model", None)
    else:
        model = getattr(cls, "url_models", {}).get(kwarg)
    assert model is not None, (
        f"{cls.__name__}: declare the model behind URL kwarg '{kwarg}' (url_models)"
    )
    assert model in BUILDERS, (
        f"{model.__name__} has no builder in tests/world.py (or tests/<app>/world.py)"
    )
    return model


def _fill(route, values):
    def sub(m):
        return str(values[m.group(2)])

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", sub, route)


def _call(client, method, url):
    return getattr(client, method.lower())(url, data={}, format="json")


OBJECT_ROUTES = [
    (route, cb)
    for route, cb in api_routes()
    if route.startswith(CLINIC_PREFIX) and any(k != "clinic_slug" for _, k in _kwargs(route))
]
CLINIC_ROUTES = [(route, cb) for route, cb in api_routes() if route.startswith(CLINIC_PREFIX)]
PORTAL_OBJECT_ROUTES = [
    (route, cb) for route, cb in api_routes() if route.startswith(PORTAL_PREFIX) and _kwargs(route)
]


def test_the_walk_sees_the_routes_it_must_cover():
    routes = [r for r, _ in CLINIC_ROUTES]
    assert any("couples/<uuid:pk>/" in r for r in routes)
    assert any("clients/<uuid:pk>/" in r for r in routes)


@pytest.fixture
def world(clinic, other_clinic, therapist, admin):
    foreign_couple = CoupleFactory(
        clinic=other_clinic, therapists=[MembershipFactory(clinic=other_clinic).user]
    )
    unassigned = CoupleFactory(clinic=clinic, therapists=[MembershipFactory(clinic=clinic).user])
    return {"foreign": foreign_couple, "unassigned": unassigned}


def _objects_for(callback, route, couple, partner):
    values = {}
    for _, kwarg in _kwargs(route):
        if kwarg == "clinic_slug":
            continue
        model = _model_for(callback, kwarg)
        values[kwarg] = BUILDERS[model].build(couple, partner).pk
    return values


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "callback"), CLINIC_ROUTES, ids=[r for r, _ in CLINIC_ROUTES])
def test_another_clinics_slug_is_404_on_every_route(route, callback, world, admin):
    couple = world["foreign"]
    values = {
        "clinic_slug": couple.clinic.slug,
        **_objects_for(callback, route, couple, couple.partner_a),
    }
    client = api_client_for(admin)
    for method in _methods(callback):
        response = _call(client, method, _fill(route, values))
        assert response.status_code == 404, f"{method} {route}: {response.status_code}"


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "callback"), OBJECT_ROUTES, ids=[r for r, _ in OBJECT_ROUTES])
def test_another_clinics_objects_are_404_on_every_route(route, callback, world, clinic, admin):
    couple = world["foreign"]
    values = {"clinic_slug": clinic.slug, **_objects_for(callback, route, couple, couple.partner_a)}
    client = api_client_for(admin)
    for method in _methods(callback):
        response = _call(client, method, _fill(route, values))
        assert response.status_code == 404, f"{method} {route}: {response.status_code}"


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "callback"), OBJECT_ROUTES, ids=[r for r, _ in OBJECT_ROUTES])
def test_unassigned_couples_objects_are_hidden_from_a_therapist(
    route, callback, world, clinic, therapist
):
    couple = world["unassigned"]
    values = {"clinic_slug": clinic.slug, **_objects_for(callback, route, couple, couple.partner_a)}
    couple_bound = all(
        BUILDERS[_model_for(callback, k)].couple_bound
        for _, k in _kwargs(route)
        if k != "clinic_slug"
    )
    client = api_client_for(therapist)
    for method in _methods(callback):
        response = _call(client, method, _fill(route, values))
        expected = {404} if couple_bound else {403, 404}
        assert response.status_code in expected, f"{method} {route}: {response.status_code}"
        if response.status_code == 403:
            assert response.json()["detail"] == ADMIN_ONLY, f"{method} {route}"


ADMIN_ONLY_ROUTES = [
    (route, cb) for route, cb in CLINIC_ROUTES if getattr(cb.cls, "admin_only", False)
]
ADMIN_ONLY_VIEWS = {
    "MemberViewSet",
    "InvitationViewSet",
    "AuditEventViewSet",
    "LicensedWordingViewSet",
    "ReliabilityOverrideViewSet",
    "ExportViewSet",
}


def test_admin_only_api_views_are_marked_as_such():
    assert {cb.cls.__name__ for _, cb in ADMIN_ONLY_ROUTES} == ADMIN_ONLY_VIEWS


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("route", "callback"), ADMIN_ONLY_ROUTES, ids=[r for r, _ in ADMIN_ONLY_ROUTES]
)
def test_admin_only_routes_refuse_a_therapist_with_the_reason(
    route, callback, world, clinic, therapist, couple
):
    """Same answer as the page decorator: 403 and why, before any object is looked up."""
    values = {"clinic_slug": clinic.slug, **_objects_for(callback, route, couple, couple.partner_a)}
    client = api_client_for(therapist)
    for method in _methods(callback):
        response = _call(client, method, _fill(route, values))
        assert response.status_code == 403, f"{method} {route}: {response.status_code}"
        assert response.json()["detail"] == ADMIN_ONLY


@pytest.mark.django_db
def test_portal_routes_hide_other_partners_and_couples(world, couple):
    """One test over all portal routes: they are few, and each needs three owners."""
    me, other_partner = couple.partner_a, couple.partner_b
    client = api_client_for(me.portal_user)
    for route, callback in PORTAL_OBJECT_ROUTES:
        cases = [
            ("another clinic", world["foreign"], world["foreign"].partner_a),
            ("another couple", world["unassigned"], world["unassigned"].partner_a),
        ]
        if all(BUILDERS[_model_for(callback, k)].individual for _, k in _kwargs(route)):
            cases.append(("the other partner", couple, other_partner))
        for label, owner_couple, owner in cases:
            values = _objects_for(callback, route, owner_couple, owner)
            for method in _methods(callback):
                response = _call(client, method, _fill(route, values))
                assert response.status_code == 404, (
                    f"{label}: {method} {route}: {response.status_code}"
                )


@pytest.mark.django_db
def test_staff_cannot_use_the_portal_and_clients_cannot_use_clinic_routes(
    couple, therapist, clinic
):
    assert api_client_for(therapist).get("/api/v1/portal/me/").status_code == 404
    partner = api_client_for(couple.partner_a.portal_user)
    assert partner.get(f"/api/v1/clinics/{clinic.slug}/couples/").status_code == 404
    assert partner.get("/api/v1/portal/me/").status_code == 200


@pytest.mark.django_db
def test_unknown_clinic_and_malformed_ids_are_404(admin, clinic):
    client = api_client_for(admin)
    assert client.get("/api/v1/clinics/no-such-clinic/couples/").status_code == 404
    assert client.get(f"/api/v1/clinics/{clinic.slug}/couples/not-a-uuid/").status_code == 404
    assert client.get(f"/api/v1/clinics/{clinic.slug}/couples/{uuid.uuid4()}/").status_code == 404


@pytest.mark.django_db
def test_therapist_cannot_use_admin_only_routes(therapist, clinic):
    client = api_client_for(therapist)
    for path in ("members/", "audit-events/"):
        response = client.get(f"/api/v1/clinics/{clinic.slug}/{path}")
        assert response.status_code == 403, path
        assert response.json()["detail"] == ADMIN_ONLY, path


def test_roles_used_by_walk_exist():
    assert {Role.ADMIN, Role.THERAPIST} <= set(Role.values)


@pytest.mark.django_db
def test_staff_without_a_second_factor_get_no_clinical_data_on_any_route(clinic, couple):
    """Every clinic API route, with the member's own objects, by token (issued before the
    second factor was required) and by session: 403 with the reason, no partner's name."""
    from tests.login import LoginClient

    admin = MembershipFactory(clinic=clinic, role=Role.ADMIN, second_factor=False).user
    couple.therapists.add(admin, through_defaults=couple.assignment_defaults)
    by_session = LoginClient()
    by_session.force_login(admin)
    names = {p.legal_name for p in couple.partners}
    failures = []
    for route, callback in CLINIC_ROUTES:
        values = {
            "clinic_slug": clinic.slug,
            **_objects_for(callback, route, couple, couple.partner_a),
        }
        for client in (api_client_for(admin), by_session):
            for method in _methods(callback):
                response = _call(client, method, _fill(route, values))
                body = response.content.decode()
                if response.status_code != 403 or SECOND_FACTOR_NEEDED not in body:
                    failures.append(f"{method} {route}: {response.status_code}")
                if any(name in body for name in names):
                    failures.append(f"{method} {route} shows a partner's name")
    assert len(CLINIC_ROUTES) > 40
    assert not failures, "\n".join(failures)
