"""Therapist pages: the couple page's homework and regulation panel, giving and changing
homework, entering a measurement and importing a file."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sessions.logs.selectors import regulation_of
from sessions.models import AgreementVersion, Homework, Measurement, MeasurementImport
from tests.reports.chart_sizes import SMALLEST_READABLE_PX, chart_svgs, smallest_text_px
from tests.sessions.world import (
    make_agreement,
    make_check_in,
    make_measurement,
    make_practice,
    make_practice_log,
    make_time_out_log,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, therapist):
    client.force_login(therapist)
    return client


def couple_url(couple):
    return reverse("couple-detail", args=[couple.clinic.slug, couple.pk])


def page(name, couple, *args):
    return reverse(name, args=[couple.clinic.slug, couple.pk, *args])


def test_couple_page_shows_both_partners_logs_and_the_days_both_were_out_of_window(staff, couple):
    now = datetime(2025, 12, 16, 12, 0, tzinfo=UTC)
    day = timedelta(days=1)
    make_check_in(couple, couple.partner_a, checked_at=now - 2 * day, zone="hyper", intensity=8)
    make_check_in(couple, couple.partner_b, checked_at=now - 2 * day, zone="hypo", intensity=6)
    make_check_in(couple, couple.partner_b, checked_at=now - day, zone="within", note="steady")
    make_practice_log(couple, couple.partner_a, practiced_at=now - day, note="breathed slowly")
    make_time_out_log(couple, couple.partner_b, started_at=now - day, minutes_apart=35)
    with time_machine.travel(now, tick=False):
        html = staff.get(couple_url(couple)).content.decode()
    assert "Homework and regulation" in html
    assert "breathed slowly" in html and "steady" in html and "35 min" in html
    assert 'id="both-out-days"' in html
    assert "Both partners were out of their window on <strong>Sun 14 Dec</strong>" in html
    assert html.count('class="day zone-hyper both-out"') == 1
    assert html.count('class="day zone-hypo both-out"') == 1
    assert "not a validated measure" in html


def test_a_taken_back_check_in_is_listed_but_leaves_the_strip_as_the_api_draws_it(staff, couple):
    now = datetime(2025, 12, 16, 12, 0, tzinfo=UTC)
    make_check_in(couple, couple.partner_a, checked_at=now - timedelta(days=2), zone="hyper")
    make_check_in(
        couple,
        couple.partner_b,
        checked_at=now - timedelta(days=2),
        zone="hypo",
        intensity=6,
        voided_at=now - timedelta(days=1),
        void_reason="entered twice",
    )
    with time_machine.travel(now, tick=False):
        html = staff.get(couple_url(couple)).content.decode()
        api = regulation_of(couple=couple)
    assert "Taken back: entered twice" in html
    assert api.both_out == []
    assert "No day in these two weeks with both partners out of their window." in html
    assert 'class="day zone-hypo' not in html
    assert html.count('class="day zone-hyper"') == 1


def test_couple_page_charts_markers_as_inline_svg(staff, couple):
    make_measurement(couple, couple.partner_a, value=40)
    make_measurement(couple, couple.partner_b, value=55)
    html = staff.get(couple_url(couple)).content.decode()
    assert "<svg" in html and "HRV (RMSSD) over time" in html
    svgs = [svg for svg in chart_svgs(html) if "over time</title>" in svg]
    assert svgs and all(smallest_text_px(svg) >= SMALLEST_READABLE_PX for svg in svgs)


def test_couple_page_query_count_does_not_grow_with_logs(staff, couple, therapist):
    make_agreement(couple, by=therapist)
    practice = make_practice(couple)
    for partner in couple.partners:
        make_practice_log(couple, partner, homework=practice)
        make_check_in(couple, partner)
        make_time_out_log(couple, partner)
        make_measurement(couple, partner)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert staff.get(couple_url(couple)).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for i in range(10):
        for partner in couple.partners:
            make_practice_log(couple, partner, homework=practice)
            make_check_in(couple, partner)
            make_time_out_log(couple, partner)
            make_measurement(couple, partner, measured_at=timezone.now() - timedelta(days=i + 1))
    assert count() == small


def test_giving_a_practice_from_the_form(staff, couple):
    response = staff.post(
        page("homework-new", couple) + "?kind=practice",
        {
            "partner": str(couple.partner_a.pk),
            "technique": "box_breathing",
            "start_date": "2025-12-01",
            "target_per_week": 5,
        },
    )
    assert response.status_code == 302
    homework = Homework.objects.get()
    assert (homework.partner, homework.title, homework.minutes) == (
        couple.partner_a,
        "Box breathing",
        5,
    )


def test_agreeing_a_time_out_from_the_form_and_changing_it(staff, couple):
    form = staff.get(page("homework-new", couple) + "?kind=time_out").content.decode()
    assert f"What {couple.partner_a.display_name} does to calm down" in form
    response = staff.post(
        page("homework-new", couple) + "?kind=time_out",
        {
            "start_date": "2025-12-01",
            "signal": "Time, please",
            "min_break_minutes": 20,
            "max_break_minutes": 1440,
            "calm_plan_a": "Walk",
            "calm_plan_b": "Music",
            "reconvene_plan": "At the named time, on the sofa",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    agreement = Homework.objects.get()
    detail = staff.get(page("homework-page", couple, agreement.pk)).content.decode()
    assert "Waiting for" in detail and "Version 1" in detail
    staff.post(
        page("homework-revise", couple, agreement.pk),
        {
            "signal": "Time, please",
            "min_break_minutes": 30,
            "max_break_minutes": 1440,
            "calm_plan_a": "Walk",
            "calm_plan_b": "Music",
            "reconvene_plan": "At the named time, on the sofa",
            "change_note": "Longer minimum",
        },
    )
    assert list(
        AgreementVersion.objects.filter(homework=agreement).values_list(
            "number", "min_break_minutes"
        )
    ) == [(1, 20), (2, 30)]


def test_a_break_shorter_than_20_minutes_is_refused_on_the_form(staff, couple):
    response = staff.post(
        page("homework-new", couple) + "?kind=time_out",
        {
            "start_date": "2025-12-01",
            "signal": "Time",
            "min_break_minutes": 10,
            "max_break_minutes": 60,
            "calm_plan_a": "Walk",
            "calm_plan_b": "Music",
            "reconvene_plan": "Later",
        },
    )
    assert response.status_code == 400
    assert "min_break_minutes" in response.context["form"].errors
    assert "greater than or equal to 20" in response.content.decode()
    assert not Homework.objects.exists()


def test_ending_and_archiving_homework_from_its_page(staff, couple):
    practice = make_practice(couple)
    staff.post(page("homework-end", couple, practice.pk), {"reason": "Done"})
    practice.refresh_from_db()
    assert practice.ended_at is not None
    other = make_practice(couple)
    staff.post(page("homework-archive", couple, other.pk), {"reason": "Wrong couple"})
    other.refresh_from_db()
    assert other.archived_at is not None


def test_entering_cortisol_in_micrograms_from_the_form(staff, couple):
    response = staff.post(
        page("measurement-new", couple),
        {
            "partner": str(couple.partner_b.pk),
            "kind": "cortisol",
            "value": "0.5",
            "unit": "µg/dL",
            "measured_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "context_sample_type": "saliva",
            "context_minutes_after_waking": 30,
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    stored = Measurement.objects.get()
    assert stored.unit == "nmol/L" and stored.value == pytest.approx(13.795)


def test_an_implausible_value_is_refused_on_the_form_naming_the_range(staff, couple):
    response = staff.post(
        page("measurement-new", couple),
        {
            "partner": str(couple.partner_a.pk),
            "kind": "heart_rate",
            "value": "400",
            "unit": "bpm",
            "measured_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 400
    assert "25\u2013220 bpm" in response.content.decode()


def test_importing_a_file_previews_each_bad_row_then_adds_nothing(staff, couple):
    content = (
        "kind,value,unit,measured_at\n"
        "heart_rate,64,bpm,2025-12-08T07:05:00+01:00\n"
        "heart_rate,640,bpm,2025-12-09T07:05:00+01:00\n"
    )
    response = staff.post(
        page("measurement-import", couple),
        {
            "partner": str(couple.partner_a.pk),
            "file": SimpleUploadedFile("hr.csv", content.encode()),
            "time_zone": "Europe/London",
        },
    )
    assert response.status_code == 302
    pending = MeasurementImport.objects.get()
    preview = staff.get(response.url).content.decode()
    assert "Row 3:" in preview and "25\u2013220 bpm" in preview
    assert "Import all" not in preview
    staff.post(response.url, {"action": "confirm"})
    assert not Measurement.objects.exists()
    assert MeasurementImport.objects.get(pk=pending.pk).status == "pending"


def test_importing_a_clean_file_adds_every_reading(staff, couple):
    content = "kind,value,unit,measured_at\nheart_rate,64,bpm,2025-12-08T07:05:00+01:00\n"
    response = staff.post(
        page("measurement-import", couple),
        {
            "partner": str(couple.partner_a.pk),
            "file": SimpleUploadedFile("hr.csv", content.encode()),
        },
    )
    done = staff.post(response.url, {"action": "confirm"}, follow=True).content.decode()
    assert Measurement.objects.filter(source="import").count() == 1
    assert "1 reading was added." in done and "1 readings" not in done


def test_an_unassigned_therapist_cannot_open_these_pages(client, other_therapist, couple):
    practice = make_practice(couple)
    client.force_login(other_therapist)
    for url in (
        page("homework-new", couple),
        page("homework-page", couple, practice.pk),
        page("measurement-new", couple),
        page("measurement-import", couple),
    ):
        assert client.get(url).status_code == 404
