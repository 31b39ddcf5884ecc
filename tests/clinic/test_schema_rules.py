"""Rules every model and migration of Attune keeps, checked over the whole project so that a
model added tomorrow is held to them too."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django_scopes.manager import DisabledQuerySet

from clinic.tenancy import scope

OUR_APPS = {"clinic", "therapy_sessions", "assessments", "reports"}
NOT_TENANT_OWNED = {"clinic.Clinic", "clinic.User"}


def our_models():
    return [m for m in apps.get_models() if m._meta.app_label in OUR_APPS]


@pytest.mark.parametrize("model", our_models(), ids=lambda m: m._meta.label)
def test_every_tenant_table_has_a_non_null_clinic_and_a_scoped_manager(model):
    if model._meta.label in NOT_TENANT_OWNED:
        return
    field = model._meta.get_field("clinic")
    assert field.related_model._meta.label == "clinic.Clinic"
    assert not field.null
    # Outside a clinic scope the default manager refuses to query instead of leaking.
    with scope():
        assert isinstance(model._default_manager.get_queryset(), DisabledQuerySet)


@pytest.mark.parametrize("model", our_models(), ids=lambda m: m._meta.label)
def test_public_ids_are_uuids(model):
    assert model._meta.pk.get_internal_type() == "UUIDField"


@pytest.mark.django_db
def test_no_model_change_is_missing_its_migration():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:
        pytest.fail(f"models and migrations disagree:\n{out.getvalue()}\n(exit {exc.code})")
