"""The couple page reads a fixed number of queries whatever the length of the couple's history
(a month or a year of sessions, questionnaires, logs and readings); timings live in bench/."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.synthetic import MONTH, YEAR, build_history
from tests.factories import CoupleFactory

pytestmark = pytest.mark.django_db

# Session, user, clinic, membership and the couple; then each panel's reads in bulk (sessions;
# homework, agreements, the last two weeks' logs, from which the regulation strip is drawn,
# readings; questionnaires, alerts, results; the booking form's therapists; the
# confidentiality history; reports) and the break-glass openings of the couple its therapists
# see; then one audit INSERT for every record the page showed. A panel that adds a query
# changes this number on purpose; one that adds a query per row fails the year-long couple.
COUPLE_PAGE_QUERIES = 27


def test_couple_page_queries_are_the_same_for_a_month_and_a_year_of_history(
    client, clinic, therapist, django_assert_num_queries
):
    today = timezone.localdate()
    month = CoupleFactory(clinic=clinic, therapists=[therapist])
    year = CoupleFactory(clinic=clinic, therapists=[therapist])
    build_history(
        couple=month, therapist=therapist, start=today - timedelta(days=30), size=MONTH, seed=1
    )
    build_history(
        couple=year, therapist=therapist, start=today - timedelta(days=364), size=YEAR, seed=2
    )
    client.force_login(therapist)
    for couple in (month, year):
        with django_assert_num_queries(COUPLE_PAGE_QUERIES):
            response = client.get(reverse("couple-detail", args=[clinic.slug, couple.pk]))
        assert response.status_code == 200
        assert couple.partner_a.display_name in response.content.decode()
