"""The couple page's two-week lists of practice logs and check-ins fold into <details>, open
when short (10 rows or fewer); the regulation strip stays in view."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.models import Homework
from tests.sessions.world import make_check_in, make_practice_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, therapist):
    client.force_login(therapist)
    return client


def page(client, couple) -> str:
    url = reverse("couple-detail", args=[couple.clinic.slug, couple.pk])
    return client.get(url).content.decode()


def details_tag(html: str, list_id: str) -> str:
    match = re.search(rf'<details class="log-list" id="{list_id}"[^>]*>', html)
    assert match, f"no <details> for {list_id}"
    return match.group(0)


def add_check_ins(couple, n):
    for i in range(n):
        make_check_in(couple, couple.partner_a, checked_at=timezone.now() - timedelta(hours=i + 1))


def add_practice_logs(couple, n):
    first = make_practice_log(couple, couple.partner_a)
    homework = Homework.objects.get(pk=first.homework_id)
    for i in range(1, n):
        make_practice_log(
            couple,
            couple.partner_a,
            homework=homework,
            practiced_at=timezone.now() - timedelta(hours=i + 1),
        )


@pytest.mark.parametrize(("rows", "is_open"), [(1, True), (10, True), (11, False), (25, False)])
def test_check_in_list_is_open_only_when_short(staff, couple, rows, is_open):
    add_check_ins(couple, rows)
    tag = details_tag(page(staff, couple), "check-ins")
    assert (" open" in tag) is is_open


@pytest.mark.parametrize(("rows", "is_open"), [(10, True), (11, False)])
def test_practice_log_list_is_open_only_when_short(staff, couple, rows, is_open):
    add_practice_logs(couple, rows)
    html = page(staff, couple)
    assert (" open" in details_tag(html, "practice-logs")) is is_open
    assert f"{rows} logged" in html


def test_folded_lists_still_hold_every_row_and_the_strip_stays_outside(staff, couple):
    add_check_ins(couple, 12)
    html = page(staff, couple)
    start = html.index('id="check-ins"')
    folded = html[start : html.index("</table>", start)]
    assert folded.count("<tr") == 13  # header and twelve check-ins
    strip = html.index('class="strip"')
    assert strip < html.index('id="check-ins"')
    assert "<details" not in html[html.index('id="regulation-heading"') : strip]


def test_empty_lists_say_so_without_a_details_element(staff, couple):
    html = page(staff, couple)
    assert "No practices logged." in html and "No check-ins." in html
    assert 'class="log-list"' not in html
