"""Pure rules of a note's content (no database)."""

import pytest

from sessions.models import Intervention, NoteTemplate, RegulationZone, RiskLevel
from sessions.therapy.note_content import (
    INTERVENTIONS,
    RISK_LEVELS,
    RISK_UNSET,
    TEMPLATE_SECTIONS,
    ZONES,
    NoteContent,
    NoteContentError,
    check_complete,
    check_draft,
    empty_sections,
    normalise_sections,
)

BOTH = {"a_present": True, "b_present": True}


def test_every_template_choice_has_sections_and_codes_match_the_models():
    assert set(TEMPLATE_SECTIONS) == set(NoteTemplate.values)
    assert set(INTERVENTIONS) == set(Intervention.values)
    assert set(ZONES) == set(RegulationZone.values)
    assert {RISK_UNSET, *RISK_LEVELS} == set(RiskLevel.values)


def test_soap_sections_start_blank_in_writing_order():
    assert list(empty_sections("soap")) == ["subjective", "objective", "assessment", "plan"]


def test_sections_of_another_template_are_refused():
    with pytest.raises(NoteContentError) as exc:
        normalise_sections("dap", {"subjective": "x"})
    assert "not a section of the DAP template" in exc.value.errors["sections"][0]


def test_missing_sections_are_filled_blank_and_non_text_refused():
    assert normalise_sections("birp", {"plan": "next week"})["behaviour"] == ""
    with pytest.raises(NoteContentError):
        normalise_sections("free", {"text": 3})
    with pytest.raises(NoteContentError):
        normalise_sections("free", ["text"])


def test_intensity_outside_0_to_10_or_without_zone_is_refused():
    with pytest.raises(NoteContentError) as exc:
        check_draft(NoteContent("free", partner_a_zone="hyper", partner_a_intensity=11), **BOTH)
    assert "partner_a_intensity" in exc.value.errors
    with pytest.raises(NoteContentError) as exc:
        check_draft(NoteContent("free", partner_b_intensity=4), **BOTH)
    assert "partner_b_zone" in exc.value.errors


def test_absent_partner_cannot_be_observed():
    content = NoteContent("free", partner_b_zone="within", partner_b_intensity=3)
    check_draft(content, **BOTH)
    with pytest.raises(NoteContentError) as exc:
        check_draft(content, a_present=True, b_present=False)
    assert "not in the session" in exc.value.errors["partner_b_zone"][0]


def test_unknown_or_repeated_interventions_are_refused():
    with pytest.raises(NoteContentError):
        check_draft(NoteContent("free", interventions=("hypnosis",)), **BOTH)
    with pytest.raises(NoteContentError):
        check_draft(NoteContent("free", interventions=("grounding", "grounding")), **BOTH)


def test_draft_may_have_concerns_without_plan_but_signing_needs_the_plan():
    content = NoteContent(
        "free", sections={"text": "Session"}, risk_level="concerns", risk_concerns="Threats"
    )
    check_draft(content, **BOTH)
    with pytest.raises(NoteContentError) as exc:
        check_complete(content, **BOTH)
    assert set(exc.value.errors) == {"risk_plan"}


def test_signing_needs_text_and_a_described_other_intervention():
    with pytest.raises(NoteContentError) as exc:
        check_complete(NoteContent("soap", sections=empty_sections("soap")), **BOTH)
    assert "sections" in exc.value.errors
    with pytest.raises(NoteContentError) as exc:
        check_complete(
            NoteContent("free", sections={"text": "x"}, interventions=("other",)), **BOTH
        )
    assert "interventions_other" in exc.value.errors


def test_complete_note_passes():
    check_complete(
        NoteContent(
            "dap",
            sections={"data": "d", "assessment": "a", "plan": "p"},
            partner_a_zone="hyper",
            partner_a_intensity=7,
            interventions=("time_out_practice", "other"),
            interventions_other="Sculpting",
            risk_level="concerns",
            risk_concerns="Escalation at home",
            risk_plan="Time-out plan; crisis line",
        ),
        **BOTH,
    )


def test_risk_text_with_no_concerns_is_refused():
    with pytest.raises(NoteContentError) as exc:
        check_draft(NoteContent("free", risk_level="none", risk_plan="x"), **BOTH)
    assert "risk_level" in exc.value.errors
