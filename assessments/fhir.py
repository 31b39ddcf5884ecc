"""FHIR R4 export: each instrument as a `Questionnaire`, each response as a
`QuestionnaireResponse`, and its total and subscale scores as `Observation`s, with LOINC codes
where the definition has them. Plain dicts (JSON-ready); the tests validate them with
fhir.resources' R4B models.

Licensed wording is never exported: an instrument whose wording Attune does not ship exports its
numbered placeholders, since a clinic's licence to show the wording to its clients does not
extend to redistributing it.
"""

import uuid
from typing import Any

from assessments.definitions import Instrument, Item, ResponseOption
from assessments.models import Response, ResponseStatus
from assessments.scoring import get_instrument

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
QUESTIONNAIRE_BASE = "urn:attune:questionnaire:"
ANSWER_SYSTEM = "urn:attune:answer:"
SCALE_SYSTEM = "urn:attune:scale"
#: Attune's own interpretation code for a score estimated from the items answered: no HL7 or
#: LOINC code says "prorated", and a bare LOINC total would pass it off as a complete total.
INTERPRETATION_SYSTEM = "urn:attune:interpretation"


#: namespace for the stable ids derived below (a resource exported twice keeps its id)
ID_NAMESPACE = uuid.UUID("5b0c7f1e-8d8a-4f3e-9a57-2f2f6c1a0e11")


def questionnaire_url(code: str) -> str:
    return f"{QUESTIONNAIRE_BASE}{code}"


def _stable_uuid(*parts: object) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, ":".join(str(p) for p in parts)))


def _machine_name(instrument: Instrument) -> str:
    # FHIR's `name` must start with a capital letter and hold no spaces or punctuation.
    cleaned = "".join(ch for ch in instrument.short_name if ch.isalnum())
    return cleaned[:1].upper() + cleaned[1:] if cleaned else instrument.code.upper()


def _coding(instrument: Instrument, item: Item, option: ResponseOption) -> dict[str, Any]:
    if option.loinc:
        return {"system": LOINC, "code": option.loinc, "display": option.label}
    return {
        "system": f"{ANSWER_SYSTEM}{instrument.code}:{item.scale.id}",
        "code": str(option.value),
        "display": option.label,
    }


def questionnaire_resource(instrument: Instrument) -> dict[str, Any]:
    """The instrument version as an R4 Questionnaire (shipped wording or numbered placeholders)."""
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": f"{instrument.code}-{instrument.version}",
        "url": questionnaire_url(instrument.code),
        "version": str(instrument.version),
        "name": _machine_name(instrument),
        "title": instrument.name,
        "status": "active",
        "subjectType": ["Patient"],
        "description": f"{instrument.instructions} Citation: {instrument.citation}",
        "item": [],
    }
    if instrument.licence.copyright:
        resource["copyright"] = instrument.licence.copyright
    if instrument.loinc_panel:
        resource["code"] = [
            {"system": LOINC, "code": instrument.loinc_panel, "display": instrument.name}
        ]
    for item in instrument.items:
        entry: dict[str, Any] = {
            "linkId": str(item.number),
            "text": item.display_text,
            "type": "choice",
            "required": False,  # every item may be skipped ("prefer not to answer")
            "answerOption": [
                {
                    "valueCoding": _coding(instrument, item, option),
                    "extension": [{"url": ORDINAL_VALUE, "valueDecimal": option.value}],
                }
                for option in item.scale.options
            ],
        }
        if item.loinc:
            entry["code"] = [{"system": LOINC, "code": item.loinc}]
        resource["item"].append(entry)
    return resource


def _patient(response: Response) -> dict[str, str]:
    return {"reference": f"Patient/{response.partner_id}"}


def questionnaire_response_resource(response: Response) -> dict[str, Any]:
    """The answers as an R4 QuestionnaireResponse of the instrument version that was used."""
    instrument = get_instrument(response.instrument_code, response.instrument_version)
    submitted = response.status == ResponseStatus.SUBMITTED
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(response.pk),
        "questionnaire": f"{questionnaire_url(instrument.code)}|{instrument.version}",
        "status": "completed" if submitted else "in-progress",
        "subject": _patient(response),
        "item": [],
    }
    authored = response.submitted_at or response.saved_at
    if authored is not None:
        resource["authored"] = authored.isoformat()
    for item in instrument.items:
        value = response.answers.get(str(item.number))
        if value is None:
            continue  # skipped: FHIR has no answer rather than a null one
        option = next(o for o in item.scale.options if o.value == value)
        resource["item"].append(
            {
                "linkId": str(item.number),
                "text": item.display_text,
                "answer": [{"valueCoding": _coding(instrument, item, option)}],
            }
        )
    if not resource["item"]:
        del resource["item"]
    return resource


def _entry_reference(resource_id: object) -> str:
    """A reference that resolves inside the Bundle: entries carry `urn:uuid:<id>` full URLs."""
    return f"urn:uuid:{resource_id}"


def _estimation_note(snapshot: dict[str, Any]) -> str:
    how = (snapshot.get("imputation") or "missing items estimated").removeprefix("prorated: ")
    return (
        f"Estimated: {snapshot.get('answered')} of {snapshot.get('item_count')} items "
        f"answered; {how}."
    )


def observation_resources(response: Response) -> list[dict[str, Any]]:
    """One R4 Observation per computed scale (total and subscales) of a submitted response,
    from its stored snapshot; withheld scales are left out.

    A prorated score keeps Attune's scale code but not the LOINC code of the standard total
    (which means all items answered), carries an interpretation code saying it was estimated,
    and a note saying from how many items. `derivedFrom` points at the response's Bundle entry.
    """
    if response.status != ResponseStatus.SUBMITTED or not response.scores:
        return []
    instrument = get_instrument(response.instrument_code, response.instrument_version)
    observations = []
    for snapshot in response.scores.get("scales", []):
        if snapshot.get("value") is None:
            continue
        scale = instrument.scale(snapshot["id"])
        loinc = scale.loinc or (instrument.loinc_total if scale.is_total else None)
        coding = [
            {
                "system": SCALE_SYSTEM,
                "code": f"{instrument.code}-{scale.id}",
                "display": f"{instrument.short_name} {scale.name}",
            }
        ]
        prorated = bool(snapshot.get("prorated"))
        if loinc and not prorated:
            coding.insert(0, {"system": LOINC, "code": loinc})
        observation: dict[str, Any] = {
            "resourceType": "Observation",
            # FHIR ids allow no underscore (scale ids do), so derive a stable UUID
            "id": _stable_uuid(response.pk, scale.id),
            "status": "final",
            "category": [
                {
                    "coding": [
                        {"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}
                    ]
                }
            ],
            "code": {"coding": coding, "text": f"{instrument.short_name} {scale.name}"},
            "subject": _patient(response),
            "effectiveDateTime": response.submitted_at.isoformat(),
            "valueQuantity": {
                "value": snapshot["value"],
                "unit": "{score}",
                "system": UCUM,
                "code": "{score}",
            },
            "derivedFrom": [{"reference": _entry_reference(response.pk)}],
        }
        interpretation = []
        if prorated:
            interpretation.append(
                {
                    "coding": [
                        {
                            "system": INTERPRETATION_SYSTEM,
                            "code": "prorated",
                            "display": "Prorated: estimated from the items answered",
                        }
                    ],
                    "text": "Prorated",
                }
            )
            observation["note"] = [{"text": _estimation_note(snapshot)}]
        if snapshot.get("band"):
            interpretation.append({"text": snapshot["band"]})
        if snapshot.get("cutoff_met") and scale.cutoff is not None:
            interpretation.append({"text": scale.cutoff.label})
        if interpretation:
            observation["interpretation"] = interpretation
        observations.append(observation)
    return observations


def response_bundle(response: Response) -> dict[str, Any]:
    """A collection Bundle: the QuestionnaireResponse and its score Observations."""
    resources = [questionnaire_response_resource(response), *observation_resources(response)]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }


def questionnaire_bundle(instruments: list[Instrument]) -> dict[str, Any]:
    """A searchset Bundle of Questionnaires (what GET Questionnaire returns in FHIR REST)."""
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(instruments),
        "entry": [
            {
                "fullUrl": f"urn:uuid:{_stable_uuid(i.code, i.version)}",
                "resource": questionnaire_resource(i),
                "search": {"mode": "match"},
            }
            for i in instruments
        ],
    }
