"""FHIR resources built from what is stored, in their rarer shapes: session feedback (integer,
text and choice answers, a code no longer among the options), a form the therapist filled in,
an empty in-progress response, a patient with no treating therapist."""

from __future__ import annotations

import pytest

from attune.api.fhir import resources as fhir
from attune.measures.definitions_sync import current_version
from tests import factories

pytestmark = pytest.mark.django_db


def _answers(resource: dict) -> dict[str, dict]:
    return {i["linkId"]: i["answer"][0] for i in resource.get("item", [])}


def test_session_feedback_carries_integer_text_and_choice_answers(episode, last_attended):
    response = factories.ResponseFactory(
        session=last_attended,
        answers={"bond": 7, "goals": 8, "approach": 9, "overall": 6, "rupture": "no"}
        | {"comment": "It helped."},
    )
    # Stored under an earlier version of the options: a code they no longer hold.
    type(response).all_objects.filter(pk=response.pk).update(
        answers=response.answers | {"stopping": "an-old-code"}
    )
    response.refresh_from_db()
    resource = fhir.questionnaire_response(response, episode.client)
    answers = _answers(resource)
    assert answers["bond"] == {"valueInteger": 7}
    assert answers["comment"] == {"valueString": "It helped."}
    assert answers["rupture"]["valueCoding"]["code"] == "no"
    assert "display" in answers["rupture"]["valueCoding"]
    # A code the current options no longer hold is exported as given, without a display.
    assert answers["stopping"]["valueCoding"]["code"] == "an-old-code"
    assert "display" not in answers["stopping"]["valueCoding"]
    assert resource["author"] == {"reference": f"Patient/{episode.client.pk}"}
    # The feedback's total has no LOINC code: no Observation is derived from it.
    assert fhir.observation_ids(response) == []
    assert fhir.observations(response, episode.client) == []


def test_a_form_filled_in_by_the_therapist_names_her_as_author(episode, therapist, last_attended):
    response = factories.ResponseFactory(session=last_attended, respondent=therapist)
    resource = fhir.questionnaire_response(response, episode.client)
    assert resource["author"] == resource["source"] == {"reference": f"Practitioner/{therapist.pk}"}


def test_an_empty_response_in_progress_has_no_items_and_no_observations(episode, last_attended):
    response = factories.ResponseFactory(
        session=last_attended, answers={}, scores={}, complete=False
    )
    resource = fhir.questionnaire_response(response, episode.client)
    assert resource["status"] == "in-progress"
    assert "item" not in resource
    assert fhir.observation_ids(response) == []


def test_a_patient_with_no_treating_therapist_names_none(episode):
    resource = fhir.patient(episode.client, [])
    assert "generalPractitioner" not in resource
    assert resource["id"] == str(episode.client.pk)
    with_one = fhir.patient(episode.client, [episode.therapist_id])
    assert with_one["generalPractitioner"] == [
        {"reference": f"Practitioner/{episode.therapist_id}"}
    ]


def test_the_session_feedback_questionnaire_has_text_and_bounded_integers():
    resource = fhir.questionnaire(current_version("session_feedback"))
    by_code = {i["linkId"]: i for i in resource["item"]}
    assert by_code["comment"]["type"] == "text"
    assert by_code["bond"]["type"] == "integer"
    bounds = {e["url"].rsplit("/", 1)[-1] for e in by_code["bond"]["extension"]}
    assert bounds == {"minValue", "maxValue"}
