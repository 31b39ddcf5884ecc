"""Caseload: overdue questionnaires, latest headline scores, alerts floating to the top, in a
fixed number of queries; daily email reminders."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import services
from assessments.models import Response
from assessments.tasks import send_questionnaire_reminders
from tests.assessments.world import PHQ9_WITH_RISK, assign, first_response, submitted_response
from tests.conftest import api_client_for
from tests.factories import CoupleFactory

pytestmark = pytest.mark.django_db


def count_queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return len(ctx.captured_queries), result


def make_overdue(response, days=3):
    Response.objects.filter(pk=response.pk).update(
        due_on=services.local_today(response.clinic) - timedelta(days=days)
    )


def test_overdue_questionnaires_show_on_the_caseload_page(client, couple, therapist):
    make_overdue(first_response(assign(couple, couple.partner_a, by=therapist)))
    client.force_login(therapist)
    page = client.get(f"/c/{couple.clinic.slug}/caseload/").content.decode()
    assert "1 questionnaire overdue" in page


def test_latest_headline_scores_per_partner_on_the_caseload(client, couple, therapist):
    answers = {str(n): 1 for n in range(1, 9)} | {"9": 0}
    submitted_response(couple, couple.partner_a, answers=answers)  # total 8
    client.force_login(therapist)
    page = client.get(f"/c/{couple.clinic.slug}/caseload/").content.decode()
    assert f"{couple.partner_a.display_name}: PHQ-9 <strong>8</strong>" in page


def test_headline_items_escape_names_and_write_a_dash_for_a_missing_value():
    from assessments.templatetags.caseload_scores import headline_items

    html = headline_items(
        [
            {"partner_name": "Ana <b>", "label": "PHQ-9", "value": 12, "band": "Moderate"},
            {"partner_name": "Jo & Co", "label": "ECR-R anxiety", "value": 3.5, "band": None},
            {"partner_name": "Jo & Co", "label": "CSI-16", "value": None, "band": ""},
        ]
    )
    assert html == (
        '<li>Ana &lt;b&gt;: PHQ-9 <strong>12</strong> <span class="muted">(Moderate)</span></li>'
        "<li>Jo &amp; Co: ECR-R anxiety <strong>3.5</strong></li>"
        "<li>Jo &amp; Co: CSI-16 <strong>—</strong></li>"
    )


def test_couple_with_an_open_alert_floats_to_the_top_of_the_caseload(client, clinic, therapist):
    quiet = [CoupleFactory(clinic=clinic, therapists=[therapist]) for _ in range(3)]
    alarmed = quiet[0]
    submitted_response(alarmed, alarmed.partner_b, answers=PHQ9_WITH_RISK)
    client.force_login(therapist)
    page = client.get(f"/c/{clinic.slug}/caseload/").content.decode()
    first_card = page.index('class="card couple"')
    assert page.index(str(alarmed.pk), first_card) < min(
        page.index(str(c.pk), first_card) for c in quiet[1:]
    )
    assert "1 risk alert to acknowledge" in page


def test_summary_api_puts_alerts_first_with_headlines(clinic, therapist):
    couples = [CoupleFactory(clinic=clinic, therapists=[therapist]) for _ in range(3)]
    submitted_response(couples[0], couples[0].partner_a, answers=PHQ9_WITH_RISK)
    rows = api_client_for(therapist).get(f"/api/v1/clinics/{clinic.slug}/assessment-summaries/")
    first = rows.json()["results"][0]
    assert first["couple"] == str(couples[0].pk)
    assert first["open_alerts"] == 1
    assert first["headlines"][0]["value"] == 9


def _grow(clinic, therapist, n):
    for _ in range(n):
        couple = CoupleFactory(clinic=clinic, therapists=[therapist])
        submitted_response(couple, couple.partner_a, answers=PHQ9_WITH_RISK)
        submitted_response(couple, couple.partner_b, "gad7", answers={"1": 2})
        make_overdue(first_response(assign(couple, couple.partner_b, by=therapist)))


def test_caseload_and_summary_query_counts_do_not_grow(client, clinic, therapist):
    client.force_login(therapist)
    api = api_client_for(therapist)

    def fetch():
        return (
            client.get(f"/c/{clinic.slug}/caseload/"),
            api.get(f"/api/v1/clinics/{clinic.slug}/assessment-summaries/?page_size=200"),
        )

    _grow(clinic, therapist, 2)
    small, (page, summary) = count_queries(fetch)
    assert page.status_code == 200 and len(summary.json()["results"]) == 2
    _grow(clinic, therapist, 15)
    large, (page, summary) = count_queries(fetch)
    assert len(summary.json()["results"]) == 17
    assert page.content.decode().count("risk alert to acknowledge") == 17
    assert small == large


def test_reminder_task_sends_at_most_one_email_a_day_per_person(couple, therapist, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel("2026-03-02 09:00:00+00:00", tick=False):
        assign(couple, couple.partner_a, by=therapist, due=date(2026, 3, 3))
        assign(couple, couple.partner_a, "gad7", by=therapist, due=date(2026, 3, 3))
        assert send_questionnaire_reminders() == 1
        assert send_questionnaire_reminders() == 0
    with time_machine.travel("2026-03-02 22:30:00+00:00", tick=False):
        assert send_questionnaire_reminders() == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [couple.partner_a.portal_user.email]
    assert "2 questionnaires" in message.body
    assert "PHQ" not in message.body and "GAD" not in message.body
    with time_machine.travel("2026-03-03 08:00:00+00:00", tick=False):
        assert send_questionnaire_reminders() == 1
    assert len(mail.outbox) == 2


def test_no_reminder_for_what_is_far_off_or_submitted(couple, therapist, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel("2026-03-02 09:00:00+00:00", tick=False):
        assign(couple, couple.partner_a, by=therapist, due=date(2026, 3, 20))
        done = first_response(assign(couple, couple.partner_b, by=therapist, due=date(2026, 3, 2)))
        services.response_submit(response=done, answers={"1": 0}, by=therapist)
        assert send_questionnaire_reminders() == 0
    assert mail.outbox == []
