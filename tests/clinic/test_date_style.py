"""Dates and times in one style, the clinic's: its time zone and its locale (UK or US), on
pages, in PDFs, in emails and in the API's sentences."""

import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from clinic.date_style import STYLES, clinic_locale, format_for_clinic, format_when
from clinic.models import Clinic
from reports.data import gather
from reports.models import ProgressReport
from reports.pdf import render_pdf
from sessions.reminders.services import session_reminder_text
from tests.reports.sample import sample_contents
from tests.sessions.world import make_session

SUNDAY_AFTERNOON = datetime(2026, 9, 6, 13, 5, tzinfo=UTC)  # 14:05 London, 09:05 New York


def _american(clinic: Clinic) -> Clinic:
    clinic.time_zone, clinic.locale = "America/New_York", "en-us"
    clinic.save()
    return clinic


def test_uk_and_us_styles_differ_in_order_and_clock():
    london = Clinic(time_zone="Europe/London", locale="en-gb")
    new_york = Clinic(time_zone="America/New_York", locale="en-us")
    assert format_for_clinic(SUNDAY_AFTERNOON, "datetime", london) == "6 Sep 2026, 14:05"
    assert format_for_clinic(SUNDAY_AFTERNOON, "datetime", new_york) == "Sep 6, 2026, 9:05 AM"
    assert format_for_clinic(date(2026, 9, 6), "long", london) == "Sunday 6 September 2026"
    assert format_for_clinic(date(2026, 9, 6), "long", new_york) == "Sunday, September 6, 2026"


def test_no_style_writes_the_abbreviated_month_with_a_full_stop():
    # "Sept." was Django's default US date; every style uses three letters and no stop.
    for styles in STYLES.values():
        for style in styles:
            written = format_when(SUNDAY_AFTERNOON, style, locale="en-us")
            assert "Sept." not in written


def test_a_bare_date_in_a_template_follows_the_active_clinic():
    from django.template import Context, Template

    template = Template("{{ day }}|{{ day|when:'day' }}")
    with clinic_locale(Clinic(time_zone="Europe/London", locale="en-gb")):
        assert template.render(Context({"day": date(2026, 9, 6)})) == "6 Sep 2026|Sun 6 Sep"
    with clinic_locale(Clinic(time_zone="America/New_York", locale="en-us")):
        assert template.render(Context({"day": date(2026, 9, 6)})) == "Sep 6, 2026|Sun, Sep 6"


def test_an_unknown_style_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown date style"):
        format_when(date(2026, 9, 6), "fancy")


@pytest.mark.django_db
def test_uk_clinic_reads_day_month_and_24_hours_on_the_couple_and_session_pages(
    client, therapist, clinic, couple
):
    session = make_session(couple, starts_at=SUNDAY_AFTERNOON)
    client.force_login(therapist)
    couple_page = client.get(reverse("couple-detail", args=[clinic.slug, couple.pk]))
    assert "Sun 6 Sep 2026, 14:05" in couple_page.content.decode()
    session_page = client.get(reverse("session-page", args=[clinic.slug, session.pk]))
    assert "Sunday 6 September 2026, 14:05" in session_page.content.decode()


@pytest.mark.django_db
def test_us_clinic_reads_month_day_and_12_hours_in_its_own_zone(client, therapist, clinic, couple):
    _american(clinic)
    session = make_session(couple, starts_at=SUNDAY_AFTERNOON)
    client.force_login(therapist)
    couple_page = client.get(reverse("couple-detail", args=[clinic.slug, couple.pk]))
    html = couple_page.content.decode()
    assert "Sun, Sep 6, 2026, 9:05 AM" in html
    assert "14:05" not in html and "13:05" not in html
    session_page = client.get(reverse("session-page", args=[clinic.slug, session.pk]))
    assert "Sunday, September 6, 2026, 9:05 AM" in session_page.content.decode()
    assert translation.get_language() == "en-gb"  # the clinic's locale ended with the request


@pytest.mark.django_db
def test_date_inputs_keep_iso_values_in_either_locale(client, therapist, clinic, couple):
    # <input type="date"> accepts only ISO; a UK locale must not render 06/09/2026 into it.
    couple.intake_date = date(2026, 9, 6)
    couple.save()
    client.force_login(therapist)
    html = client.get(reverse("couple-edit", args=[clinic.slug, couple.pk])).content.decode()
    assert 'value="2026-09-06"' in html


def test_pdf_writes_dates_in_the_clinics_style():
    uk = sample_contents("month")
    us = replace(uk, locale="en-us", time_zone="America/New_York")

    def text(contents) -> str:
        reader = PdfReader(io.BytesIO(render_pdf(contents)))
        return "\n".join(page.extract_text() for page in reader.pages)

    uk_text, us_text = text(uk), text(us)
    # generated 13:30 UTC on 5 Jan 2026
    assert "Generated 5 Jan 2026, 14:30 (Europe/Berlin)" in uk_text
    assert "Generated Jan 5, 2026, 8:30 AM (America/New_York)" in us_text
    assert "5 Jan 2026" not in us_text


@pytest.mark.django_db
def test_a_us_clinics_report_is_gathered_with_its_locale(clinic, couple):
    _american(clinic)
    report = ProgressReport.objects.create(
        clinic=clinic,
        couple=couple,
        audience="clinical",
        period_start=date(2026, 1, 5),
        period_end=date(2026, 3, 5),
        request_id=couple.pk,
    )
    from clinic.tenancy import scope

    with scope(clinic=clinic):
        contents = gather(report)
    assert contents.locale == "en-us"
    assert "Jan 5, 2026" in PdfReader(io.BytesIO(render_pdf(contents))).pages[0].extract_text()


@pytest.mark.django_db
def test_session_reminder_email_reads_in_the_clinics_style(clinic, couple):
    session = make_session(couple, starts_at=SUNDAY_AFTERNOON + timedelta(days=1))
    text = session_reminder_text(clinic=clinic, client=couple.partner_a, session=session)
    assert "tomorrow, Monday 7 September at 14:05" in text
    _american(clinic)
    text = session_reminder_text(clinic=clinic, client=couple.partner_a, session=session)
    assert "tomorrow, Monday, September 7 at 9:05 AM" in text


@pytest.mark.parametrize("language", ["en-gb", "en-us", "fr", "de"])
@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Asia/Kolkata"])
def test_every_style_writes_what_djangos_date_format_writes(language, zone):
    from zoneinfo import ZoneInfo

    from django.utils import dateformat, timezone

    # Every hour of a day (midnight and noon are 12 AM and 12 PM) in every month and weekday.
    moments = [
        datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=day, hours=hour, minutes=7 * day)
        for day in range(0, 365, 11)
        for hour in range(0, 24, 5)
    ]
    with translation.override(language):
        for locale, styles in STYLES.items():
            for style, format_string in styles.items():
                for moment in moments:
                    local = timezone.localtime(moment, ZoneInfo(zone))
                    expected = dateformat.format(local, format_string)
                    assert format_when(moment, style, locale=locale, tz=ZoneInfo(zone)) == expected
                    if not any(clock in format_string for clock in "HigA"):
                        day = local.date()
                        assert format_when(day, style, locale=locale) == dateformat.format(
                            day, format_string
                        )


def test_a_format_beyond_the_styles_is_written_by_django():
    from clinic.date_style import compiled_format

    assert compiled_format("en-gb", r"jS \o\f F")(date(2026, 9, 6)) == "6th of September"


def test_a_time_style_refuses_a_bare_date_as_django_does():
    with pytest.raises(TypeError, match="time-related format specifiers"):
        format_when(date(2026, 9, 6), "time")
