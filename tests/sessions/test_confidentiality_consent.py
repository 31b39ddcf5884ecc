"""Changing a couple's confidentiality policy: both partners' consent (date, how) and an explicit
confirmation are required, each change is kept in a history (append-only) and audited, and a
change "from now on" is honoured by every reader: portal pages, portal API, results and answers,
and client reports (read back from the PDF)."""

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import DatabaseError, transaction
from django.urls import reverse
from pypdf import PdfReader

from clinic.confidentiality import (
    NarrowingFromNow,
    Sharing,
    Viewer,
    ViewerKind,
    Visibility,
    item_time,
    may_view,
    sharing_after_change,
)
from clinic.models import AuditEvent, ConfidentialityAgreement
from reports.data import gather
from reports.models import ProgressReport
from reports.pdf import render_pdf
from tests.assessments.world import submitted_response
from tests.conftest import api_client_for
from tests.sessions.world import make_check_in, make_time_out_log

pytestmark = pytest.mark.django_db

BEFORE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHANGE = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
AFTER = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)


def url(couple):
    return f"/api/v1/clinics/{couple.clinic.slug}/couples/{couple.pk}/confidentiality/"


def consent(policy="shared", applies_to="from_now", **extra):
    body = {
        "policy": policy,
        "applies_to": applies_to,
        "partner_a_consent_on": "2026-03-10",
        "partner_a_consent_method": "in_session",
        "partner_b_consent_on": "2026-03-09",
        "partner_b_consent_method": "in_writing",
        "confirm": True,
    }
    body.update(extra)
    return body


def change(couple, therapist, at=CHANGE, **body):
    with time_machine.travel(at, tick=False):
        response = api_client_for(therapist).post(url(couple), consent(**body), format="json")
    assert response.status_code == 200, response.json()
    couple.refresh_from_db()
    return response.json()


# --- the rule -------------------------------------------------------------------------------


def test_widening_from_now_on_sets_a_boundary_and_narrowing_applies_at_once():
    private, shared = Sharing("private"), Sharing("shared")
    assert sharing_after_change(
        before=private, after_policy="shared", past_too=False, now=CHANGE
    ) == Sharing("shared", CHANGE)
    assert (
        sharing_after_change(before=private, after_policy="shared", past_too=True, now=CHANGE)
        == shared
    )
    # Already shared from a boundary: sharing "from now on" again keeps what was shared.
    earlier = Sharing("shared", BEFORE)
    assert (
        sharing_after_change(before=earlier, after_policy="shared", past_too=False, now=CHANGE)
        == earlier
    )
    assert (
        sharing_after_change(before=earlier, after_policy="private", past_too=True, now=CHANGE)
        == private
    )
    with pytest.raises(NarrowingFromNow):
        sharing_after_change(before=shared, after_policy="private", past_too=False, now=CHANGE)


def test_may_view_honours_the_boundary_for_the_other_partner_only():
    a, b = Viewer(ViewerKind.PARTNER, "a"), "b"
    sharing = Sharing("shared", CHANGE)
    from clinic.confidentiality import Material

    for material in (Material.CHECKIN, Material.QUESTIONNAIRE_ANSWERS):
        decide = {"viewer": a, "material": material, "owner_id": b, "sharing": sharing}
        assert not may_view(item_at=BEFORE, **decide)
        assert may_view(item_at=AFTER, **decide)
        assert not may_view(item_at=None, **decide)  # undated: on the private side
        assert may_view(viewer=a, material=material, owner_id="a", sharing=sharing, item_at=BEFORE)
    risk = {"viewer": a, "material": Material.RISK_ITEM_ANSWER, "owner_id": b}
    assert not may_view(sharing=sharing, item_at=AFTER, **risk)
    assert not may_view(sharing=Sharing("shared"), item_at=AFTER, **risk)
    assert Visibility(True, CHANGE).admits(CHANGE)


def test_an_item_counts_from_the_earliest_moment_that_dates_it():
    assert item_time(AFTER, BEFORE) == BEFORE  # logged after the change about a day before it
    assert item_time(None, AFTER) == AFTER
    assert item_time(None) is None


# --- consent, confirmation, history, audit ----------------------------------------------------


def test_a_change_without_consent_or_confirmation_is_refused_with_field_errors(therapist, couple):
    response = api_client_for(therapist).post(url(couple), {"policy": "shared"}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    name_a, name_b = couple.partner_a.display_name, couple.partner_b.display_name
    assert errors["partner_a_consent_on"] == [f"Record the date {name_a} agreed to this change."]
    assert errors["partner_b_consent_method"] == [
        f"Record how {name_b} agreed (in session, in writing, ...)."
    ]
    assert "partner_b_consent_on" in errors and "partner_a_consent_method" in errors
    assert "from now on or to past material too" in errors["applies_to"][0]
    assert "Confirm the change" in errors["confirm"][0]
    couple.refresh_from_db()
    assert couple.individual_material_policy == "inherit"
    assert not ConfidentialityAgreement.objects.exists()
    assert not AuditEvent.objects.filter(action="confidentiality").exists()


def test_consent_dated_in_the_future_or_a_narrowing_from_now_on_is_refused(therapist, couple):
    api = api_client_for(therapist)
    with time_machine.travel(CHANGE, tick=False):
        future = api.post(url(couple), consent(partner_a_consent_on="2026-03-11"), format="json")
    assert future.status_code == 400
    assert "cannot be dated in the future" in future.json()["errors"]["partner_a_consent_on"][0]
    change(couple, therapist, applies_to="all")
    narrowing = api.post(url(couple), consent(policy="private"), format="json")
    assert narrowing.status_code == 400
    assert "applies to all of it at once" in narrowing.json()["errors"]["applies_to"][0]
    same = api.post(url(couple), consent(applies_to="all"), format="json")
    assert same.json()["errors"]["policy"] == ["This is already the couple's policy."]
    assert ConfidentialityAgreement.objects.count() == 1


def test_a_change_is_recorded_with_both_consents_shown_as_history_and_audited(therapist, couple):
    body = change(couple, therapist, note="Signed form filed")
    assert body["effective_policy"] == "shared"
    assert body["shared_since"] == "2026-03-10T14:00:00Z"
    (row,) = body["history"]
    assert (row["from_effective"], row["to_effective"], row["applies_to"]) == (
        "private",
        "shared",
        "from_now",
    )
    assert (row["partner_a_consent_on"], row["partner_a_consent_method"]) == (
        "2026-03-10",
        "in_session",
    )
    assert (row["partner_b_consent_on"], row["partner_b_consent_method"]) == (
        "2026-03-09",
        "in_writing",
    )
    assert row["recorded_by"] == therapist.email and row["note"] == "Signed form filed"
    assert couple.shared_since == CHANGE
    event = AuditEvent.objects.get(object_id=str(couple.pk), action="confidentiality")
    assert event.actor == therapist
    assert event.detail == {
        "from": "inherit",
        "to": "shared",
        "effective_from": "private",
        "effective_to": "shared",
        "applies_to": "from_now",
        "shared_since": "2026-03-10T14:00:00+00:00",
        "agreement": row["id"],
    }
    # Back to private: everything at once, boundary gone; both changes in the history.
    body = change(couple, therapist, at=AFTER, policy="private", applies_to="all")
    assert body["shared_since"] is None and len(body["history"]) == 2
    assert body["history"][0]["to_effective"] == "private"
    read = api_client_for(therapist).get(url(couple))
    assert len(read.json()["history"]) == 2
    assert AuditEvent.objects.filter(
        object_id=str(couple.pk), action="read", detail__view="confidentiality"
    ).exists()


def test_agreements_are_append_only_at_the_database(therapist, couple):
    change(couple, therapist)
    agreement = ConfidentialityAgreement.objects.get()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ConfidentialityAgreement.objects.filter(pk=agreement.pk).update(note="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ConfidentialityAgreement.objects.filter(pk=agreement.pk).delete()


def test_the_couple_api_no_longer_changes_the_policy_without_consent(therapist, couple):
    response = api_client_for(therapist).patch(
        f"/api/v1/clinics/{couple.clinic.slug}/couples/{couple.pk}/",
        {"individual_material_policy": "shared"},
        format="json",
    )
    assert response.status_code == 400
    assert (
        "records both partners' consent"
        in (response.json()["errors"]["individual_material_policy"][0])
    )
    couple.refresh_from_db()
    assert couple.individual_material_policy == "inherit"


def test_the_page_asks_for_consent_and_confirmation_then_shows_the_history(
    client, therapist, couple
):
    client.force_login(therapist)
    page_url = reverse("couple-confidentiality-page", args=[couple.clinic.slug, couple.pk])
    with time_machine.travel(CHANGE, tick=False):
        html = client.get(page_url).content.decode()
        assert f"How {couple.partner_a.display_name} agreed" in html
        # Said once: not "(Clinic default: the clinic's default is private)".
        assert "private to its partner</strong>\n    (the clinic's default)." in html
        refused = client.post(page_url, {"policy": "shared", "applies_to": "from_now"})
        assert refused.status_code == 400
        html = refused.content.decode()
        assert f"Record the date {couple.partner_b.display_name} agreed" in html
        assert "Confirm the change" in html and 'aria-invalid="true"' in html
        form = {
            "policy": "shared",
            "applies_to": "from_now",
            "partner_a_consent_on": "2026-03-10",
            "partner_a_consent_method": "in_session",
            "partner_b_consent_on": "2026-03-10",
            "partner_b_consent_method": "via_portal",
        }
        unconfirmed = client.post(page_url, form)
        assert unconfirmed.status_code == 400 and "Confirm the change" in (
            unconfirmed.content.decode()
        )
        done = client.post(page_url, {**form, "confirm": "on"})
    assert done.status_code == 302
    couple.refresh_from_db()
    assert couple.individual_material_policy == "shared" and couple.shared_since == CHANGE
    assert "(chosen for this couple)." in client.get(page_url).content.decode()
    event = AuditEvent.objects.get(object_id=str(couple.pk), action="confidentiality")
    assert event.channel == "page"
    detail = client.get(reverse("couple-detail", args=[couple.clinic.slug, couple.pk]))
    html = detail.content.decode()
    assert "shared with the other partner from 10 Mar 2026, 14:00 on" in html
    assert "Changes and consent" in html and "via the portal" in html
    assert "in session, in person" in html


# --- "from now on" honoured by every reader -------------------------------------------------


@pytest.fixture
def before_and_after(therapist, couple):
    """Partner B's check-ins, time-outs and PHQ-9 from before and after a change to shared
    "from now on" (the couple was private before)."""
    with time_machine.travel(BEFORE, tick=False):
        old = {
            "check_in": make_check_in(couple, couple.partner_b, note="before the change"),
            "time_out": make_time_out_log(couple, couple.partner_b),
            "response": submitted_response(
                couple, couple.partner_b, answers={str(n): 1 for n in range(1, 10)}
            ),
        }
    change(couple, therapist)
    with time_machine.travel(AFTER, tick=False):
        new = {
            "check_in": make_check_in(couple, couple.partner_b, note="after the change"),
            "time_out": make_time_out_log(couple, couple.partner_b),
            "response": submitted_response(
                couple, couple.partner_b, answers={str(n): 2 for n in range(1, 10)}
            ),
        }
    return old, new


def test_portal_api_and_pages_show_only_what_was_recorded_after_the_change(
    client, couple, before_and_after
):
    old, new = before_and_after
    api = api_client_for(couple.partner_a.portal_user)
    for path, kind in (("check-ins", "check_in"), ("time-out-logs", "time_out")):
        listed = {row["id"] for row in api.get(f"/api/v1/portal/{path}/").json()["results"]}
        assert str(new[kind].pk) in listed and str(old[kind].pk) not in listed
        assert api.get(f"/api/v1/portal/{path}/{old[kind].pk}/").status_code == 404
    client.force_login(couple.partner_a.portal_user)
    html = client.get(reverse("portal-logs")).content.decode()
    assert "after the change" in html and "before the change" not in html
    # The partner's own material is never behind the boundary for themself.
    own = api_client_for(couple.partner_b.portal_user).get("/api/v1/portal/check-ins/").json()
    assert {row["id"] for row in own["results"]} == {
        str(old["check_in"].pk),
        str(new["check_in"].pk),
    }


def test_results_and_answers_of_the_other_partner_start_at_the_change(
    client, therapist, couple, before_and_after
):
    old, new = before_and_after
    client.force_login(couple.partner_a.portal_user)
    page = re.sub(r"\s+", " ", client.get(reverse("portal-results")).content.decode())
    assert "(those sent from 10 Mar 2026, 14:00 on)" in page
    api = api_client_for(couple.partner_a.portal_user)
    body = api.get("/api/v1/portal/results/").json()
    assert body["partner_results_shared"] is True
    (phq,) = body["instruments"]
    (theirs,) = [p for p in phq["partners"] if p["partner"] == str(couple.partner_b.pk)]
    points = theirs["scales"][0]["points"]
    assert [p["response"] for p in points] == [str(new["response"].pk)]
    assert points[0]["answers"]["1"] == 2 and "9" not in points[0]["answers"]
    # Both partners then agree to share past material too: the earlier response appears.
    change(couple, therapist, at=AFTER + timedelta(hours=1), applies_to="all")
    (phq,) = api.get("/api/v1/portal/results/").json()["instruments"]
    (theirs,) = [p for p in phq["partners"] if p["partner"] == str(couple.partner_b.pk)]
    assert [p["response"] for p in theirs["scales"][0]["points"]] == [
        str(old["response"].pk),
        str(new["response"].pk),
    ]


def test_past_material_too_shows_what_was_recorded_before(therapist, couple):
    with time_machine.travel(BEFORE, tick=False):
        old = make_check_in(couple, couple.partner_b)
    change(couple, therapist, applies_to="all")
    api = api_client_for(couple.partner_a.portal_user)
    assert api.get(f"/api/v1/portal/check-ins/{old.pk}/").status_code == 200


def test_back_to_private_hides_everything_at_once(therapist, couple, before_and_after):
    _old, new = before_and_after
    change(couple, therapist, at=AFTER + timedelta(hours=1), policy="private", applies_to="all")
    api = api_client_for(couple.partner_a.portal_user)
    assert api.get("/api/v1/portal/check-ins/").json()["results"] == []
    assert api.get(f"/api/v1/portal/check-ins/{new['check_in'].pk}/").status_code == 404


def test_the_portal_says_since_when_material_is_shared(client, couple, before_and_after):
    client.force_login(couple.partner_a.portal_user)
    html = re.sub(r"\s+", " ", client.get("/portal/").content.decode())
    assert "from 10 Mar 2026, 14:00 on" in html
    assert "What either of you recorded before then stays private" in html


def _pdf_text(contents) -> str:
    data = render_pdf(contents)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("audience", ["couple", "partner"])
def test_client_reports_count_the_other_partners_material_from_the_change_on(
    couple, before_and_after, audience
):
    report = ProgressReport.objects.create(
        clinic=couple.clinic,
        couple=couple,
        audience=audience,
        partner=couple.partner_a if audience == "partner" else None,
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 20),
        request_id=couple.pk,
    )
    contents = gather(report)
    # One time-out before the change and one after: only the later one is counted.
    assert contents.time_outs.called == 1
    scores = next(i for i in contents.assessments if i.code == "phq9")
    (series,) = [s for s in scores.series if s.partner == 1]
    assert [p.total for p in series.points] == [18]
    # A couple report is read by both: each partner's material counts from the change on.
    whose = "each partner" if audience == "couple" else couple.partner_b.display_name
    # The boundary moves to the next whole day (11 March): the days counted are 11-20 March.
    (regulation,) = [r for r in contents.regulation if r.partner == 1]
    assert regulation.days_without_checkin == 10 - 1
    pdf = _pdf_text(contents)
    before = "from before 11 Mar 2026 are private under your agreement"
    assert f"{whose}'s time-out logs {before}" in pdf
    assert f"{whose}'s questionnaire results {before}" in pdf
    assert "No time-outs were called" not in pdf


def test_the_clinical_report_is_not_narrowed_by_the_boundary(couple, before_and_after):
    report = ProgressReport.objects.create(
        clinic=couple.clinic,
        couple=couple,
        audience="clinical",
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 20),
        request_id=couple.pk,
    )
    contents = gather(report)
    assert contents.time_outs.called == 2 and contents.withheld == ()


def test_turning_the_clinic_default_on_shares_inheriting_couples_from_now_on(
    admin, therapist, clinic, couple
):
    from clinic.services import clinic_update_settings
    from tests.factories import CoupleFactory

    explicit = CoupleFactory(clinic=clinic, therapists=[therapist])
    change(explicit, therapist, policy="shared", applies_to="all")
    with time_machine.travel(BEFORE, tick=False):
        old = make_check_in(couple, couple.partner_b)
    with time_machine.travel(CHANGE, tick=False):
        clinic_update_settings(
            clinic=clinic, by=admin, changes={"partners_see_individual_results": True}
        )
    with time_machine.travel(AFTER, tick=False):
        new = make_check_in(couple, couple.partner_b)
    couple.refresh_from_db()
    explicit.refresh_from_db()
    assert couple.shared_since == CHANGE and explicit.shared_since is None
    api = api_client_for(couple.partner_a.portal_user)
    assert api.get(f"/api/v1/portal/check-ins/{old.pk}/").status_code == 404
    assert api.get(f"/api/v1/portal/check-ins/{new.pk}/").status_code == 200
    event = AuditEvent.objects.get(action="update", object_id=str(clinic.pk))
    assert event.detail["couples_sharing_from_now_on"] == 1


def test_homework_and_individual_sessions_booked_before_the_change_stay_private(therapist, couple):
    from sessions.models import SessionKind
    from sessions.portal.selectors import upcoming_sessions_for
    from tests.sessions.world import make_practice, make_session

    with time_machine.travel(BEFORE, tick=False):
        make_practice(couple, partner=couple.partner_b, title="B's grounding, before")
        booked_before = make_session(
            couple, kind=SessionKind.INDIVIDUAL, partner=couple.partner_b, starts_at=AFTER
        )
    change(couple, therapist)
    with time_machine.travel(CHANGE + timedelta(hours=1), tick=False):
        make_practice(couple, partner=couple.partner_b, title="B's grounding, after")
        booked_after = make_session(
            couple,
            kind=SessionKind.INDIVIDUAL,
            partner=couple.partner_b,
            starts_at=AFTER + timedelta(hours=2),
        )
        api = api_client_for(couple.partner_a.portal_user)
        titles = {h["title"] for h in api.get("/api/v1/portal/homework/").json()["results"]}
        sessions = upcoming_sessions_for(couple=couple, client=couple.partner_a)
    assert titles == {"B's grounding, after"}
    # A session booked before the change for a date after it was put in under privacy.
    assert booked_after in sessions and booked_before not in sessions
