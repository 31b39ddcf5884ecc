"""An audit trail people can use: each event in words with links to what it touched, narrowed
by client or couple, actor, action and the clinic's dates, on the admin's page and the API, and
one client's access history as CSV (itself audited)."""

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from clinic.audit import record_event, record_read
from clinic.models import AuditEvent
from tests.assessments.world import PHQ9_WITH_RISK, assign, first_response, submitted_response
from tests.factories import CoupleFactory
from tests.sessions.world import make_check_in, make_note, make_session

pytestmark = pytest.mark.django_db

SEP_6 = datetime(2026, 9, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
def staff(client, admin):
    client.force_login(admin)
    return client


@time_machine.travel(datetime(2026, 9, 20, 12, 0, tzinfo=UTC), tick=False)
def test_a_note_read_is_told_in_words_with_links_to_the_note_and_the_couple(
    client, therapist, admin, clinic, couple
):
    couple.partner_a.preferred_name = "Sam"
    couple.partner_a.save()
    note = make_note(make_session(couple, starts_at=SEP_6))
    client.force_login(therapist)
    assert client.get(reverse("note-page", args=[clinic.slug, note.pk])).status_code == 200
    event = AuditEvent.objects.get(action="read", object_id=str(note.pk))
    assert (event.couple_id, event.client_id) == (couple.pk, None)

    client.force_login(admin)
    response = client.get(reverse("audit", args=[clinic.slug]), {"action": "read"})
    html = response.content.decode()
    note_link = reverse("note-page", args=[clinic.slug, note.pk])
    couple_link = reverse("couple-detail", args=[clinic.slug, couple.pk])
    assert f'<a href="{note_link}">the session note of 6 Sep</a>' in html
    assert f'<a href="{couple_link}">Sam &amp; {couple.partner_b.display_name}</a>' in html
    assert "Staff pages" in html
    assert (therapist.full_name or therapist.email) in html


def test_a_partners_own_record_names_the_partner_within_the_couple(clinic, couple, staff):
    check_in = make_check_in(couple, couple.partner_b)
    record_read(None, check_in, clinic=clinic)
    event = AuditEvent.objects.get(object_id=str(check_in.pk))
    assert (event.couple_id, event.client_id) == (couple.pk, couple.partner_b.pk)
    html = staff.get(reverse("audit", args=[clinic.slug])).content.decode()
    assert f"{couple.partner_b.display_name}, of " in html
    assert "the check-in of" in html


def _shown(response) -> set[str]:
    return {line.event.object_id for line in response.context["lines"]}


def test_the_client_filter_shows_their_record_and_their_couples_but_not_the_partners_own(
    clinic, couple, staff
):
    joint = make_session(couple)
    mine = make_check_in(couple, couple.partner_a)
    theirs = make_check_in(couple, couple.partner_b)
    elsewhere = CoupleFactory(clinic=clinic, therapists=list(couple.therapists.all()))
    record_read(None, [joint, mine, theirs, couple.partner_a, elsewhere], clinic=clinic)
    # An event from before events named their client: found by the record it names.
    AuditEvent.objects.create(
        clinic=clinic,
        action="update",
        object_type="clinic.client",
        object_id=str(couple.partner_a.pk),
    )
    response = staff.get(reverse("audit", args=[clinic.slug]), {"client": couple.partner_a.pk})
    assert _shown(response) == {str(joint.pk), str(mine.pk), str(couple.partner_a.pk)}
    assert response.context["page"].paginator.count == 4
    by_couple = staff.get(reverse("audit", args=[clinic.slug]), {"couple": couple.pk})
    assert _shown(by_couple) == {str(joint.pk), str(mine.pk), str(theirs.pk)}


def test_another_clinics_client_is_not_a_choice(clinic, other_clinic, staff):
    foreign = CoupleFactory(clinic=other_clinic)
    response = staff.get(reverse("audit", args=[clinic.slug]), {"client": foreign.partner_a.pk})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_the_action_filter_is_a_fixed_list(clinic, staff, couple):
    record_event(clinic=clinic, actor=None, action="update", obj=couple)
    record_read(None, couple, clinic=clinic)
    response = staff.get(reverse("audit", args=[clinic.slug]), {"action": "update"})
    assert [line.event.action for line in response.context["lines"]] == ["update"]
    html = response.content.decode()
    assert '<option value="break_glass">' in html and '<option value="read">Viewed' in html
    bogus = staff.get(reverse("audit", args=[clinic.slug]), {"action": "drop table"})
    assert "Select a valid choice" in bogus.content.decode()
    with pytest.raises(ValueError, match="not an audit action"):
        record_event(clinic=clinic, actor=None, action="peek", obj=couple)


def test_the_actor_filter_matches_a_name_or_email(clinic, staff, couple, therapist, admin):
    record_event(clinic=clinic, actor=therapist, action="update", obj=couple)
    record_event(clinic=clinic, actor=admin, action="update", obj=couple)
    therapist.full_name = "Dana Reyes"
    therapist.save()
    response = staff.get(reverse("audit", args=[clinic.slug]), {"actor": "dana rey"})
    assert [line.event.actor_id for line in response.context["lines"]] == [therapist.pk]


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode())))


@time_machine.travel(datetime(2026, 9, 20, 12, 0, tzinfo=UTC), tick=False)
def test_a_clients_access_history_downloads_as_csv_and_is_itself_audited(
    client, clinic, couple, therapist, admin
):
    therapist.full_name = "=HYPERLINK(1)"
    therapist.save()
    note = make_note(make_session(couple, starts_at=SEP_6))
    client.force_login(therapist)
    client.get(reverse("note-page", args=[clinic.slug, note.pk]))
    record_read(None, make_check_in(couple, couple.partner_b), clinic=clinic)  # not theirs
    client.force_login(admin)
    url = reverse("audit-client-access", args=[clinic.slug, couple.partner_a.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0] == [
        "When",
        "Who",
        "Email",
        "Did",
        "Record",
        "Whose record",
        "How",
        "From address",
    ]
    reads = [r for r in rows[1:] if r[3] == "viewed"]
    assert len(reads) == 1
    when, who, email, _, record, whose, how, ip = reads[0]
    assert when.startswith("2026-09-20T13:00:00")  # the clinic's time (London, summer)
    assert (who, email, record, how) == (
        "'=HYPERLINK(1)",
        therapist.email,
        "session note of 6 Sep",
        "Staff pages",
    )
    assert couple.partner_a.display_name in whose and ip == "127.0.0.1"
    export = AuditEvent.objects.get(action="access_history_export")
    assert (export.actor, export.client_id, export.channel) == (admin, couple.partner_a.pk, "page")
    assert export.detail == {"events": len(rows) - 1}


def test_only_an_admin_downloads_an_access_history(client, clinic, couple, therapist, outsider):
    url = reverse("audit-client-access", args=[clinic.slug, couple.partner_a.pk])
    client.force_login(therapist)
    assert client.get(url).status_code == 403
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="access_history_export").exists()


def test_the_api_filters_by_client_and_action_and_says_each_event_in_words(
    api_as, admin, clinic, other_clinic, couple
):
    mine = make_check_in(couple, couple.partner_a)
    theirs = make_check_in(couple, couple.partner_b)
    record_read(None, [mine, theirs], clinic=clinic)
    record_event(clinic=clinic, actor=None, action="update", obj=mine)
    api = api_as(admin)
    base = f"/api/v1/clinics/{clinic.slug}/audit-events/"
    body = api.get(base, {"client": couple.partner_a.pk, "action": "read"}).json()
    assert [e["object_id"] for e in body["results"]] == [str(mine.pk)]
    event = body["results"][0]
    assert event["client"] == str(couple.partner_a.pk) and event["couple"] == str(couple.pk)
    assert event["record"].startswith("check-in of")
    assert event["summary"].startswith("Attune (system) viewed the check-in of")
    assert event["channel"] == "command"
    assert api.get(base, {"action": "peek"}).status_code == 400
    foreign = CoupleFactory(clinic=other_clinic)
    assert api.get(base, {"client": foreign.partner_a.pk}).json()["results"] == []


def _audit_page_queries(client, clinic) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("audit", args=[clinic.slug])).status_code == 200
    return len(queries)


def test_putting_events_into_words_costs_the_same_for_many_records(clinic, couple, staff):
    def some_reads():
        note = make_note(make_session(couple, starts_at=SEP_6))
        record_read(
            None, [note, note.session, make_check_in(couple, couple.partner_a)], clinic=clinic
        )
        record_read(None, [couple, couple.partner_b], clinic=clinic)

    some_reads()
    few = _audit_page_queries(staff, clinic)
    for _ in range(8):
        some_reads()
    assert _audit_page_queries(staff, clinic) == few


@time_machine.travel(datetime(2026, 9, 20, 12, 0, tzinfo=UTC), tick=False)
def test_a_questionnaire_is_named_as_the_clinic_knows_it_not_by_its_code(clinic, couple, staff):
    gad7 = first_response(assign(couple, couple.partner_a, "gad7"))
    alert = submitted_response(couple, couple.partner_b, answers=PHQ9_WITH_RISK).risk_alerts.get()
    record_read(None, [gad7, gad7.assignment, alert], clinic=clinic)
    few = _audit_page_queries(staff, clinic)

    html = staff.get(reverse("audit", args=[clinic.slug])).content.decode()
    assert (
        "the questionnaire \N{LEFT DOUBLE QUOTATION MARK}GAD-7\N{RIGHT DOUBLE QUOTATION MARK}"
        in html
    )
    assert "questionnaire assignment \N{LEFT DOUBLE QUOTATION MARK}GAD-7" in html
    assert "risk alert \N{LEFT DOUBLE QUOTATION MARK}PHQ-9" in html
    assert "\N{LEFT DOUBLE QUOTATION MARK}gad7" not in html

    for _ in range(3):
        more = first_response(assign(couple, couple.partner_b, "pcl5"))
        record_read(None, [more, alert], clinic=clinic)
    assert _audit_page_queries(staff, clinic) == few
    assert (
        "\N{LEFT DOUBLE QUOTATION MARK}PCL-5"
        in staff.get(reverse("audit", args=[clinic.slug])).content.decode()
    )
