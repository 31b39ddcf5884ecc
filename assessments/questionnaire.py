"""What a partner is shown for one questionnaire: the items in the clinic's wording with their
answer options and the answers saved so far, and, once submitted, the result they may see.

Shared by the portal API and the portal pages so both show exactly the same thing.
"""

from dataclasses import dataclass, field

from assessments.definitions import Instrument
from assessments.models import Response
from assessments.scoring import get_instrument
from assessments.selectors import FormWording, form_wording
from clinic.models import Clinic


@dataclass(frozen=True)
class Option:
    value: int
    label: str


@dataclass(frozen=True)
class QuestionnaireItem:
    number: int
    text: str
    options: tuple[Option, ...]
    answer: int | None
    optional: bool
    #: a risk item: the form gently offers the clinic's crisis text beside it
    risk: bool


@dataclass(frozen=True)
class Questionnaire:
    response: Response
    instrument: Instrument
    wording: FormWording
    items: tuple[QuestionnaireItem, ...]
    grounding_note: str | None
    copyright: str | None
    crisis_text: str

    @property
    def answered(self) -> int:
        return sum(1 for item in self.items if item.answer is not None)


@dataclass(frozen=True)
class ClientScale:
    name: str
    value: float | None
    band: str | None
    withheld_reason: str | None
    prorated: bool


@dataclass(frozen=True)
class ClientResult:
    """What the partner may see of their own scores; bands only where the clinic allows it,
    risk flags never (the therapist follows them up)."""

    scales: tuple[ClientScale, ...] = field(default=())
    show_crisis_text: bool = False


def questionnaire_for(clinic: Clinic, response: Response) -> Questionnaire:
    """The form for this response in its own instrument version and the clinic's wording."""
    instrument = get_instrument(response.instrument_code, response.instrument_version)
    wording = form_wording(clinic, instrument)
    risk_items = {r.item for r in instrument.risk_items if r.severity == "alert"}
    items = tuple(
        QuestionnaireItem(
            number=item.number,
            text=wording.text(item.number),
            # the licensed anchors where uploaded (in their printed order, e.g. CSI's
            # descending semantic differentials), else the definition's options
            options=tuple(Option(v, label or str(v)) for v, label in wording.anchors[item.number])
            if item.number in wording.anchors
            else tuple(Option(o.value, o.label) for o in item.scale.options),
            answer=response.answers.get(str(item.number)),
            optional=item.optional,
            risk=item.number in risk_items,
        )
        for item in instrument.items
    )
    return Questionnaire(
        response=response,
        instrument=instrument,
        wording=wording,
        items=items,
        grounding_note=instrument.grounding_note,
        copyright=instrument.licence.copyright if wording.case == "shipped" else None,
        crisis_text=clinic.crisis_text,
    )


def client_result(clinic: Clinic, response: Response) -> ClientResult | None:
    """The partner's view of a submitted response's snapshot; None before submission."""
    if not response.is_submitted or not response.scores:
        return None
    show_bands = clinic.show_score_bands_to_clients
    scales = tuple(
        ClientScale(
            name=scale["name"],
            value=scale["value"],
            band=scale.get("band") if show_bands else None,
            withheld_reason=scale.get("withheld_reason"),
            prorated=bool(scale.get("prorated")),
        )
        for scale in response.scores.get("scales", [])
    )
    return ClientResult(scales=scales, show_crisis_text=needs_crisis_text(response))


def needs_crisis_text(response: Response) -> bool:
    """True when the submitted answers endorsed (or left blank) an alert-level risk item."""
    flags = (response.scores or {}).get("risk_flags", [])
    return any(flag.get("severity") == "alert" for flag in flags)
