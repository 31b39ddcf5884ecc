"""One admin predicate: the services refuse a therapist themselves, whichever view calls them,
with the same reason the API and the pages give."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django_scopes import scope

from assessments import services as assessment_services
from clinic import services as clinic_services
from clinic.invitations import staff_invite
from clinic.models import Membership, Role
from clinic.permissions import ADMIN_ONLY, is_clinic_admin
from reports import services as report_services
from tests.factories import MembershipFactory

# Services and selectors are called as a view or task calls them: inside the clinic's scope.
pytestmark = pytest.mark.scoped


@pytest.fixture
def membership_of(clinic):
    def find(user):
        with scope(clinic=clinic):
            return Membership.objects.for_clinic(clinic).get(user=user)

    return find


def test_an_ended_admin_membership_is_not_an_admin(clinic, admin, membership_of):
    membership = membership_of(admin)
    assert is_clinic_admin(membership)
    membership.is_active = False
    assert not is_clinic_admin(membership)
    assert not is_clinic_admin(None)


ADMIN_SERVICES = {
    "export_request": lambda clinic, by: report_services.export_request(
        clinic=clinic,
        by=by,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 2, 1),
        audiences=["clinical"],
    ),
    "staff_invite": lambda clinic, by: staff_invite(
        clinic=clinic, by=by, email="new@harbour.example", role=Role.THERAPIST
    ),
    "clinic_update_settings": lambda clinic, by: clinic_services.clinic_update_settings(
        clinic=clinic, by=by, changes={"name": "Renamed"}
    ),
    "wording_upload": lambda clinic, by: assessment_services.wording_upload(
        clinic=clinic,
        by=by,
        instrument_code="phq9",
        content=b"{}",
        file_name="w.json",
        source="licence",
    ),
}


@pytest.mark.parametrize("name", sorted(ADMIN_SERVICES))
def test_admin_only_services_refuse_a_therapist(name, clinic, therapist):
    with scope(clinic=clinic), pytest.raises(PermissionDenied) as refused:
        ADMIN_SERVICES[name](clinic, therapist)
    assert str(refused.value) == ADMIN_ONLY
    clinic.refresh_from_db()
    assert clinic.name == "Harbour"


def test_member_changes_refuse_a_therapist(clinic, therapist):
    other = MembershipFactory(clinic=clinic, role=Role.THERAPIST)
    with scope(clinic=clinic):
        with pytest.raises(PermissionDenied):
            clinic_services.member_update(membership=other, by=therapist, role=Role.ADMIN)
        with pytest.raises(PermissionDenied):
            clinic_services.member_deactivate(membership=other, by=therapist)
    other.refresh_from_db()
    assert (other.role, other.is_active) == (Role.THERAPIST, True)
