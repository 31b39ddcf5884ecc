"""Reports that never mislead: withheld material is stated as withheld in every section of
every audience, instruments without a total show every scale by name, and derived figures
(days both partners were out of their window, adherence) match the couple page.

The PDF's own text is read back with pypdf: what a reader sees is what is asserted.
"""

import io
import re
from datetime import date, datetime, time, timedelta

import pytest
from pypdf import PdfReader

from assessments.models import Assignment, Response, ResponseStatus
from assessments.scoring import get_instrument, score
from clinic.models import IndividualMaterialPolicy
from reports.data import gather
from reports.document import build_document
from reports.models import ProgressReport
from reports.pdf import render_pdf
from reports.synthetic import HistorySize, build_history
from sessions.logs.selectors import regulation_of
from sessions.models import CheckIn, PracticeLog, TimeOutLog

pytestmark = pytest.mark.django_db

START = date(2026, 1, 5)
SIZE = HistorySize(days=70, sessions=10, rounds=3)
#: sections computed from one partner's own material
INDIVIDUAL_SECTIONS = ("assessments", "regulation", "adherence", "time_outs", "physiology")


def _report(couple, audience, *, partner=None, start=START, days=SIZE.days):
    return ProgressReport.objects.create(
        clinic=couple.clinic,
        couple=couple,
        audience=audience,
        partner=partner,
        period_start=start,
        period_end=start + timedelta(days=days),
        request_id=couple.pk,
    )


def _pdf_text(contents) -> str:
    data = render_pdf(contents)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text)


def _section_text(contents, key) -> str:
    document = build_document(contents)
    section = next(s for s in document.sections if s.key == key)
    parts = []
    for block in section.blocks:
        if hasattr(block, "text"):
            parts.append(block.text)
        elif hasattr(block, "rows"):
            parts.extend(" ".join(row) for row in block.rows)
    return " ".join(parts)


@pytest.fixture
def history(couple):
    build_history(couple=couple, therapist=couple.therapists.first(), start=START, size=SIZE)
    counts = {
        "time_outs": TimeOutLog.objects.for_clinic(couple.clinic).filter(couple=couple).count(),
        "practices": PracticeLog.objects.for_clinic(couple.clinic).filter(couple=couple).count(),
    }
    assert counts["time_outs"] > 0 and counts["practices"] > 0
    return counts


def _set_policy(couple, policy):
    couple.individual_material_policy = policy
    couple.save()


@pytest.mark.parametrize("audience", ["couple", "partner"])
def test_private_policy_states_every_individual_section_as_withheld(couple, history, audience):
    _set_policy(couple, IndividualMaterialPolicy.PRIVATE)
    partner = couple.partner_a if audience == "partner" else None
    contents = gather(_report(couple, audience, partner=partner))
    other = couple.partner_b.display_name
    for key in INDIVIDUAL_SECTIONS:
        text = _section_text(contents, key)
        if audience == "couple":
            assert "Not shared: each partner's" in text, key
        else:
            assert f"Not shared: {other}'s" in text, key
        assert "Nothing recorded in this period" not in text, key
    time_outs = _section_text(contents, "time_outs")
    assert "No time-outs were called" not in time_outs
    adherence = _section_text(contents, "adherence")
    assert "0%" not in adherence
    regulation = _section_text(contents, "regulation")
    assert "not shared (it needs both" in regulation

    pdf = _pdf_text(contents)
    assert "private under your agreement" in pdf
    assert "No time-outs were called" not in pdf
    if audience == "couple":
        # Nothing individual may be counted: the counts read "Not shared", never 0.
        assert contents.time_outs.counted_from == ()
        assert all(row.logged is None for row in contents.adherence)
        assert "Not shared" in pdf
    else:
        # The partner's own material is still counted, from their own logs only.
        assert contents.time_outs.counted_from == (0,)
        own = [r for r in contents.adherence if r.partner == 0]
        assert own and all(r.logged is not None for r in own)
        assert all(r.logged is None for r in contents.adherence if r.partner == 1)
        assert f"Counted from {couple.partner_a.display_name}'s own time-out logs only" in pdf


@pytest.mark.parametrize("audience", ["clinical", "couple", "partner"])
def test_shared_policy_withholds_nothing_and_counts_every_log(couple, history, audience):
    _set_policy(couple, IndividualMaterialPolicy.SHARED)
    partner = couple.partner_a if audience == "partner" else None
    contents = gather(_report(couple, audience, partner=partner))
    assert contents.withheld == ()
    assert contents.time_outs.called == history["time_outs"]
    assert contents.time_outs.counted_from == (0, 1)
    assert sum(r.logged for r in contents.adherence) == history["practices"]
    assert contents.both_out_of_window is not None
    pdf = _pdf_text(contents)
    assert "Not shared" not in pdf and "private under your agreement" not in pdf


def test_clinical_report_withholds_nothing_under_a_private_policy(couple, history):
    _set_policy(couple, IndividualMaterialPolicy.PRIVATE)
    contents = gather(_report(couple, "clinical"))
    assert contents.withheld == ()
    assert contents.time_outs.called == history["time_outs"]
    assert "Not shared" not in _pdf_text(contents)


def test_adherence_is_per_partner_and_never_capped_silently(couple, history):
    contents = gather(_report(couple, "clinical"))
    breathing = [r for r in contents.adherence if r.title == "Resonance breathing"]
    # Couple homework: one row per partner, each against the same expected count.
    assert sorted(r.partner for r in breathing) == [0, 1]
    assert breathing[0].expected == breathing[1].expected
    for row in breathing:
        assert row.percent <= 100
        # what the cap leaves out is shown, not dropped
        assert row.extra >= 0
        assert row.logged - row.extra <= row.expected
    text = _section_text(contents, "adherence")
    assert "Beyond target" in text and "at most its target" in text


# --- instruments without a total --------------------------------------------------------


def _respond(couple, partner, code, answers, due, hour=20):
    instrument = get_instrument(code)
    when = datetime.combine(due, time(hour), tzinfo=couple.clinic.tz)
    assignment = Assignment.objects.create(
        clinic=couple.clinic,
        couple=couple,
        partner=partner,
        instrument_code=code,
        instrument_version=instrument.version,
        first_due_on=due,
        created_by=couple.therapists.first(),
    )
    Response.objects.create(
        clinic=couple.clinic,
        couple=couple,
        partner=partner,
        assignment=assignment,
        instrument_code=code,
        instrument_version=instrument.version,
        opens_on=due,
        due_on=due,
        status=ResponseStatus.SUBMITTED,
        answers={str(k): v for k, v in answers.items()},
        scores=score(instrument, answers).to_dict(),
        started_at=when,
        saved_at=when,
        submitted_at=when,
    )


def test_ecr_and_bpq_show_every_scale_by_name_and_never_a_total(couple):
    _set_policy(couple, IndividualMaterialPolicy.SHARED)
    a, b = couple.partner_a, couple.partner_b
    for week in (0, 4):
        due = START + timedelta(weeks=week)
        _respond(couple, a, "ecrr", dict.fromkeys(range(1, 37), 3 + week // 4), due)
        _respond(couple, b, "ecrs", dict.fromkeys(range(1, 13), 5 - week // 4), due)
        _respond(couple, a, "bpqsf", dict.fromkeys(range(1, 47), 2 + week // 4), due)
        _respond(couple, b, "bpqsf", dict.fromkeys(range(1, 47), 3), due)
    for audience, partner in (("clinical", None), ("couple", None), ("partner", a)):
        contents = gather(_report(couple, audience, partner=partner, days=40))
        names = {i.name for i in contents.assessments}
        assert {
            "ECR-R: Attachment anxiety",
            "ECR-R: Attachment avoidance",
            "BPQ-SF: Body awareness",
            "BPQ-SF: Supradiaphragmatic reactivity",
            "BPQ-SF: Subdiaphragmatic reactivity",
            "BPQ-SF: Autonomic reactivity",
        } <= names, audience
        bpq = [i for i in contents.assessments if i.code == "bpqsf"]
        assert {i.direction for i in bpq} == {"neutral"}
        # a reliable-change verdict on a scale with no better or worse end is never "improved"
        assert all(s.change is None or s.change.improved is None for i in bpq for s in i.series)

        pdf = _pdf_text(contents)
        for scale in (
            "Attachment anxiety",
            "Attachment avoidance",
            "Body awareness",
            "Supradiaphragmatic reactivity",
            "Subdiaphragmatic reactivity",
            "Autonomic reactivity",
        ):
            assert scale in pdf, (audience, scale)
        assert "Total (" not in pdf, audience
        assert "Neither end of this scale is better or worse" in pdf or (
            "Neither end is better or worse" in pdf
        )
        # One partner answered ECR-R and the other ECR-S: the map says who is left out.
        if audience != "partner":
            assert contents.attachment.left_out == (
                (
                    1,
                    "answered the ECR-S, not the ECR-R; the two forms' scores are not "
                    "comparable on one map",
                ),
            )
            assert f"{b.display_name} is not on this map: answered the ECR-S" in pdf


def test_partner_scores_pair_by_occasion_not_by_week(couple):
    """Partners answering the same round on either side of a Sunday still pair (as on the
    results page); the ISO-week pairing split them."""
    _set_policy(couple, IndividualMaterialPolicy.SHARED)
    due = date(2026, 1, 11)  # a Sunday
    a, b = couple.partner_a, couple.partner_b
    _respond(couple, a, "phq9", dict.fromkeys(range(1, 10), 1), due, hour=20)
    instrument = get_instrument("phq9")
    answers = dict.fromkeys(range(1, 10), 2)
    # partner B answers the same occasion on Monday
    when = datetime.combine(due + timedelta(days=1), time(9), tzinfo=couple.clinic.tz)
    assignment = Assignment.objects.create(
        clinic=couple.clinic,
        couple=couple,
        partner=b,
        instrument_code="phq9",
        instrument_version=instrument.version,
        first_due_on=due,
        created_by=couple.therapists.first(),
    )
    Response.objects.create(
        clinic=couple.clinic,
        couple=couple,
        partner=b,
        assignment=assignment,
        instrument_code="phq9",
        instrument_version=instrument.version,
        opens_on=due,
        due_on=due,
        status=ResponseStatus.SUBMITTED,
        answers={str(k): v for k, v in answers.items()},
        scores=score(instrument, answers).to_dict(),
        started_at=when,
        saved_at=when,
        submitted_at=when,
    )
    contents = gather(_report(couple, "clinical", days=20))
    phq9 = next(i for i in contents.assessments if i.code == "phq9")
    assert [(r.totals, r.difference) for r in phq9.side_by_side] == [((9, 18), -9)]


# --- one definition of "days both out of their window" ----------------------------------


def test_both_out_of_window_count_is_the_same_on_the_page_and_in_the_pdf(couple):
    """Check-ins and practice-log ratings both give a partner's day zone: a day on which one
    partner's only dysregulated rating came from a practice log still counts in both."""
    from sessions.models import Homework, HomeworkKind

    _set_policy(couple, IndividualMaterialPolicy.SHARED)
    clinic, tz = couple.clinic, couple.clinic.tz
    end = START + timedelta(days=13)
    homework = Homework.objects.create(
        clinic=clinic,
        couple=couple,
        kind=HomeworkKind.PRACTICE,
        title="Box breathing",
        start_date=START,
        target_per_week=3,
        technique="box",
    )
    a, b = couple.partner_a, couple.partner_b
    for offset in range(14):
        day = START + timedelta(days=offset)
        at = datetime.combine(day, time(9), tzinfo=tz)
        CheckIn.objects.create(
            clinic=clinic,
            couple=couple,
            partner=a,
            checked_at=at,
            zone="hyper" if offset % 2 == 0 else "within",
            intensity=6,
        )
        if offset % 3 == 0:
            CheckIn.objects.create(
                clinic=clinic, couple=couple, partner=b, checked_at=at, zone="hypo", intensity=5
            )
        elif offset % 4 == 0:
            # partner B's only out-of-window rating that day is the practice's "before"
            PracticeLog.objects.create(
                clinic=clinic,
                couple=couple,
                partner=b,
                homework=homework,
                practiced_at=at,
                minutes=10,
                before_zone="hyper",
                before_intensity=7,
                after_zone="within",
                after_intensity=3,
            )
    page = regulation_of(couple=couple, end=end, days=14)
    contents = gather(_report(couple, "clinical", days=13))
    assert list(contents.both_out_of_window) == page.both_out
    # days 0, 6, 12 (both check-ins out) and 4, 8 (B's practice log before-rating)
    assert len(page.both_out) == 5
    pdf = _pdf_text(contents)
    assert "Days both partners were out of their window: 5." in pdf


# --- what the engine knows, in the PDF ----------------------------------------------------


def test_clinical_pdf_shows_cut_off_status_and_named_change_client_pdf_no_jargon(couple):
    _set_policy(couple, IndividualMaterialPolicy.SHARED)
    a, b = couple.partner_a, couple.partner_b
    # PCL-5: 40 -> 28 for A (crosses 33 with a 12-point fall); 40 -> 34 for B (a response)
    for partner, later in ((a, 28), (b, 34)):
        for week, total in ((0, 40), (4, later)):
            answers = dict.fromkeys(range(1, 21), 0)
            left = total
            for n in range(1, 21):
                answers[n] = min(4, left)
                left -= answers[n]
            _respond(couple, partner, "pcl5", answers, START + timedelta(weeks=week))
        for week in (0, 4):
            _respond(
                couple,
                partner,
                "ecrr",
                dict.fromkeys(range(1, 37), 2 + week // 4),
                START + timedelta(weeks=week),
            )
    clinical = _pdf_text(gather(_report(couple, "clinical", days=40)))
    assert "cut-off met" in clinical and "cut-off not met" in clinical
    assert "Cut-off met: At or above the cut-off for probable PTSD" in clinical
    assert "clinically meaningful change (improvement of 12 points); clinically significant" in (
        clinical
    )
    assert "response: improved by 6 points" in clinical
    # one explanation per scale without a reference, never the raw phrase on every row
    assert "no reliability reference configured" not in clinical
    # once for ECR-R's two scales (the PDF gives PCL-5's clusters no verdict column)
    assert clinical.count("no verified reliability figures") == 1
    assert "ECR-R (Attachment anxiety, Attachment avoidance): no verified" in clinical

    for audience, partner in (("couple", None), ("partner", a)):
        text = _pdf_text(gather(_report(couple, audience, partner=partner, days=40)))
        for jargon in (
            "National Center",
            "Jacobson",
            "fixed threshold",
            "reference not verified",
            "no reliability reference",
            "cut-off",
        ):
            assert jargon not in text, (audience, jargon)
        assert "a clinically meaningful change (improvement of 12 points)" in text
        assert "no agreed measure of real change" in text
