"""first_rows_per keeps the first row per key of an ordered queryset: with DISTINCT ON on
PostgreSQL and, where a database lacks it (the SQLite quick start), by picking the same rows in
Python. Both paths must give the same answer."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from clinic.queries import first_rows_per
from sessions.models import TherapySession
from tests.factories import CoupleFactory
from tests.sessions.world import make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions_of_two_couples(clinic, couple, therapist):
    other = CoupleFactory(clinic=clinic, therapists=[therapist])
    now = timezone.now()
    for c in (couple, other):
        for days in (3, 1, 2):
            make_session(
                c,
                therapist=therapist,
                starts_at=now + timedelta(days=days, hours=len(str(c.pk)) % 5),
            )
    return TherapySession.objects.for_clinic(clinic).order_by("couple_id", "starts_at")


def _earliest(qs):
    return {
        row["couple_id"]: row["starts_at"]
        for row in first_rows_per(qs, ("couple_id",), "couple_id", "starts_at")
    }


def test_both_paths_keep_the_earliest_session_per_couple(sessions_of_two_couples, monkeypatch):
    expected = {}
    for session in sessions_of_two_couples:
        expected.setdefault(session.couple_id, session.starts_at)
    assert connection.features.can_distinct_on_fields  # the suite runs on PostgreSQL
    assert _earliest(sessions_of_two_couples) == expected
    monkeypatch.setattr(connection.features, "can_distinct_on_fields", False)
    assert _earliest(sessions_of_two_couples) == expected
