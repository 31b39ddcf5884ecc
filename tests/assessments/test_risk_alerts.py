"""Risk alerts are never hidden: open alerts first and complete on the couple page and in the
API (on PostgreSQL, where NULLs sort last), acknowledged history paginated on its own."""

import pytest
from django.utils import timezone

from assessments.models import RiskAlert
from tests.assessments.world import PHQ9_WITH_RISK, submitted_response

pytestmark = pytest.mark.django_db


def _acknowledged_alerts(couple, therapist, n):
    for _ in range(n):
        submitted_response(couple, couple.partner_b, answers=PHQ9_WITH_RISK)
    RiskAlert.objects.filter(couple=couple).update(
        acknowledged_at=timezone.now(), acknowledged_by=therapist, acknowledgement_note="Seen."
    )


def test_open_alert_is_listed_on_the_couple_page_after_many_acknowledged(client, couple, therapist):
    _acknowledged_alerts(couple, therapist, 21)
    submitted_response(couple, couple.partner_a, answers=PHQ9_WITH_RISK)
    client.force_login(therapist)
    page = client.get(f"/c/{couple.clinic.slug}/couples/{couple.pk}/").content.decode()
    assert "Risk alerts to acknowledge" in page
    assert page.count('class="risk-alert') == 1
    assert "all risk alerts acknowledged" not in page
    assert "Acknowledged risk alerts (21)" in page
    assert "Page 1 of 3." in page


def test_acknowledged_history_pages_on_its_own(client, couple, therapist):
    _acknowledged_alerts(couple, therapist, 21)
    client.force_login(therapist)
    url = f"/c/{couple.clinic.slug}/couples/{couple.pk}/"
    last = client.get(url, {"alerts_page": 3}).content.decode()
    assert "Page 3 of 3." in last and "Risk alerts to acknowledge" not in last
    assert "all risk alerts acknowledged" in last
    assert last.count("acknowledged by ") == 1


def test_open_alerts_come_first_in_the_api_list(couple, therapist, api_as):
    submitted_response(couple, couple.partner_a, answers=PHQ9_WITH_RISK)
    opened = RiskAlert.objects.get()
    for _ in range(3):  # raised later, so newest-first alone would list them before it
        submitted_response(couple, couple.partner_b, answers=PHQ9_WITH_RISK)
    RiskAlert.objects.exclude(pk=opened.pk).update(acknowledged_at=timezone.now())
    body = (
        api_as(therapist)
        .get(f"/api/v1/clinics/{couple.clinic.slug}/risk-alerts/?page_size=2")
        .json()
    )
    assert body["results"][0]["id"] == str(opened.pk)
    assert [r["open"] for r in body["results"]] == [True, False]


@pytest.mark.parametrize("acknowledged", [2, 12])
def test_couple_page_alert_queries_do_not_grow_with_history(
    client, couple, therapist, acknowledged, django_assert_num_queries
):
    _acknowledged_alerts(couple, therapist, acknowledged)
    for _ in range(2):
        submitted_response(couple, couple.partner_a, answers=PHQ9_WITH_RISK)
    client.force_login(therapist)
    url = f"/c/{couple.clinic.slug}/couples/{couple.pk}/"
    with django_assert_num_queries(25):
        page = client.get(url).content.decode()
    assert page.count('class="risk-alert') == 2
