"""Guided breathing in the portal: the pace from the preset (ratio kept, rate from the
homework), the screen and its script from our own static files, the log saved from the
screen, and breathing together (shared start, one log each, counted by adherence)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from clinic.models import AuditEvent
from sessions.homework.selectors import adherence_of
from sessions.models import PracticeLog
from sessions.practice.pacing import pace_for
from sessions.practice.services import JOIN_LEAD, practice_start_time
from tests.sessions.world import make_joint_practice, make_practice

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 4, 18, 0, tzinfo=UTC)


# --- pure pacing -----------------------------------------------------------------------------


def test_resonance_breathing_is_five_in_five_out_about_six_a_minute():
    pace = pace_for("resonance_breathing", None)
    assert [(p.name, p.seconds) for p in pace.phases] == [("in", 5), ("out", 5)]
    assert pace.breaths_per_minute == 6 and pace.as_data() == "in:5,out:5"


def test_a_prescribed_rate_stretches_the_pattern_and_keeps_its_ratio():
    pace = pace_for("breathing_4_7_8", 3.0)  # 20 s a breath instead of 19
    assert pace.cycle_seconds == pytest.approx(20, abs=0.02)
    seconds = [p.seconds for p in pace.phases]
    assert seconds[1] / seconds[0] == pytest.approx(7 / 4, rel=0.01)
    assert seconds[2] / seconds[0] == pytest.approx(8 / 4, rel=0.01)


def test_a_custom_rate_breathes_out_longer_than_in():
    pace = pace_for("custom", 5.0)
    assert [(p.name, p.seconds) for p in pace.phases] == [("in", 4.8), ("out", 7.2)]


def test_no_pace_for_mindfulness_or_a_rate_out_of_bounds():
    assert pace_for("body_scan", None) is None
    assert pace_for("resonance_breathing", 14) is None
    assert pace_for("custom", None) is None


def test_a_phone_start_time_is_trusted_only_when_plausible():
    assert practice_start_time(NOW - timedelta(minutes=12), 10, NOW) == NOW - timedelta(minutes=12)
    assert practice_start_time(NOW + timedelta(minutes=1), 10, NOW) == NOW - timedelta(minutes=10)
    assert practice_start_time(NOW - timedelta(days=2), 10, NOW) == NOW - timedelta(minutes=10)
    assert practice_start_time(None, 3, NOW) == NOW - timedelta(minutes=3)


# --- the screen ------------------------------------------------------------------------------


@pytest.fixture
def partner(client, couple):
    client.force_login(couple.partner_a.portal_user)
    return client


def _guided(homework):
    return reverse("portal-guided-practice", args=[homework.pk])


@time_machine.travel(NOW, tick=False)
def test_the_screen_carries_the_pace_and_its_script_without_inline_code(partner, couple):
    homework = make_practice(couple, breaths_per_minute=5.5)
    home = partner.get("/portal/").content.decode()
    assert _guided(homework) in home and "Practise now, guided" in home
    html = partner.get(_guided(homework)).content.decode()
    assert 'data-pace="in:5.45,out:5.45"' in html
    assert 'data-clock-url="/portal/practice/clock/"' in html
    assert re.search(r'<script src="/static/sessions/breathing(\.[0-9a-f]+)?\.js" defer>', html)
    main = html.split("<main", 1)[1]
    assert "<script>" not in main and "style=" not in main and "<style" not in main
    assert 'role="timer"' in html and 'aria-live="polite"' in html
    assert "A soft tone at each change" in html and "vibration" in html
    assert AuditEvent.objects.filter(object_id=str(homework.pk), action="read").exists()


@time_machine.travel(NOW, tick=False)
def test_finishing_saves_the_log_with_the_screens_start_and_ratings(partner, couple):
    homework = make_practice(couple)
    started = NOW - timedelta(minutes=16)
    response = partner.post(
        _guided(homework),
        {
            "started_ms": int(started.timestamp() * 1000),
            "minutes": "15",
            "before_zone": "hyper",
            "before_intensity": "7",
            "after_zone": "within",
            "after_intensity": "3",
        },
    )
    assert response.status_code == 302
    log = PracticeLog.objects.get(homework=homework)
    assert log.partner == couple.partner_a and log.practiced_at == started
    assert (log.minutes, log.before_intensity, log.after_zone) == (15, 7, "within")
    assert log.together is None


@time_machine.travel(NOW, tick=False)
def test_bad_minutes_are_shown_on_the_screen_with_the_ratings_kept(partner, couple):
    homework = make_practice(couple)
    response = partner.post(
        _guided(homework), {"minutes": "0", "before_intensity": "6", "before_zone": "hyper"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "greater than or equal to 1" in html
    assert 'value="6"' in html and 'value="hyper" id="id_before_zone_0" checked' in html
    assert not PracticeLog.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_no_guided_screen_for_the_other_partners_or_another_couples_practice(
    partner, couple, clinic
):
    from tests.factories import CoupleFactory

    theirs = make_practice(couple, partner=couple.partner_b)
    other = make_practice(CoupleFactory(clinic=clinic))
    mindful = make_practice(couple, technique="body_scan")
    for homework in (theirs, other, mindful):
        assert partner.get(_guided(homework)).status_code == 404
        assert partner.post(_guided(homework), {"minutes": "5"}).status_code == 404


def test_the_clock_answers_the_servers_time_in_milliseconds(partner, couple):
    with time_machine.travel(NOW, tick=False):
        response = partner.get(reverse("portal-practice-clock"))
    assert response.json() == {"now": int(NOW.timestamp() * 1000)}
    assert "no-cache" in response["Cache-Control"]


# --- breathing together ----------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_one_partner_starts_the_other_is_invited_and_both_pace_from_one_start(client, couple):
    homework = make_practice(couple)
    client.force_login(couple.partner_a.portal_user)
    response = client.post(reverse("portal-together-start", args=[homework.pk]), {"minutes": "10"})
    assert response.status_code == 302
    joint = homework.joint_practices.get()
    assert joint.starts_at == NOW + JOIN_LEAD and joint.started_by == couple.partner_a
    starts_ms = int(joint.starts_at.timestamp() * 1000)
    mine = client.get(response.url).content.decode()
    client.force_login(couple.partner_b.portal_user)
    home = client.get("/portal/").content.decode()
    assert "Breathe together" in home and response.url in home
    theirs = client.get(response.url).content.decode()
    for html in (mine, theirs):
        assert f'data-starts-ms="{starts_ms}"' in html and 'data-pace="in:5,out:5"' in html


@time_machine.travel(NOW, tick=False)
def test_together_is_logged_for_each_partner_once_and_counts_for_both(client, couple):
    homework = make_practice(couple)
    joint = make_joint_practice(couple, homework=homework, starts_at=NOW - timedelta(minutes=11))
    url = reverse("portal-breathe-together", args=[joint.pk])
    for partner, after in ((couple.partner_a, "2"), (couple.partner_b, "4")):
        client.force_login(partner.portal_user)
        body = {"minutes": "10", "after_zone": "within", "after_intensity": after}
        assert client.post(url, body).status_code == 302
    again = client.post(url, {"minutes": "10"})
    assert again.status_code == 400
    assert "already saved this practice together" in again.content.decode()
    logs = PracticeLog.objects.filter(together=joint)
    assert {(log.partner_id, log.after_intensity) for log in logs} == {
        (couple.partner_a.pk, 2),
        (couple.partner_b.pk, 4),
    }
    assert all(log.practiced_at == joint.starts_at for log in logs)
    rows = adherence_of(homework_list=[homework], couple=couple, today=NOW.date())[homework.pk]
    assert {r.partner_id: r.weeks[-1].logged for r in rows} == {
        couple.partner_a.pk: 1,
        couple.partner_b.pk: 1,
    }
    client.force_login(couple.partner_a.portal_user)
    assert "Breathe together" not in client.get("/portal/").content.decode()


@time_machine.travel(NOW, tick=False)
def test_saving_before_the_first_breath_is_refused(client, couple):
    joint = make_joint_practice(couple, starts_at=NOW + timedelta(seconds=20))
    client.force_login(couple.partner_b.portal_user)
    response = client.post(reverse("portal-breathe-together", args=[joint.pk]), {"minutes": "1"})
    assert response.status_code == 400
    assert "has not started yet" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_a_partners_own_practice_cannot_be_done_together(client, couple):
    homework = make_practice(couple, partner=couple.partner_a)
    client.force_login(couple.partner_a.portal_user)
    response = client.post(
        reverse("portal-together-start", args=[homework.pk]), {"minutes": "10"}, follow=True
    )
    assert "for practices you were both given" in response.content.decode()
    assert not homework.joint_practices.exists()
