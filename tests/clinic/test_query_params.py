"""The API's rule for query parameters (clinic/query_params.py): a documented parameter with a
bad value is a 400 naming it, never silently ignored."""

from datetime import UTC, datetime

import pytest

from clinic.models import CoupleStatus
from sessions.models import Measurement
from tests.conftest import api_client_for
from tests.factories import CoupleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def couples_url(clinic):
    return f"/api/v1/clinics/{clinic.slug}/couples/"


@pytest.mark.parametrize("size", ["2.5", "0", "201", "abc", "-3", "1e3", "\uff19"])
def test_a_page_size_that_is_not_a_whole_number_in_range_is_a_400(admin, couples_url, size):
    response = api_client_for(admin).get(couples_url, {"page_size": size})
    assert response.status_code == 400
    assert response.json()["errors"]["page_size"] == ["Give a whole number from 1 to 200."]


def test_a_page_that_is_not_a_whole_number_is_a_400(admin, couples_url):
    response = api_client_for(admin).get(couples_url, {"page": "first"})
    assert response.status_code == 400
    assert "page" in response.json()["errors"]


def test_a_parameter_given_twice_is_a_400(admin, couples_url):
    response = api_client_for(admin).get(f"{couples_url}?page_size=5&page_size=10")
    assert response.status_code == 400
    assert response.json()["errors"]["page_size"] == ["Give this parameter once."]


def test_a_filter_that_takes_several_values_may_repeat(clinic, admin, couples_url):
    CoupleFactory(clinic=clinic, status=CoupleStatus.PAUSED)
    response = api_client_for(admin).get(f"{couples_url}?status=active&status=paused")
    assert response.status_code == 200
    assert {row["status"] for row in response.json()["results"]} <= {"active", "paused"}


def test_a_single_valued_filter_given_twice_is_a_400(admin, couples_url, therapist):
    url = f"{couples_url}?therapist={therapist.pk}&therapist={therapist.pk}"
    response = api_client_for(admin).get(url)
    assert response.status_code == 400
    assert response.json()["errors"]["therapist"] == ["Give this parameter once."]


def test_ordering_by_an_unknown_field_is_a_400_naming_the_offered_fields(admin, clinic):
    url = f"/api/v1/clinics/{clinic.slug}/clients/"
    response = api_client_for(admin).get(url, {"ordering": "-legal_name,password"})
    assert response.status_code == 400
    [message] = response.json()["errors"]["ordering"]
    assert "created_at, legal_name, preferred_name" in message


def test_ordering_by_an_offered_field_still_orders(admin, clinic, couple):
    # An admin sees a couple's partners once the case is theirs (break-glass rules otherwise).
    couple.therapists.add(admin, through_defaults=couple.assignment_defaults)
    url = f"/api/v1/clinics/{clinic.slug}/clients/"
    response = api_client_for(admin).get(url, {"ordering": "-legal_name"})
    assert response.status_code == 200
    names = [row["legal_name"] for row in response.json()["results"]]
    assert names == sorted(names, reverse=True) and len(names) == 2


def test_a_malformed_filter_value_is_a_400_naming_it(admin, couples_url):
    response = api_client_for(admin).get(couples_url, {"therapist": "not-a-uuid"})
    assert response.status_code == 400
    assert "therapist" in response.json()["errors"]


def test_a_reading_without_its_unit_is_a_400_naming_the_units(couple):
    """Leaving out the (optional-looking) unit used to answer 500."""
    client = api_client_for(couple.partner_a.portal_user)
    body = {"kind": "heart_rate", "value": "61", "measured_at": datetime.now(UTC).isoformat()}
    response = client.post("/api/v1/portal/measurements/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["unit"] == [
        "Heart rate needs a unit: bpm, beats/min, /min, 1/min, count/min."
    ]
    assert not Measurement.objects.exists()


def test_an_unknown_query_parameter_is_a_400_naming_what_the_operation_takes(admin, couples_url):
    response = api_client_for(admin).get(couples_url, {"satus": "paused"})
    assert response.status_code == 400
    [message] = response.json()["errors"]["satus"]
    assert message.startswith("Unknown query parameter; this operation takes: ")
    assert "status" in message and "page_size" in message


def test_a_detail_route_takes_no_list_parameters(admin, clinic, couple):
    url = f"/api/v1/clinics/{clinic.slug}/couples/{couple.pk}/"
    response = api_client_for(admin).get(url, {"page_size": "5"})
    assert response.status_code == 400
    assert response.json()["errors"]["page_size"] == [
        "Unknown query parameter; this operation takes: no query parameters."
    ]


def test_documented_parameters_pass_the_unknown_parameter_rule(admin, couples_url, therapist):
    params = {"status": "active", "therapist": str(therapist.pk), "page_size": "5"}
    response = api_client_for(admin).get(couples_url, params)
    assert response.status_code == 200, response.json()


@pytest.mark.parametrize("value", ["maybe", "873", "1", "True"])
def test_a_yes_no_filter_takes_true_or_false(admin, clinic, value):
    url = f"/api/v1/clinics/{clinic.slug}/clients/"
    response = api_client_for(admin).get(url, {"archived": value})
    assert response.status_code == 400
    assert response.json()["errors"]["archived"] == ["Give true or false."]


def test_a_detail_action_listing_rows_takes_no_list_parameters(admin, clinic, couple):
    url = f"/api/v1/clinics/{clinic.slug}/couples/{couple.pk}/status-history/"
    response = api_client_for(admin).get(url, {"status": "active"})
    assert response.status_code == 400
    assert "status" in response.json()["errors"]


def test_a_filter_given_empty_is_a_400(admin, clinic):
    url = f"/api/v1/clinics/{clinic.slug}/sessions/"
    response = api_client_for(admin).get(url, {"starts_after": ""})
    assert response.status_code == 400
    assert response.json()["errors"]["starts_after"] == [
        "Give a value, or leave the parameter out."
    ]
