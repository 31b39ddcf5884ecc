"""What each audience's report contains, gathered from a couple's real (synthetic) history."""

import io
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from clinic.models import IndividualMaterialPolicy
from reports.data import gather
from reports.models import ProgressReport
from reports.pdf import render_pdf
from reports.synthetic import MONTH, YEAR, HistorySize, build_history

pytestmark = pytest.mark.django_db

START = date(2026, 1, 5)
SMALL = HistorySize(days=70, sessions=10, rounds=3)


def make_report(couple, audience, *, size=SMALL, partner=None, summary="", build=True):
    if build:
        build_history(couple=couple, therapist=couple.therapists.first(), start=START, size=size)
    return ProgressReport.objects.create(
        clinic=couple.clinic,
        couple=couple,
        audience=audience,
        partner=partner,
        period_start=START,
        period_end=START + timedelta(days=size.days),
        request_id=couple.pk,
        summary=summary,
    )


def text_of(report) -> str:
    data = render_pdf(gather(report))
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_clinical_report_holds_every_section_with_scores(couple):
    report = make_report(couple, "clinical", summary="Summary with <tags> & ampersands")
    contents = gather(report)
    assert contents.attendance.held > 0 and contents.attendance.cancelled >= 0
    codes = {i.code for i in contents.assessments}
    assert {"phq9", "gad7", "csi16", "ecrs"} <= codes
    phq9 = next(i for i in contents.assessments if i.code == "phq9")
    assert len(phq9.series) == 2 and all(len(s.points) == 3 for s in phq9.series)
    assert phq9.series[0].change is not None and phq9.series[0].change.verdict
    assert contents.attachment is not None and len(contents.attachment.tracks) == 2
    assert len(contents.regulation) == 2 and contents.both_out_of_window is not None
    assert contents.adherence[0].title == "Resonance breathing"
    assert contents.time_outs.called > 0
    assert contents.physiology and contents.physiology[0].kind == "hrv_rmssd"
    assert contents.notes and any(n.kind == "individual" for n in contents.notes)

    text = text_of(report)
    latest = phq9.series[0].points[-1].total
    assert f"{latest:g}" in text
    assert couple.partner_a.display_name in text
    assert "Summary with <tags> & ampersands" in text
    assert "Session notes" in text and "Mapped the" in text


def test_couple_report_holds_no_notes_and_no_private_results(couple):
    couple.individual_material_policy = IndividualMaterialPolicy.PRIVATE
    couple.save()
    report = make_report(couple, "couple")
    contents = gather(report)
    assert contents.notes is None
    assert contents.assessments == ()
    assert contents.regulation == ()
    text = text_of(report)
    assert "practised pausing" not in text and "Individual (" not in text
    # what is withheld is said to be withheld, never shown as none
    assert "individual sessions are private under your agreement" in text


def test_couple_report_shows_results_when_the_couple_shares(couple):
    couple.individual_material_policy = IndividualMaterialPolicy.SHARED
    couple.save()
    contents = gather(make_report(couple, "couple"))
    assert {i.code for i in contents.assessments} >= {"phq9"}
    assert contents.notes is None


def test_partner_report_holds_only_that_partners_individual_material(couple):
    couple.individual_material_policy = IndividualMaterialPolicy.PRIVATE
    couple.save()
    contents = gather(make_report(couple, "partner", partner=couple.partner_a))
    assert contents.viewer == 0
    assert all(s.partner == 0 for i in contents.assessments for s in i.series)
    assert [r.partner for r in contents.regulation] == [0]
    assert contents.both_out_of_window is None
    assert contents.notes is None


def test_gather_query_count_is_the_same_for_a_month_and_a_year(couple, clinic, therapist):
    from tests.factories import CoupleFactory

    other = CoupleFactory(clinic=clinic, therapists=[therapist])
    small = make_report(couple, "clinical", size=MONTH)
    large = make_report(other, "clinical", size=YEAR)
    counts = []
    for report in (small, large):
        with CaptureQueriesContext(connection) as ctx:
            gather(report)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_headline_rows_give_each_partners_latest_score_per_instrument(couple, therapist):
    from reports.data import headline_rows
    from reports.models import ClinicExport

    report = make_report(couple, "clinical")
    export = ClinicExport.objects.create(
        clinic=couple.clinic,
        period_start=report.period_start,
        period_end=report.period_end,
        audiences=["clinical"],
        total=1,
    )
    ProgressReport.objects.filter(pk=report.pk).update(export=export)
    rows = headline_rows(export)
    phq9 = [r for r in rows if r["instrument"] == "phq9"]
    assert {r["partner"] for r in phq9} == {
        couple.partner_a.display_name,
        couple.partner_b.display_name,
    }
    # SMALL has 3 rounds over 70 days: every 70 // 3 // 7 = 3 weeks from 5 Jan, the last on 16 Feb.
    assert all(r["date"] == "2026-02-16" for r in phq9)
    assert {r["instrument"] for r in rows} >= {"ecrs:anxiety", "ecrs:avoidance", "gad7", "csi16"}
