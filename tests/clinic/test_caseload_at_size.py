"""The caseload at any size: the page shows 50 couples a page with search by name and the
status filter kept, urgent couples first across pages; the page and the API use a pinned
number of queries whatever the caseload holds (timings live in bench/, never here)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assessments.models import RiskAlert
from clinic.models import Couple, CoupleStatus
from sessions.homework.services import agreement_respond
from tests.assessments.world import PHQ9_WITH_RISK, submitted_response
from tests.conftest import api_client_for
from tests.factories import ClientFactory, CoupleFactory
from tests.sessions.world import make_agreement, make_held_session, make_session

pytestmark = pytest.mark.django_db


def plain_couples(clinic, therapist, n, surname="", **fields) -> list[Couple]:
    """`n` couples without portal logins, oldest first (creation order); partner A carries
    `surname` when given."""
    named = {"legal_name": f"Sam {surname}"} if surname else {}
    return [
        CoupleFactory(
            clinic=clinic,
            therapists=[therapist],
            partner_a=ClientFactory(clinic=clinic, **named),
            partner_b=ClientFactory(clinic=clinic),
            **fields,
        )
        for _ in range(n)
    ]


def couples_with_history(clinic, therapist, n) -> None:
    """`n` couples (with portal logins) carrying what every enricher reads."""
    for _ in range(n):
        with_history(CoupleFactory(clinic=clinic, therapists=[therapist]), therapist)


def with_history(couple, therapist) -> None:
    """A held and a scheduled session, submitted questionnaires (one with a risk item, so an
    open alert), and a partner asking to discuss a time-out agreement."""
    make_held_session(couple, therapist=therapist)
    make_session(couple, therapist=therapist)
    submitted_response(couple, couple.partner_a, answers=PHQ9_WITH_RISK)
    submitted_response(couple, couple.partner_b, "gad7", answers={"1": 2})
    agreement = make_agreement(couple, by=therapist)
    agreement_respond(
        homework=agreement,
        partner=couple.partner_b,
        by=couple.partner_b.portal_user,
        decision="discuss",
        version=1,
        note="",
    )


def cards(html: str) -> int:
    return html.count('class="card couple"')


@pytest.fixture
def staff(client, therapist):
    client.force_login(therapist)
    return client


def test_caseload_page_shows_50_couples_a_page_and_the_rest_on_the_next(staff, clinic, therapist):
    plain_couples(clinic, therapist, 53)
    first = staff.get(f"/c/{clinic.slug}/caseload/").content.decode()
    assert cards(first) == 50
    assert "53 couples, page 1 of 2." in first
    assert "?page=2" in first
    second = staff.get(f"/c/{clinic.slug}/caseload/?page=2").content.decode()
    assert cards(second) == 3
    assert "page 2 of 2." in second


def test_caseload_page_beyond_the_last_shows_the_last(staff, clinic, therapist):
    plain_couples(clinic, therapist, 3)
    html = staff.get(f"/c/{clinic.slug}/caseload/?page=9").content.decode()
    assert cards(html) == 3


def test_caseload_search_finds_a_couple_by_either_partners_name(staff, clinic, therapist):
    plain_couples(clinic, therapist, 4)
    wanted = plain_couples(clinic, therapist, 1)[0]
    wanted.partner_b.legal_name, wanted.partner_b.preferred_name = "Rosalind Okonjo", "Roz"
    wanted.partner_b.save()
    for text in ("okonjo", "ROZ"):
        html = staff.get(f"/c/{clinic.slug}/caseload/", {"q": text}).content.decode()
        assert cards(html) == 1
        assert str(wanted.pk) in html
        assert f"1 couple matching “{text}”" in html


def test_caseload_search_without_a_match_says_so(staff, clinic, therapist):
    plain_couples(clinic, therapist, 2)
    html = staff.get(f"/c/{clinic.slug}/caseload/", {"q": "nobody-by-this-name"}).content.decode()
    assert cards(html) == 0
    assert "No couples match." in html


def test_page_links_keep_the_status_filter_and_the_search(staff, clinic, therapist):
    plain_couples(clinic, therapist, 52, surname="Okafor", status=CoupleStatus.PAUSED)
    plain_couples(clinic, therapist, 2, surname="Okafor", status=CoupleStatus.ACTIVE)
    plain_couples(clinic, therapist, 2, status=CoupleStatus.PAUSED)
    html = staff.get(f"/c/{clinic.slug}/caseload/", {"status": "paused", "q": "okafor"})
    html = html.content.decode()
    assert cards(html) == 50
    assert "52 couples matching “okafor”, page 1 of 2." in html
    assert "?status=paused&amp;q=okafor&amp;page=2" in html
    second = staff.get(f"/c/{clinic.slug}/caseload/?status=paused&q=okafor&page=2")
    second = second.content.decode()
    assert cards(second) == 2
    assert "Active</span>" not in second


def test_a_couple_with_an_open_alert_comes_first_even_from_a_later_page(staff, clinic, therapist):
    couples = plain_couples(clinic, therapist, 55)
    oldest = couples[0]  # last of all by the page's order: it would be on page 2
    submitted_response(oldest, oldest.partner_a, answers=PHQ9_WITH_RISK)
    assert RiskAlert.objects.filter(couple=oldest, acknowledged_at__isnull=True).exists()
    html = staff.get(f"/c/{clinic.slug}/caseload/").content.decode()
    first_card = html.index('class="card couple"')
    assert html.index(str(oldest.pk)) - first_card < html.index(str(couples[-1].pk)) - first_card
    assert str(oldest.pk) not in staff.get(f"/c/{clinic.slug}/caseload/?page=2").content.decode()


# Session and user (the page) or the token (two, the API); clinic; membership; then count,
# couples, therapists; next and last session (2); agreement discussions (1); open alerts (1);
# risk concerns in the latest signed note (1); overdue and headlines (2); the audit insert.
PAGE_QUERIES = 15
API_QUERIES = 15


def test_caseload_page_queries_are_pinned_at_two_sizes(
    staff, clinic, therapist, django_assert_num_queries
):
    couples_with_history(clinic, therapist, 2)
    with django_assert_num_queries(PAGE_QUERIES):
        small = staff.get(f"/c/{clinic.slug}/caseload/").content.decode()
    couples_with_history(clinic, therapist, 58)
    with django_assert_num_queries(PAGE_QUERIES):
        large = staff.get(f"/c/{clinic.slug}/caseload/").content.decode()
    assert (cards(small), cards(large)) == (2, 50)
    assert large.count("asked to discuss") == 50
    assert large.count("risk alert to acknowledge") == 50


def test_caseload_api_queries_are_pinned_at_two_sizes(clinic, therapist, django_assert_num_queries):
    api = api_client_for(therapist)
    url = f"/api/v1/clinics/{clinic.slug}/couples/?page_size=50"
    couples_with_history(clinic, therapist, 2)
    with django_assert_num_queries(API_QUERIES):
        small = api.get(url).json()
    couples_with_history(clinic, therapist, 58)
    with django_assert_num_queries(API_QUERIES):
        large = api.get(url).json()
    assert (len(small["results"]), len(large["results"]), large["count"]) == (2, 50, 60)
    row = large["results"][0]["caseload"]
    assert row["sessions"]["next"] and row["sessions"]["last"]
    assert row["assessment_alerts"] == {"urgent": 1, "review": 0}
    assert row["agreement_discussion"][0]["version"] == 1
    assert [h["code"] for h in row["assessments"]["headlines"]] == ["phq9", "gad7"]


def test_next_session_is_the_earliest_to_come_and_last_the_latest_held(clinic, therapist):
    couple = plain_couples(clinic, therapist, 1)[0]
    now = timezone.now()
    later = make_session(couple, therapist=therapist, starts_at=now + timedelta(days=9))
    sooner = make_session(couple, therapist=therapist, starts_at=now + timedelta(days=2))
    make_held_session(couple, therapist=therapist, starts_at=now - timedelta(days=20))
    latest = make_held_session(couple, therapist=therapist, starts_at=now - timedelta(days=3))
    row = api_client_for(therapist).get(f"/api/v1/clinics/{clinic.slug}/couples/").json()
    sessions = row["results"][0]["caseload"]["sessions"]
    assert sessions["next"]["id"] == str(sooner.pk) != str(later.pk)
    assert sessions["last"]["id"] == str(latest.pk)
