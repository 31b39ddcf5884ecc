"""PDF polish: no last page holding a couple of stray lines, each note's interventions and
risk in the clinical record, and a section with nothing recorded as one line."""

import io
from dataclasses import replace
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from clinic.tenancy import scope
from reports.data import gather
from reports.models import ProgressReport
from reports.pdf import render_pdf
from tests.reports.sample import sample_contents
from tests.sessions.world import make_held_session, make_signed_note

# What the canvas draws on every page, whatever the story holds.
PAGE_FURNITURE = ("Confidential clinical information", "descriptive, not diagnoses", "Generated ")


def _pages(contents) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(contents))).pages]


def _body_lines(page: str, contents) -> list[str]:
    lines = [line for line in page.splitlines() if line.strip()]
    return [
        line
        for line in lines
        if not any(mark in line for mark in PAGE_FURNITURE)
        and not line.startswith("Page ")
        and contents.couple_label not in line
    ]


@pytest.mark.parametrize("size", ["month", "year"])
@pytest.mark.parametrize("audience", ["clinical", "couple", "partner"])
def test_the_last_page_is_never_a_few_stray_lines(size, audience):
    contents = sample_contents(size, audience)
    pages = _pages(contents)
    if len(pages) > 1:
        assert len(_body_lines(pages[-1], contents)) > 8, pages[-1]


def test_a_section_with_nothing_recorded_is_one_line():
    contents = replace(sample_contents("month"), notes=())
    text = "\n".join(_pages(contents))
    assert "Session notes \u2014 Nothing recorded in this period." in text


@pytest.mark.django_db
def test_clinical_report_shows_each_notes_interventions_and_risk_section(clinic, couple):
    held = make_held_session(couple, starts_at=timezone.now() - timedelta(days=3))
    make_signed_note(
        held,
        interventions=["grounding", "other"],
        interventions_other="Emotion coaching",
        sections={"subjective": "Calmer week", "objective": "", "assessment": "", "plan": ""},
    )
    worried = make_held_session(couple, starts_at=timezone.now() - timedelta(days=2))
    make_signed_note(
        worried,
        risk_level="concerns",
        risk_concerns="Raised voices at home.",
        risk_plan="Safety plan reviewed; call on Friday.",
    )
    report = ProgressReport.objects.create(
        clinic=clinic,
        couple=couple,
        audience="clinical",
        period_start=timezone.localdate() - timedelta(days=30),
        period_end=timezone.localdate(),
        request_id=couple.pk,
    )
    with scope(clinic=clinic):
        text = " ".join(" ".join(_pages(gather(report))).split())
    assert "Interventions: Grounding; Other: Emotion coaching" in text
    assert "Risk: No risk concerns" in text
    assert "Risk: Raised voices at home. Plan: Safety plan reviewed; call on Friday." in text
    assert "Interventions: none recorded" in text
