"""`__any_of` matches what `__in` matches, sent as one array parameter on PostgreSQL, through
relations too; on other databases it is `__in` itself."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions.models import TherapySession
from tests.factories import CoupleFactory
from tests.sessions.world import make_session

pytestmark = pytest.mark.django_db


def test_any_of_finds_what_in_finds_with_one_parameter(clinic, couple, therapist):
    other = CoupleFactory(clinic=clinic, therapists=[therapist])
    CoupleFactory(clinic=clinic, therapists=[therapist])  # not asked for
    for c in (couple, other):
        make_session(c, therapist=therapist)
    ids = [couple.pk, str(other.pk)]  # ids as the database gives them or as text
    sessions = TherapySession.objects.for_clinic(clinic)
    with CaptureQueriesContext(connection) as ctx:
        found = set(sessions.filter(couple_id__any_of=ids).values_list("pk", flat=True))
    assert found == set(sessions.filter(couple_id__in=ids).values_list("pk", flat=True))
    assert len(found) == 2
    assert "= ANY(" in ctx.captured_queries[0]["sql"]
    via_relation = sessions.filter(couple__partner_a__any_of=[couple.partner_a_id])
    assert {s.couple_id for s in via_relation} == {couple.pk}
    assert not sessions.filter(couple_id__any_of=[]).exists()


def test_any_of_is_in_where_arrays_are_not_sent(clinic, couple, therapist, monkeypatch):
    make_session(couple, therapist=therapist)
    monkeypatch.setattr(connection, "vendor", "sqlite")
    qs = TherapySession.objects.for_clinic(clinic).filter(couple_id__any_of=[couple.pk])
    sql, params = qs.query.sql_with_params()
    assert " IN (" in sql and "ANY" not in sql
    assert list(params).count(couple.pk) == 1
