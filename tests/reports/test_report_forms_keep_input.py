"""Report and export forms never lose what was typed: a refused request brings the couple page
back with the request panel open, the period, audiences and text as they were sent; the
export form starts with a period it can be sent with."""

from datetime import timedelta

import pytest
from django.urls import reverse

from reports.models import ProgressReport
from sessions.local_dates import clinic_today

pytestmark = pytest.mark.django_db


def test_a_refused_report_request_keeps_the_form_open_and_filled(client, therapist, clinic, couple):
    client.force_login(therapist)
    response = client.post(
        reverse("report-request", args=[clinic.slug, couple.pk]),
        {
            "period_start": "2026-03-01",
            "period_end": "2026-05-31",
            "audiences": ["couple", "partner"],
            "partner": "",
            "summary": "Summary I spent ten minutes writing",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "A partner report needs the partner it is for." in html
    assert '<details open id="report-request">' in html
    assert 'value="2026-03-01"' in html and 'value="2026-05-31"' in html
    assert 'value="couple" id="id_audiences_1" checked' in html
    assert 'value="partner" id="id_audiences_2" checked' in html
    assert 'value="clinical" id="id_audiences_0" checked' not in html
    assert "Summary I spent ten minutes writing" in html
    assert not ProgressReport.objects.filter(couple=couple).exists()


def test_a_requested_report_is_announced_in_the_singular_or_plural(
    client, therapist, clinic, couple
):
    client.force_login(therapist)
    url = reverse("report-request", args=[clinic.slug, couple.pk])
    period = {"period_start": "2026-03-01", "period_end": "2026-05-31"}
    one = client.post(url, {**period, "audiences": ["clinical"]}, follow=True)
    assert "1 report requested. This page shows when it is ready." in one.content.decode()
    two = client.post(url, {**period, "audiences": ["clinical", "couple"]}, follow=True)
    assert "2 reports requested. This page shows when they are ready." in two.content.decode()


def test_a_report_with_an_impossible_period_says_which_field(client, therapist, clinic, couple):
    client.force_login(therapist)
    response = client.post(
        reverse("report-request", args=[clinic.slug, couple.pk]),
        {"period_start": "2026-02-30", "period_end": "2026-05-31", "audiences": ["clinical"]},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Enter a valid date." in html
    assert 'value="2026-05-31"' in html


def test_the_export_form_starts_with_the_last_ninety_days(client, admin, clinic):
    client.force_login(admin)
    html = client.get(reverse("exports", args=[clinic.slug])).content.decode()
    today = clinic_today(clinic)
    assert f'value="{today - timedelta(days=90)}"' in html and f'value="{today}"' in html


def test_a_requested_export_is_announced_without_claiming_it_still_waits(client, admin, clinic):
    client.force_login(admin)
    response = client.post(
        reverse("exports", args=[clinic.slug]),
        {"period_start": "2026-03-01", "period_end": "2026-05-31", "audiences": ["clinical"]},
        follow=True,
    )
    html = response.content.decode()
    assert "Export requested. This page shows when it is ready." in html
    assert "Export queued." not in html
