"""Adherence and regulation from stored logs, against weeks and days computed by hand, in the
clinic's time zone (Auckland: UTC+13 in December, so UTC dates and clinic dates differ)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from tests.conftest import api_client_for
from tests.sessions.world import make_check_in, make_practice, make_practice_log

# Services and selectors are called as a view or a task calls them: inside the clinic's scope.
pytestmark = [pytest.mark.django_db, pytest.mark.scoped]
AKL = ZoneInfo("Pacific/Auckland")
# Tuesday 16 December 2025, 09:00 in Auckland (Monday 15th, 20:00 UTC).
NOW = datetime(2025, 12, 16, 9, 0, tzinfo=AKL)


@pytest.fixture
def auckland(clinic):
    clinic.time_zone = "Pacific/Auckland"
    clinic.save()
    return clinic


def akl(day: int, hour: int = 19, minute: int = 0) -> datetime:
    return datetime(2025, 12, day, hour, minute, tzinfo=AKL)


def url(couple, rest):
    return f"/api/v1/clinics/{couple.clinic.slug}/couples/{couple.pk}/{rest}"


def test_adherence_per_week_matches_hand_computed_weeks(auckland, couple, therapist):
    # From Wednesday 3 December, 4 a week, for both partners.
    practice = make_practice(couple, start_date=date(2025, 12, 3), target_per_week=4)
    a = couple.partner_a
    for moment in (akl(3), akl(5), akl(8), akl(9), akl(10), akl(14, 20)):
        make_practice_log(couple, a, homework=practice, practiced_at=moment)
    # 11:30 UTC on Sunday the 14th is 00:30 on Monday the 15th in Auckland: next week.
    make_practice_log(
        couple,
        a,
        homework=practice,
        practiced_at=datetime(2025, 12, 14, 11, 30, tzinfo=UTC),
    )
    voided = make_practice_log(couple, a, homework=practice, practiced_at=akl(12))
    voided.voided_at = timezone.now()
    voided.save()

    with time_machine.travel(NOW, tick=False):
        rows = api_client_for(therapist).get(url(couple, "adherence/")).json()

    (row,) = rows
    by_partner = {p["partner"]: p for p in row["partners"]}
    weeks_a = by_partner[str(a.pk)]["weeks"]
    # Week 1 (Mon 1 - Sun 7): due Wed-Sun, 5 days -> ceil(4 * 5 / 7) = 3; logged 2.
    # Week 2 (8-14): full week, target 4; logged 4 (the voided log does not count).
    # Week 3 (15-21): due Mon-Tue so far -> ceil(4 * 2 / 7) = 2; logged 1; in progress.
    assert [(w["week_start"], w["logged"], w["target"], w["met"]) for w in weeks_a] == [
        ("2025-12-01", 2, 3, False),
        ("2025-12-08", 4, 4, True),
        ("2025-12-15", 1, 2, False),
    ]
    assert weeks_a[-1]["in_progress"] is True
    # Credited min(logged, target): 2 + 4 + 1 of 3 + 4 + 2 = 7 / 9.
    assert by_partner[str(a.pk)]["summary"]["percentage"] == 77.8
    weeks_b = by_partner[str(couple.partner_b.pk)]["weeks"]
    assert [w["logged"] for w in weeks_b] == [0, 0, 0]


def test_homework_for_one_partner_is_counted_for_that_partner_only(auckland, couple, therapist):
    practice = make_practice(
        couple, partner=couple.partner_b, start_date=date(2025, 12, 8), target_per_week=2
    )
    make_practice_log(couple, couple.partner_b, homework=practice, practiced_at=akl(9))
    with time_machine.travel(NOW, tick=False):
        (row,) = api_client_for(therapist).get(url(couple, "adherence/")).json()
    assert [p["partner"] for p in row["partners"]] == [str(couple.partner_b.pk)]
    assert [w["logged"] for w in row["partners"][0]["weeks"]] == [1, 0]


def test_both_partners_out_of_window_days_match_hand_computed_days(auckland, couple, therapist):
    a, b = couple.partner_a, couple.partner_b
    # Partner A: the 10th hyper (its worst reading), 11th within, 12th hypo, 16th hyper.
    make_check_in(couple, a, checked_at=akl(10, 8), zone="hyper", intensity=7)
    make_check_in(couple, a, checked_at=akl(10, 21), zone="within", intensity=2)
    make_check_in(couple, a, checked_at=akl(11), zone="within", intensity=3)
    make_check_in(couple, a, checked_at=akl(12), zone="hypo", intensity=6)
    make_check_in(couple, a, checked_at=akl(16, 8), zone="hyper", intensity=5)
    voided = make_check_in(couple, a, checked_at=akl(11, 22), zone="hyper", intensity=9)
    voided.voided_at = timezone.now()
    voided.save()
    # 11:30 UTC on 2 December is 00:30 on the 3rd in Auckland: the strip's first day.
    make_check_in(
        couple,
        a,
        checked_at=datetime(2025, 12, 2, 11, 30, tzinfo=UTC),
        zone="hypo",
        intensity=4,
    )
    # Partner B: the 10th hypo, 11th hyper, 12th within at check-in but hyper before a
    # practice (the day's worst), 15th hyper.
    make_check_in(couple, b, checked_at=akl(10), zone="hypo", intensity=4)
    make_check_in(couple, b, checked_at=akl(11), zone="hyper", intensity=8)
    make_check_in(couple, b, checked_at=akl(12, 9), zone="within", intensity=1)
    make_practice_log(
        couple,
        b,
        practiced_at=akl(12, 20),
        before_zone="hyper",
        before_intensity=6,
        after_zone="within",
        after_intensity=2,
    )
    make_check_in(couple, b, checked_at=akl(15), zone="hyper", intensity=9)

    with time_machine.travel(NOW, tick=False):
        body = api_client_for(therapist).get(url(couple, "regulation/")).json()

    assert (body["start"], body["end"]) == ("2025-12-03", "2025-12-16")
    assert body["both_out_of_window"] == ["2025-12-10", "2025-12-12"]
    strips = {p["partner"]: p["days"] for p in body["partners"]}
    a_days = {d["on"]: (d["zone"], d["intensity"]) for d in strips[str(a.pk)] if d["zone"]}
    assert a_days == {
        "2025-12-03": ("hypo", 4),
        "2025-12-10": ("hyper", 7),
        "2025-12-11": ("within", 3),
        "2025-12-12": ("hypo", 6),
        "2025-12-16": ("hyper", 5),
    }
    assert len(strips[str(b.pk)]) == 14
    b_12 = next(d for d in strips[str(b.pk)] if d["on"] == "2025-12-12")
    assert (b_12["zone"], b_12["intensity"], b_12["both_out"]) == ("hyper", 6, True)
    assert "not a validated" in body["self_rating"]


def test_regulation_window_is_validated(couple, therapist):
    client = api_client_for(therapist)
    for query, field in (("days=0", "days"), ("end=yesterday", "end")):
        response = client.get(url(couple, f"regulation/?{query}"))
        assert response.status_code == 400, query
        assert field in response.json()["errors"], query
    assert len(client.get(url(couple, "regulation/?days=7")).json()["partners"][0]["days"]) == 7


def test_the_regulation_strip_audits_every_entry_it_reveals(couple, therapist):
    from clinic.models import AuditEvent

    check_in = make_check_in(couple, couple.partner_a)
    log = make_practice_log(couple, couple.partner_b, before_zone="hyper", before_intensity=5)
    api_client_for(therapist).get(url(couple, "regulation/"))
    read = set(AuditEvent.objects.filter(action="read").values_list("object_type", "object_id"))
    assert ("therapy_sessions.checkin", str(check_in.pk)) in read
    assert ("therapy_sessions.practicelog", str(log.pk)) in read


def test_couple_page_shows_per_partner_adherence_and_what_the_cap_leaves_out(
    auckland, couple, therapist, client
):
    # 4 a week from Monday 8 December: partner A logs 6 in that week (2 beyond the target)
    practice = make_practice(couple, start_date=date(2025, 12, 8), target_per_week=4)
    a = couple.partner_a
    for day in (8, 9, 10, 11, 12, 13):
        make_practice_log(couple, a, homework=practice, practiced_at=akl(day))
    client.force_login(therapist)
    with time_machine.travel(datetime(2025, 12, 14, 21, 0, tzinfo=AKL), tick=False):
        page = client.get(f"/c/{couple.clinic.slug}/couples/{couple.pk}/").content.decode()
    assert (
        f"{a.display_name}: 6 practices this week (goal 4) · 100% overall (2 beyond the weekly targets, "
        "not credited)" in page
    )
    assert f"{couple.partner_b.display_name}: 0 of 4 practices this week · 0% overall</div>" in page
