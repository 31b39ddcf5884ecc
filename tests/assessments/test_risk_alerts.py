"""Risk alerts are never hidden: open alerts first and complete on the couple page and in the
API (on PostgreSQL, where NULLs sort last), acknowledged history paginated on its own."""

import pytest
from django.utils import timezone

from assessments import services
from assessments.models import RiskAlert
from clinic.models import AuditEvent
from tests.assessments.world import PHQ9_WITH_RISK, assign, first_response, submitted_response
from tests.factories import CoupleFactory

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
    # The same for 2 and 12 acknowledged alerts (the couple page's pin lives in
    # tests/clinic/test_query_count_pins.py; this one counts the confidentiality history and the
    # break-glass notices too).
    with django_assert_num_queries(24):
        page = client.get(url).content.decode()
    assert page.count('class="risk-alert') == 2


# --- raised when saved, graded by severity ----------------------------------------------------


def _phq9(couple, therapist):
    return first_response(assign(couple, couple.partner_a, by=therapist))


def test_draft_saved_with_item_9_endorsed_raises_an_urgent_alert_at_once(client, couple, therapist):
    response = _phq9(couple, therapist)
    client.force_login(couple.partner_a.portal_user)
    saved = client.post(
        f"/portal/questionnaires/{response.pk}/", {"item-1": "1", "item-9": "2", "action": "save"}
    )
    assert saved.status_code == 302
    alert = RiskAlert.objects.get(response=response)
    assert (alert.item_number, alert.value, alert.severity) == (9, 2, "urgent")
    assert alert.from_draft and alert.is_open
    event = AuditEvent.objects.get(action="raise", object_id=str(alert.pk))
    assert event.detail["from_draft"] is True


def test_draft_with_blank_risk_item_raises_nothing_until_submitted(couple, therapist):
    response = _phq9(couple, therapist)
    services.response_save(response=response, answers={"1": 2}, by=couple.partner_a.portal_user)
    assert not RiskAlert.objects.filter(response=response).exists()


def test_submitting_after_an_alerted_draft_does_not_alert_twice(couple, therapist):
    response = _phq9(couple, therapist)
    partner = couple.partner_a.portal_user
    services.response_save(response=response, answers={"9": 1}, by=partner)
    services.response_save(response=response, answers={"9": 3}, by=partner)
    services.response_submit(response=response, answers=PHQ9_WITH_RISK, by=partner)
    assert RiskAlert.objects.filter(response=response).count() == 1
    assert AuditEvent.objects.filter(action="raise").count() == 1


def test_unanswered_item_9_and_pcl5_item_16_are_to_review_not_urgent(couple, therapist):
    blank9 = submitted_response(couple, couple.partner_a, answers={str(n): 0 for n in range(1, 9)})
    pcl5 = submitted_response(
        couple, couple.partner_b, "pcl5", answers={str(n): 2 for n in range(1, 21)}
    )
    assert RiskAlert.objects.get(response=blank9).severity == "review"
    assert RiskAlert.objects.get(response=pcl5).severity == "review"


def test_caseload_and_couple_page_show_urgent_and_review_differently(client, couple, therapist):
    submitted_response(couple, couple.partner_a, answers=PHQ9_WITH_RISK)
    submitted_response(couple, couple.partner_b, answers={str(n): 0 for n in range(1, 9)})
    client.force_login(therapist)
    caseload = client.get(f"/c/{couple.clinic.slug}/caseload/").content.decode()
    assert 'class="badge alert urgent"' in caseload
    assert "Urgent: 1 risk alert to acknowledge" in caseload
    assert '<a class="badge review"' in caseload and "1 risk item to review" in caseload
    page = client.get(f"/c/{couple.clinic.slug}/couples/{couple.pk}/").content.decode()
    urgent = page.index('class="risk-alert urgent"')
    review = page.index('class="risk-alert review"')
    assert urgent < review  # urgent first, though raised earlier


def test_summary_api_counts_urgent_alerts_and_lists_those_couples_first(couple, therapist, api_as):
    second = CoupleFactory(clinic=couple.clinic, therapists=[therapist])
    submitted_response(second, second.partner_a, answers={str(n): 0 for n in range(1, 9)})
    submitted_response(couple, couple.partner_a, answers=PHQ9_WITH_RISK)
    rows = (
        api_as(therapist)
        .get(f"/api/v1/clinics/{couple.clinic.slug}/assessment-summaries/")
        .json()["results"]
    )
    assert [(r["couple"], r["open_alerts"], r["urgent_alerts"]) for r in rows[:2]] == [
        (str(couple.pk), 1, 1),
        (str(second.pk), 1, 0),
    ]
