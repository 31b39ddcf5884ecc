"""FHIR R4 export, validated with fhir.resources' R4B models."""

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from assessments import fhir, services
from assessments.scoring import get_instrument, list_instruments
from clinic.models import AuditEvent
from tests.assessments.world import assign, first_response, submitted_response
from tests.conftest import api_client_for


@pytest.mark.parametrize("instrument", list_instruments(), ids=lambda i: i.code)
def test_every_instrument_exports_a_valid_r4_questionnaire(instrument):
    resource = fhir.questionnaire_resource(instrument)
    parsed = Questionnaire.model_validate(resource)
    assert len(parsed.item) == len(instrument.items)
    assert parsed.version == str(instrument.version)


def test_phq9_questionnaire_carries_its_loinc_codes():
    parsed = Questionnaire.model_validate(fhir.questionnaire_resource(get_instrument("phq9")))
    assert parsed.code[0].code == "44249-1"
    assert parsed.item[8].code[0].code == "44260-8"
    option = parsed.item[0].answerOption[1]
    assert (option.valueCoding.system, option.valueCoding.code) == ("http://loinc.org", "LA6569-3")
    assert option.extension[0].valueDecimal == 1
    assert "Pfizer" in parsed.copyright


def test_licensed_instrument_exports_placeholders_not_wording():
    parsed = Questionnaire.model_validate(fhir.questionnaire_resource(get_instrument("ecrr")))
    assert parsed.item[6].text == "Item 7"


@pytest.mark.django_db
def test_submitted_response_exports_a_valid_response_and_observations(couple):
    answers = {str(n): 1 for n in range(1, 9)}  # item 9 skipped
    response = submitted_response(couple, couple.partner_a, answers=answers)
    qr = QuestionnaireResponse.model_validate(fhir.questionnaire_response_resource(response))
    assert qr.status == "completed"
    assert qr.questionnaire == "urn:attune:questionnaire:phq9|1"
    assert [i.linkId for i in qr.item] == [str(n) for n in range(1, 9)]
    assert qr.item[0].answer[0].valueCoding.code == "LA6569-3"
    (total,) = [Observation.model_validate(o) for o in fhir.observation_resources(response)]
    assert float(total.valueQuantity.value) == 9.0  # 8 answered, prorated to 9
    # a prorated total never passes as the complete standard total: no LOINC 44261-6, an
    # interpretation code saying it was estimated, and a note that reads as a sentence
    assert [c.code for c in total.code.coding] == ["phq9-total"]
    assert total.interpretation[0].coding[0].code == "prorated"
    assert total.interpretation[0].coding[0].system == "urn:attune:interpretation"
    assert total.note[0].text == (
        "Estimated: 8 of 9 items answered; mean substitution: mean of answered items x item count."
    )
    bundle = Bundle.model_validate(fhir.response_bundle(response))
    assert [e.resource.__resource_type__ for e in bundle.entry] == [
        "QuestionnaireResponse",
        "Observation",
    ]
    # derivedFrom resolves inside the bundle
    full_urls = {e.fullUrl for e in bundle.entry}
    references = [d.reference for e in bundle.entry[1:] for d in e.resource.derivedFrom]
    assert references == [f"urn:uuid:{response.pk}"]
    assert set(references) <= full_urls


@pytest.mark.django_db
def test_complete_total_keeps_its_loinc_code_and_says_when_the_cut_off_is_met(couple):
    response = submitted_response(
        couple, couple.partner_a, answers={str(n): 2 for n in range(1, 10)}
    )
    (total,) = [Observation.model_validate(o) for o in fhir.observation_resources(response)]
    assert total.code.coding[0].code == "44261-6"
    assert total.note is None
    assert [i.text for i in total.interpretation] == [
        "Moderately severe",
        "At or above the cut-off for probable major depression (a screening result, not a "
        "diagnosis)",
    ]


@pytest.mark.django_db
def test_subscale_observations_have_valid_ids(couple):
    response = submitted_response(
        couple, couple.partner_a, "pcl5", {str(n): 2 for n in range(1, 21)}
    )
    observations = [Observation.model_validate(o) for o in fhir.observation_resources(response)]
    assert len(observations) == 5  # total and four clusters
    assert observations[0].code.coding[0].code == "101698-9"


@pytest.mark.django_db
def test_in_progress_response_exports_without_observations(couple, therapist):
    response = first_response(assign(couple, couple.partner_a, by=therapist))
    response = services.response_save(response=response, answers={"1": 2}, by=therapist)
    qr = QuestionnaireResponse.model_validate(fhir.questionnaire_response_resource(response))
    assert qr.status == "in-progress"
    assert fhir.observation_resources(response) == []


@pytest.mark.django_db
def test_fhir_endpoints_for_staff_are_audited(couple, therapist, clinic):
    response = submitted_response(couple, couple.partner_a)
    api = api_client_for(therapist)
    base = f"/api/v1/clinics/{clinic.slug}/fhir/"
    bundle = Bundle.model_validate(api.get(f"{base}Questionnaire/").json())
    assert bundle.total == len(list_instruments())
    one = api.get(f"{base}Questionnaire/?code=gad7").json()
    assert [e["resource"]["id"] for e in one["entry"]] == ["gad7-1"]
    qr = api.get(f"{base}QuestionnaireResponse/{response.pk}/").json()
    QuestionnaireResponse.model_validate(qr)
    Bundle.model_validate(api.get(f"{base}QuestionnaireResponse/{response.pk}/bundle/").json())
    assert AuditEvent.objects.filter(action="export", object_id=str(response.pk)).count() == 2


@pytest.mark.django_db
def test_fhir_endpoints_are_staff_only(couple, clinic):
    response = submitted_response(couple, couple.partner_a)
    partner = api_client_for(couple.partner_a.portal_user)
    url = f"/api/v1/clinics/{clinic.slug}/fhir/QuestionnaireResponse/{response.pk}/"
    assert partner.get(url).status_code == 404
