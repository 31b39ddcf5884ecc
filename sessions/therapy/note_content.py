"""What a session note may hold: the sections of each note template and the rules on
observations, interventions and risk. Pure Python (no Django), so it is tested without a database.

Two levels of checking, because drafts are saved while the therapist is still writing:
- `check_draft` (every save): shapes, known codes, ranges, observations only of partners present;
- `check_complete` (at signing): something written, "other" described, a risk level actively
  chosen (there is no default), a risk plan when there are risk concerns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

SECTION_MAX_CHARS = 20_000

TEMPLATE_SECTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "soap": (
        ("subjective", "Subjective"),
        ("objective", "Objective"),
        ("assessment", "Assessment"),
        ("plan", "Plan"),
    ),
    "dap": (("data", "Data"), ("assessment", "Assessment"), ("plan", "Plan")),
    "birp": (
        ("behaviour", "Behaviour"),
        ("intervention", "Intervention"),
        ("response", "Response"),
        ("plan", "Plan"),
    ),
    "free": (("text", "Note"),),
}

ZONES = ("hyper", "within", "hypo")
INTERVENTIONS = (
    "time_out_practice",
    "co_regulation_breathing",
    "attachment_reframing",
    "grounding",
    "psychoeducation",
    "enactment",
    "softening",
    "validation",
    "repair_conversation",
    "safety_planning",
    "other",
)
RISK_LEVELS = ("none", "concerns")
#: what a draft holds until the therapist chooses a risk level (there is no default answer)
RISK_UNSET = ""
RISK_NOT_CHOSEN = "Choose “No risk concerns”, or describe the concerns and a plan, before signing."


class NoteContentError(ValueError):
    """Content that cannot be saved or signed; `errors` is {field: [messages]} for the API."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = dict(errors)


@dataclass(frozen=True)
class NoteContent:
    """The editable content of a note, as plain values."""

    template: str
    sections: dict[str, str] = field(default_factory=dict)
    partner_a_zone: str = ""
    partner_a_intensity: int | None = None
    partner_b_zone: str = ""
    partner_b_intensity: int | None = None
    interventions: tuple[str, ...] = ()
    interventions_other: str = ""
    risk_level: str = RISK_UNSET
    risk_concerns: str = ""
    risk_plan: str = ""


def empty_sections(template: str) -> dict[str, str]:
    """Every section of `template`, blank (a new draft's starting point)."""
    return {key: "" for key, _ in TEMPLATE_SECTIONS[template]}


def section_labels(template: str) -> tuple[tuple[str, str], ...]:
    """(key, label) of each section of `template`, in writing order."""
    return TEMPLATE_SECTIONS[template]


def normalise_sections(template: str, sections: object) -> dict[str, str]:
    """The sections as {key: text} with every key of the template present.

    Raises NoteContentError for a non-object, an unknown key, a non-text value or an oversize text.
    """
    if template not in TEMPLATE_SECTIONS:
        raise NoteContentError({"template": [f"Unknown note template {template!r}."]})
    if not isinstance(sections, Mapping):
        raise NoteContentError({"sections": ["Send the sections as an object of texts."]})
    allowed = dict(TEMPLATE_SECTIONS[template])
    errors = []
    unknown = sorted(str(k) for k in sections if k not in allowed)
    if unknown:
        errors.append(
            f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not a section of the "
            f"{template.upper()} template (its sections: {', '.join(allowed)})."
        )
    result = {}
    for key, label in allowed.items():
        value = sections.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors.append(f"The {label} section must be text.")
        elif len(value) > SECTION_MAX_CHARS:
            errors.append(f"The {label} section is longer than {SECTION_MAX_CHARS} characters.")
        else:
            result[key] = value
    if errors:
        raise NoteContentError({"sections": errors})
    return result


def _check_observation(
    errors: dict, prefix: str, zone: str, intensity: object, present: bool
) -> None:
    if zone and zone not in ZONES:
        errors[f"{prefix}_zone"] = [f"Zone must be one of: {', '.join(ZONES)}."]
    if intensity is not None and (
        isinstance(intensity, bool) or not isinstance(intensity, int) or not 0 <= intensity <= 10
    ):
        errors[f"{prefix}_intensity"] = ["Intensity is a whole number from 0 to 10."]
    if intensity is not None and not zone:
        errors.setdefault(f"{prefix}_zone", []).append("Choose the zone the intensity refers to.")
    if not present and (zone or intensity is not None):
        errors.setdefault(f"{prefix}_zone", []).append(
            "This partner was not in the session, so there is nothing to observe."
        )


def check_draft(content: NoteContent, *, a_present: bool, b_present: bool) -> None:
    """Refuse content that is malformed whatever its completeness; NoteContentError on failure."""
    errors: dict[str, list[str]] = {}
    try:
        normalise_sections(content.template, content.sections)
    except NoteContentError as exc:
        errors.update(exc.errors)
    _check_observation(
        errors, "partner_a", content.partner_a_zone, content.partner_a_intensity, a_present
    )
    _check_observation(
        errors, "partner_b", content.partner_b_zone, content.partner_b_intensity, b_present
    )
    unknown = [i for i in content.interventions if i not in INTERVENTIONS]
    if unknown:
        errors["interventions"] = [f"Unknown intervention(s): {', '.join(map(str, unknown))}."]
    elif len(set(content.interventions)) != len(content.interventions):
        errors["interventions"] = ["Each intervention is listed once."]
    if content.interventions_other and "other" not in content.interventions:
        errors["interventions_other"] = ['Tick "Other" to describe another intervention.']
    if content.risk_level not in (RISK_UNSET, *RISK_LEVELS):
        errors["risk_level"] = [f"Risk is one of: {', '.join(RISK_LEVELS)}."]
    elif content.risk_level == "none" and (content.risk_concerns or content.risk_plan):
        errors["risk_level"] = ["Choose 'concerns' to record risk concerns and a plan."]
    if errors:
        raise NoteContentError(errors)


def check_complete(content: NoteContent, *, a_present: bool, b_present: bool) -> None:
    """Refuse a note that may not be signed yet (NoteContentError listing what is missing)."""
    check_draft(content, a_present=a_present, b_present=b_present)
    errors: dict[str, list[str]] = {}
    if not any(text.strip() for text in content.sections.values()):
        errors["sections"] = ["Write at least one section before signing."]
    if "other" in content.interventions and not content.interventions_other.strip():
        errors["interventions_other"] = ['Describe the "Other" intervention.']
    if content.risk_level == RISK_UNSET:
        errors["risk_level"] = [RISK_NOT_CHOSEN]
    if content.risk_level == "concerns":
        if not content.risk_concerns.strip():
            errors["risk_concerns"] = ["Describe the risk concerns."]
        if not content.risk_plan.strip():
            errors["risk_plan"] = ["A risk plan is required when there are risk concerns."]
    if errors:
        raise NoteContentError(errors)
