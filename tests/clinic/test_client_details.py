"""A client's record: phones stored in E.164, one email per client within a clinic, and test
data ("Taylor Test") refused, with the reason on the field."""

import pytest

from clinic.client_details import looks_like_test_data, normalize_phone
from clinic.models import Client
from tests.conftest import api_client_for
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_phone_numbers_become_e164():
    assert normalize_phone("020 7946 0958", region="GB") == "+442079460958"
    assert normalize_phone("+1 (212) 555-0123", region="GB") == "+12125550123"
    assert normalize_phone("", region="GB") == ""
    for junk in ("12", "call me", "+44 20 7946"):
        with pytest.raises(ValueError, match="number"):
            normalize_phone(junk, region="GB")


def test_test_data_names_are_recognised():
    assert looks_like_test_data("Taylor Test")
    assert looks_like_test_data("dummy client")
    assert not looks_like_test_data("Tessa Testard")
    assert not looks_like_test_data("Zoë Ångström")


def _create(admin, clinic, **fields):
    return api_client_for(admin).post(
        f"/api/v1/clinics/{clinic.slug}/clients/", fields, format="json"
    )


def test_the_api_stores_the_phone_in_e164(admin, clinic):
    response = _create(
        admin, clinic, legal_name="Ana Souza", phone="020 7946 0018", emergency_contact_phone=""
    )
    assert response.status_code == 201, response.json()
    assert Client.objects.get(pk=response.json()["id"]).phone == "+442079460018"


def test_an_invalid_phone_is_a_field_error(admin, clinic):
    response = _create(admin, clinic, legal_name="Ana Souza", phone="555")
    assert response.status_code == 400
    assert "Enter a valid phone number" in response.json()["errors"]["phone"][0]


def test_a_second_client_with_the_same_email_is_refused(admin, clinic, other_clinic):
    ClientFactory(clinic=clinic, email="shared@example.test")
    response = _create(admin, clinic, legal_name="Ana Souza", email="Shared@Example.test")
    assert response.status_code == 400
    assert response.json()["errors"]["email"] == [
        "Another client of this clinic has this email address."
    ]
    # Another clinic's clients are no concern of this one (and nothing about them is said).
    ClientFactory(clinic=other_clinic, email="elsewhere@example.test")
    assert (
        _create(admin, clinic, legal_name="Ana Souza", email="elsewhere@example.test").status_code
        == 201
    )


def test_changing_a_client_to_anothers_email_is_refused(admin, clinic):
    ClientFactory(clinic=clinic, email="first@example.test")
    second = ClientFactory(clinic=clinic, email="second@example.test")
    response = api_client_for(admin).patch(
        f"/api/v1/clinics/{clinic.slug}/clients/{second.pk}/",
        {"email": "first@example.test"},
        format="json",
    )
    assert response.status_code == 400
    assert "email" in response.json()["errors"]
    same = api_client_for(admin).patch(
        f"/api/v1/clinics/{clinic.slug}/clients/{second.pk}/",
        {"email": "second@example.test", "pronouns": "she/her"},
        format="json",
    )
    assert same.status_code == 200


def test_taylor_test_is_refused_on_the_page(client, therapist, clinic):
    client.force_login(therapist)
    response = client.post(f"/c/{clinic.slug}/clients/new/", {"legal_name": "Taylor Test"})
    assert response.status_code == 200
    assert "This looks like test data, not a person&#x27;s name." in response.content.decode()
    assert not Client.objects.filter(legal_name="Taylor Test").exists()
