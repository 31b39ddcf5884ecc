"""Portal and staff pages: completing a questionnaire (grounding note, labelled radios, save,
skip, submit, crisis text, finality), the couple panel with alerts and charts, the instrument
library, and the partner's results page under the couple's sharing policy."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments import services
from assessments.models import Response, RiskAlert
from clinic.models import AuditEvent
from tests.assessments.world import PHQ9_WITH_RISK, assign, first_response, submitted_response
from tests.reports.chart_sizes import SMALLEST_READABLE_PX, chart_svgs, smallest_text_px

pytestmark = pytest.mark.django_db


@pytest.fixture
def phq9(couple, therapist):
    return first_response(assign(couple, couple.partner_a, by=therapist))


@pytest.fixture
def partner_a(client, couple):
    client.force_login(couple.partner_a.portal_user)
    return client


def form_url(response):
    return f"/portal/questionnaires/{response.pk}/"


def test_portal_home_lists_what_is_due(partner_a, phq9):
    page = partner_a.get("/portal/").content.decode()
    assert "PHQ-9" in page and form_url(phq9) in page


def test_portal_home_writes_the_due_date_in_the_same_style_as_the_sessions(partner_a, phq9):
    from clinic.date_style import format_when

    page = partner_a.get("/portal/").content.decode()
    # "due Sunday 29 November", as "Coming up" writes "Sunday 6 December, 14:00"
    assert f"due {format_when(phq9.due_on, 'weekday')}" in page
    assert f"due {format_when(phq9.due_on, 'date')}" not in page


def test_form_has_a_fieldset_and_legend_per_item_with_labelled_radios(partner_a, phq9, clinic):
    page = partner_a.get(form_url(phq9)).content.decode()
    assert page.count("<fieldset") == 10 and page.count("<legend>") == 10
    assert '<label for="item-1-0"><input type="radio" id="item-1-0" name="item-1" value="0"' in page
    assert page.count("Prefer not to answer</label>") == 10
    assert 'aria-describedby="support-9"' in page
    assert clinic.crisis_text in page
    assert "Leave quickly" in page


def test_grounding_note_comes_before_the_pcl5(partner_a, couple, therapist):
    pcl5 = first_response(assign(couple, couple.partner_a, "pcl5", by=therapist))
    first = partner_a.get(form_url(pcl5)).content.decode()
    assert "Before you begin" in first and "<fieldset" not in first
    ready = partner_a.get(form_url(pcl5) + "?ready=1").content.decode()
    assert ready.count("<fieldset") == 20


def test_save_and_come_back_with_a_skipped_item(partner_a, phq9):
    response = partner_a.post(
        form_url(phq9), {"item-1": "2", "item-2": "", "item-3": "1", "action": "save"}
    )
    assert response.status_code == 302 and response.url == "/portal/"
    phq9.refresh_from_db()
    assert phq9.answers == {"1": 2, "3": 1}
    page = partner_a.get(form_url(phq9)).content.decode()
    assert 'id="item-1-2" name="item-1" value="2" checked' in page
    assert 'id="item-2-skip" name="item-2" value="" checked' in page


def test_submitting_a_risk_answer_shows_the_crisis_text(partner_a, phq9, clinic):
    form = {f"item-{k}": v for k, v in PHQ9_WITH_RISK.items()} | {"action": "confirm-submit"}
    response = partner_a.post(form_url(phq9), form, follow=True)
    page = response.content.decode()
    assert "Support is available" in page and clinic.crisis_text in page
    assert RiskAlert.objects.filter(response=phq9).exists()


def test_no_crisis_text_or_band_after_an_ordinary_submission(partner_a, phq9, clinic):
    form = {f"item-{n}": "1" for n in range(1, 9)} | {"item-9": "0", "action": "confirm-submit"}
    page = partner_a.post(form_url(phq9), form, follow=True).content.decode()
    assert "Support is available" not in page
    assert "<strong>8</strong>" in page and "Mild" not in page
    clinic.show_score_bands_to_clients = True
    clinic.save()
    page = partner_a.get(form_url(phq9) + "done/").content.decode()
    assert "<strong>8</strong> — Mild" in page


def test_posting_to_a_submitted_questionnaire_is_refused_with_a_message(partner_a, phq9):
    partner_a.post(form_url(phq9), {"item-1": "1", "action": "confirm-submit"})
    response = partner_a.post(form_url(phq9), {"item-1": "3", "action": "confirm-submit"})
    assert response.status_code == 409
    assert "already sent and are final" in response.content.decode()
    phq9.refresh_from_db()
    assert phq9.answers["1"] == 1


def test_partner_cannot_open_the_other_partners_questionnaire(partner_a, couple, therapist):
    theirs = first_response(assign(couple, couple.partner_b, by=therapist))
    assert partner_a.get(form_url(theirs)).status_code == 404
    assert partner_a.post(form_url(theirs), {"item-1": "1", "action": "submit"}).status_code == 404
    assert Response.objects.get(pk=theirs.pk).status == "pending"


def test_therapist_sees_score_and_acknowledges_the_alert_on_the_couple_page(
    client, couple, therapist
):
    submitted_response(couple, couple.partner_a, answers=PHQ9_WITH_RISK)
    client.force_login(therapist)
    url = f"/c/{couple.clinic.slug}/couples/{couple.pk}/"
    page = client.get(url).content.decode()
    assert "Risk alerts to acknowledge" in page and 'class="score">9<' in page
    alert = RiskAlert.objects.get(couple=couple)
    response = client.post(
        f"/c/{couple.clinic.slug}/risk-alerts/{alert.pk}/acknowledge/", {"note": "Called."}
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == therapist and alert.acknowledgement_note == "Called."
    assert AuditEvent.objects.filter(action="acknowledge", channel="page").exists()
    assert "Risk alerts to acknowledge" not in client.get(url).content.decode()


def test_unassigned_therapist_gets_404_on_alert_and_response_pages(client, couple, other_therapist):
    response = submitted_response(couple, couple.partner_a, answers=PHQ9_WITH_RISK)
    alert = RiskAlert.objects.get(couple=couple)
    client.force_login(other_therapist)
    slug = couple.clinic.slug
    assert client.get(f"/c/{slug}/responses/{response.pk}/").status_code == 404
    assert client.post(f"/c/{slug}/risk-alerts/{alert.pk}/acknowledge/").status_code == 404


def test_couple_page_draws_score_charts_and_the_attachment_map(client, couple, therapist, admin):
    services.wording_store(
        clinic=couple.clinic,
        by=admin,
        instrument_code="ecrs",
        instrument_version=1,
        wording={"items": {str(n): f"Statement {n}" for n in range(1, 13)}},
        source="Licence",
    )
    for partner in couple.partners:
        submitted_response(couple, partner, "ecrs", answers={str(n): 3 for n in range(1, 13)})
        submitted_response(couple, partner, answers=PHQ9_WITH_RISK)
        submitted_response(couple, partner, answers={str(n): 2 for n in range(1, 10)})
    client.force_login(therapist)
    page = client.get(f"/c/{couple.clinic.slug}/couples/{couple.pk}/").content.decode()
    assert "<title>PHQ-9: total scores over time</title>" in page
    assert "Attachment map (ECR-S)" in page
    assert "Fearful" in page and "Secure" in page
    assert "reliably deteriorated" in page  # 9 -> 18 against the fixed 6-point threshold
    assert "Together since baseline (total):</strong> both reliably deteriorated" in page
    # every chart's smallest label is still 11 px on a 390 px phone
    svgs = chart_svgs(page)
    assert len(svgs) >= 3
    assert all(smallest_text_px(svg) >= SMALLEST_READABLE_PX for svg in svgs)


def test_instrument_page_says_which_wording_applies_and_admin_uploads(client, clinic, admin):
    client.force_login(admin)
    page = client.get(f"/c/{clinic.slug}/instruments/ecrr/").content.decode()
    assert "placeholder" in page and "Fraley" in page
    rows = "\n".join(f"{n},Statement {n}" for n in range(1, 37))
    upload = SimpleUploadedFile("ecrr.csv", f"item,text\n{rows}\n".encode(), "text/csv")
    response = client.post(
        f"/c/{clinic.slug}/instruments/ecrr/",
        {"form": "wording", "file": upload, "source": "Licence from the authors"},
    )
    assert response.status_code == 302
    page = client.get(f"/c/{clinic.slug}/instruments/ecrr/").content.decode()
    assert '<span class="badge">licensed</span>' in page and "Statement 36" in page
    assert "Licence from the authors" in page


def test_therapist_cannot_post_instrument_settings(client, clinic, therapist):
    client.force_login(therapist)
    assert client.get(f"/c/{clinic.slug}/instruments/phq9/").status_code == 200
    response = client.post(
        f"/c/{clinic.slug}/instruments/phq9/",
        {"form": "reliability", "scale_id": "total", "sd": "5", "r": ".8", "source": "x"},
    )
    assert response.status_code == 404


def test_assign_page_creates_assignments(client, couple, therapist):
    client.force_login(therapist)
    url = f"/c/{couple.clinic.slug}/couples/{couple.pk}/assessments/assign/"
    page = client.get(url).content.decode()
    assert "GAD-7" in page and "ECR-R" not in page  # licensed, no wording uploaded yet
    response = client.post(
        url,
        {
            "partners": [str(couple.partner_a.pk), str(couple.partner_b.pk)],
            "instruments": ["gad7"],
            "first_due_on": services.local_today(couple.clinic).isoformat(),
        },
    )
    assert response.status_code == 302
    assert Response.objects.filter(couple=couple, instrument_code="gad7").count() == 2


def test_partner_sees_the_other_partners_results_only_when_shared(client, couple):
    submitted_response(couple, couple.partner_a, answers={str(n): 1 for n in range(1, 10)})
    submitted_response(couple, couple.partner_b, answers={str(n): 2 for n in range(1, 10)})
    client.force_login(couple.partner_a.portal_user)
    page = client.get("/portal/results/").content.decode()
    assert couple.partner_a.display_name in page
    assert couple.partner_b.display_name not in page
    couple.individual_material_policy = "shared"
    couple.save()
    page = client.get("/portal/results/").content.decode()
    assert couple.partner_b.display_name in page


def test_results_use_the_stored_snapshot_not_a_recomputation(client, couple, therapist):
    response = first_response(assign(couple, couple.partner_a, by=therapist))
    submitted = services.response_submit(
        response=response, answers={str(n): 0 for n in range(1, 10)}, by=therapist
    )
    snapshot = submitted.scores
    assert snapshot["total"] == 0
    # A row written under an older definition keeps its own numbers: shown as stored.
    old = first_response(assign(couple, couple.partner_a, by=therapist))
    Response.objects.filter(pk=old.pk).update(
        status="submitted",
        submitted_at=submitted.submitted_at,
        scores={**snapshot, "total": 25, "scales": [{**snapshot["scales"][0], "value": 25}]},
    )
    client.force_login(therapist)
    page = client.get(f"/c/{couple.clinic.slug}/couples/{couple.pk}/").content.decode()
    assert 'class="score">25<' in page


def test_results_panel_names_pcl5_change_and_cut_offs_and_explains_no_reference_once(
    client, couple, therapist, admin
):
    a = couple.partner_a
    high = {str(n): 2 for n in range(1, 21)}  # 40: at or above the cut-off of 33
    low = {str(n): (2 if n <= 14 else 0) for n in range(1, 21)}  # 28: 12 points lower
    submitted_response(couple, a, "pcl5", answers=high)
    submitted_response(couple, a, "pcl5", answers=low)
    services.wording_store(
        clinic=couple.clinic,
        by=admin,
        instrument_code="ecrr",
        instrument_version=1,
        wording={"items": {str(n): f"Statement {n}" for n in range(1, 37)}},
        source="Licence",
    )
    for answers in ({str(n): 3 for n in range(1, 37)}, {str(n): 5 for n in range(1, 37)}):
        submitted_response(couple, a, "ecrr", answers=answers)
    client.force_login(therapist)
    page = client.get(f"/c/{couple.clinic.slug}/couples/{couple.pk}/").content.decode()
    assert "clinically meaningful change (improvement of 12 points)" in page
    assert "(cut-off met)" in page
    assert "Cut-off met: Total: At or above the cut-off for probable PTSD" in page
    assert "no reliability reference configured" not in page
    # one explanation per instrument (PCL-5's clusters, ECR-R's two scales), not one per row
    assert page.count("no verified reliability figures") == 2
    assert "ECR-R (Attachment anxiety, Attachment avoidance): no verified" in page


# --- confirming a submission, declining -------------------------------------------------------


def test_submitting_asks_for_confirmation_and_says_how_many_are_unanswered(partner_a, phq9):
    form = {f"item-{n}": "1" for n in range(1, 9)} | {"action": "submit"}
    response = partner_a.post(form_url(phq9), form)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Submit your answers?" in page and "2 of 10 questions are unanswered." in page
    assert 'value="confirm-submit" autofocus>Yes, submit with 2 unanswered' in page
    phq9.refresh_from_db()
    assert phq9.status == "in_progress" and len(phq9.answers) == 8  # kept, not final yet
    done = partner_a.post(form_url(phq9), form | {"action": "confirm-submit"})
    assert done.status_code == 302 and done["Location"].endswith("/done/")
    phq9.refresh_from_db()
    assert phq9.status == "submitted"


def test_an_all_blank_submission_is_refused_and_offers_to_decline(partner_a, phq9):
    page = partner_a.post(form_url(phq9), {"action": "submit"}).content.decode()
    assert "No question is answered yet" in page and 'value="confirm-submit"' not in page
    assert "I'd rather not answer this one</button>" in page
    forced = partner_a.post(form_url(phq9), {"action": "confirm-submit"})
    assert forced.status_code == 400
    assert "No question is answered." in forced.content.decode()
    phq9.refresh_from_db()
    assert phq9.status != "submitted" and phq9.scores is None


def test_declining_is_recorded_not_scored_and_final(partner_a, phq9):
    response = partner_a.post(form_url(phq9), {"action": "decline"})
    assert response.status_code == 302
    phq9.refresh_from_db()
    assert (phq9.status, phq9.scores, phq9.submitted_at) == ("declined", None, None)
    assert phq9.declined_at is not None
    assert AuditEvent.objects.filter(action="decline", object_id=str(phq9.pk)).exists()
    # Item 9 was not answered: the therapist hears of it, at the lower level.
    alert = RiskAlert.objects.get(response=phq9)
    assert (alert.item_number, alert.value, alert.severity) == (9, None, "review")
    assert partner_a.get(form_url(phq9))["Location"] == "/portal/"
    again = partner_a.post(form_url(phq9), {"item-1": "1", "action": "confirm-submit"})
    assert again.status_code == 409 and "chose not to answer" in again.content.decode()


def test_portal_attachment_map_names_quadrants_only_where_the_clinic_shows_bands(
    client, couple, admin
):
    services.wording_store(
        clinic=couple.clinic,
        by=admin,
        instrument_code="ecrs",
        instrument_version=1,
        wording={"items": {str(n): f"Statement {n}" for n in range(1, 13)}},
        source="Licence",
    )
    submitted_response(couple, couple.partner_a, "ecrs", answers={str(n): 6 for n in range(1, 13)})
    client.force_login(couple.partner_a.portal_user)
    quadrants = ("Secure", "Preoccupied", "Dismissing", "Fearful")
    page = client.get("/portal/results/").content.decode()
    assert "Attachment map" in page and "<svg" in page
    assert not any(name in page for name in quadrants)
    assert "corner names" not in page
    couple.clinic.show_score_bands_to_clients = True
    couple.clinic.save()
    page = client.get("/portal/results/").content.decode()
    assert all(name in page for name in quadrants) and "corner names" in page
    svgs = chart_svgs(page)
    assert svgs and all(smallest_text_px(svg) >= SMALLEST_READABLE_PX for svg in svgs)


def test_instruments_without_a_total_chart_every_scale_and_name_who_the_map_leaves_out(
    client, couple, therapist, admin
):
    for code, count in (("ecrr", 36), ("ecrs", 12), ("bpqsf", 46)):
        services.wording_store(
            clinic=couple.clinic,
            by=admin,
            instrument_code=code,
            instrument_version=1,
            wording={"items": {str(n): f"Statement {n}" for n in range(1, count + 1)}},
            source="Licence",
        )
    a, b = couple.partners
    submitted_response(couple, a, "ecrr", answers={str(n): 3 for n in range(1, 37)})
    submitted_response(couple, b, "ecrs", answers={str(n): 5 for n in range(1, 13)})
    submitted_response(couple, a, "bpqsf", answers={str(n): 2 for n in range(1, 47)})
    client.force_login(therapist)
    page = client.get(f"/c/{couple.clinic.slug}/couples/{couple.pk}/").content.decode()
    for title in (
        "ECR-R: Attachment anxiety over time",
        "ECR-R: Attachment avoidance over time",
        "ECR-S: Attachment anxiety over time",
        "BPQ-SF: Body awareness over time",
        "BPQ-SF: Supradiaphragmatic reactivity over time",
        "BPQ-SF: Subdiaphragmatic reactivity over time",
        "BPQ-SF: Autonomic reactivity over time",
    ):
        assert f"<title>{title}</title>" in page, title
    assert "Total (" not in page
    assert "Body awareness: sum of its items, 26-130; neither end is better or worse" in page
    assert (
        f"{b.display_name} is not on this map: answered the ECR-S, not the ECR-R; the two "
        "forms&#x27; scores are not comparable on one map." in page
    )
