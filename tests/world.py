"""Builders of one object of every tenant model, used by the route-walking tenancy tests.

A route whose URL names an object (pk, or a kwarg declared in the view's `url_models`) is
walked with objects from another clinic, an unassigned couple, and the other partner; the
walk fails for a model with no builder here, so a new route cannot go untested.

Register with `@builder(Model)`; the function receives the couple and the partner who owns
the object (for individual material) and returns a saved instance in the couple's clinic.
Pass `individual=True` for material that belongs to one partner (logs, answers, check-ins):
the portal walk then also proves the other partner of the same couple gets a 404.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from clinic.models import AuditEvent, Client, Couple, Invitation, Membership
from tests.factories import MembershipFactory


@dataclass(frozen=True)
class Builder:
    build: Callable
    individual: bool = False
    couple_bound: bool = True


BUILDERS: dict[type, Builder] = {}


def builder(model, *, individual: bool = False, couple_bound: bool = True):
    def register(fn):
        BUILDERS[model] = Builder(fn, individual=individual, couple_bound=couple_bound)
        return fn

    return register


@builder(Couple)
def _couple(couple, partner):
    return couple


@builder(Client, individual=True)
def _client(couple, partner):
    return partner


@builder(Membership, couple_bound=False)
def _membership(couple, partner):
    return MembershipFactory(clinic=couple.clinic)


@builder(Invitation, couple_bound=False)
def _invitation(couple, partner):
    from clinic.invitations import staff_invite

    admin = MembershipFactory(clinic=couple.clinic, role="admin").user
    return staff_invite(clinic=couple.clinic, by=admin, email=f"{uuid.uuid4().hex}@invited.test")


@builder(AuditEvent, couple_bound=False)
def _audit_event(couple, partner):
    return AuditEvent.objects.create(
        clinic=couple.clinic, action="read", object_type="x", object_id="1"
    )


def _load_app_builders() -> None:
    """Each app's test package may add builders in tests/<app>/world.py."""
    import importlib

    for app in ("sessions", "assessments", "reports"):
        try:
            importlib.import_module(f"tests.{app}.world")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"tests.{app}", f"tests.{app}.world"):
                raise


_load_app_builders()
