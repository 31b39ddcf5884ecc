"""A partner enters one of their own physiological readings on the portal: labelled fields,
unit hints, range errors on the page, linked from the portal home."""

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEvent
from sessions.measurements.physiology import RANGE_DASH as DASH
from sessions.models import Measurement
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner_a(client, couple):
    client.force_login(couple.partner_a.portal_user)
    return client


def reading(**fields):
    body = {
        "kind": "heart_rate",
        "value": "62",
        "unit": "bpm",
        "measured_at": timezone.localtime(timezone.now()).strftime("%Y-%m-%dT%H:%M"),
    }
    return {**body, **fields}


def test_portal_home_links_to_the_reading_page(partner_a):
    html = partner_a.get(reverse("portal-home")).content.decode()
    assert reverse("portal-measurement-new") in html and "Add a reading" in html


def test_reading_page_has_labelled_fields_and_unit_hints(partner_a):
    response = partner_a.get(reverse("portal-measurement-new"))
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("kind", "value", "unit", "measured_at", "context_device", "context_condition"):
        assert f'for="id_{name}"' in html and f'id="id_{name}"' in html
    assert f"3{DASH}250 ms" in html and f"25{DASH}220 bpm" in html
    assert "Resting heart rate" in html and "Apple Watch" in html


def test_reading_page_asks_only_what_a_client_can_measure_at_home(partner_a):
    html = partner_a.get(reverse("portal-measurement-new")).content.decode()
    for lab in (
        "context_sample_type",
        "context_assay",
        "context_extracted",
        "Cortisol",
        "Oxytocin",
    ):
        assert lab not in html
    assert 'value="cortisol"' not in html and 'value="hrv_rmssd"' in html
    assert "Leave quickly" in html


def test_partner_saves_their_own_reading_audited(partner_a, couple):
    response = partner_a.post(reverse("portal-measurement-new"), reading())
    assert response.status_code == 302
    saved = Measurement.objects.get()
    assert (saved.partner, saved.kind, saved.value, saved.source) == (
        couple.partner_a,
        "heart_rate",
        62,
        "portal",
    )
    assert AuditEvent.objects.filter(
        object_id=str(saved.pk), action="create", channel="portal"
    ).exists()


def test_a_value_outside_the_plausible_range_is_shown_on_the_page(partner_a):
    response = partner_a.post(reverse("portal-measurement-new"), reading(value="400"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "outside the plausible range" in html and f"25{DASH}220 bpm" in html
    assert Measurement.objects.count() == 0


def test_a_unit_the_kind_does_not_take_is_explained(partner_a):
    response = partner_a.post(reverse("portal-measurement-new"), reading(unit="kg"))
    assert response.status_code == 400
    assert "cannot be entered in" in response.content.decode()


def test_an_hrv_reading_names_its_app_beside_the_device_input(partner_a, couple):
    response = partner_a.post(
        reverse("portal-measurement-new"), reading(kind="hrv_rmssd", value="42", unit="ms")
    )
    assert response.status_code == 400
    assert "Name the app or device" in response.context["form"].errors["context_device"][0]
    assert Measurement.objects.count() == 0
    response = partner_a.post(
        reverse("portal-measurement-new"),
        reading(kind="hrv_rmssd", value="42", unit="ms", context_device="Elite HRV"),
    )
    assert response.status_code == 302
    assert Measurement.objects.get().context["device"] == "Elite HRV"


def test_a_lab_measure_is_refused_on_the_page_and_in_the_api(partner_a, couple):
    response = partner_a.post(
        reverse("portal-measurement-new"), reading(kind="cortisol", value="12", unit="nmol/L")
    )
    assert response.status_code == 400 and "kind" in response.context["form"].errors
    api = api_client_for(couple.partner_a.portal_user)
    refused = api.post(
        "/api/v1/portal/measurements/",
        {
            "kind": "cortisol",
            "value": 12,
            "unit": "nmol/L",
            "measured_at": timezone.now().isoformat(),
            "context": {"sample_type": "saliva"},
        },
        format="json",
    )
    assert refused.status_code == 400
    assert "entered by the clinic" in refused.json()["errors"]["kind"][0]
    assert Measurement.objects.count() == 0


def test_staff_cannot_use_the_portal_reading_page(client, therapist):
    client.force_login(therapist)
    response = client.post(reverse("portal-measurement-new"), reading())
    # A staff login has no portal record, so the portal answers as for any unknown page.
    assert response.status_code == 404
    assert Measurement.objects.count() == 0
