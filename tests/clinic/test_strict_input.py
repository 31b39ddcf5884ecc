"""JSON input is read as typed (clinic/strict_input.py): a number where the API documents a
string is a 400, as the schema says; a reading's value may be a number or text."""

from datetime import UTC, datetime

import pytest

from clinic.models import Client
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", [5, 2.5, True, ["a"], {"a": "b"}])
def test_a_non_string_where_a_string_is_documented_is_a_400(clinic, admin, value):
    url = f"/api/v1/clinics/{clinic.slug}/clients/"
    response = api_client_for(admin).post(url, {"legal_name": value}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["legal_name"] == ["Not a valid string."]
    assert not Client.objects.filter(clinic=clinic).exists()


def test_a_string_still_reads_as_before(clinic, admin):
    url = f"/api/v1/clinics/{clinic.slug}/clients/"
    response = api_client_for(admin).post(url, {"legal_name": "  Ana Silva "}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["legal_name"] == "Ana Silva"


@pytest.mark.parametrize("value", [61, 61.5, "61"])
def test_a_readings_value_may_be_a_number_or_text(couple, therapist, value):
    url = f"/api/v1/clinics/{couple.clinic.slug}/couples/{couple.pk}/measurements/"
    body = {
        "partner": str(couple.partner_a.pk),
        "kind": "heart_rate",
        "value": value,
        "unit": "bpm",
        "measured_at": datetime.now(UTC).isoformat(),
    }
    response = api_client_for(therapist).post(url, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["value"] == float(value)


@pytest.mark.parametrize("instant", ["0001-01-01T00:00:05Z", "9999-06-01T12:00:00Z"])
def test_an_instant_outside_1900_to_2199_is_a_400_not_an_overflow(couple, therapist, instant):
    url = f"/api/v1/clinics/{couple.clinic.slug}/couples/{couple.pk}/sessions/"
    response = api_client_for(therapist).post(url, {"starts_at": instant}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["starts_at"] == ["Give a date from 1900 to 2199."]
