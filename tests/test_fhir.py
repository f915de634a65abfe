"""FHIR R4 (issue 14): every resource the server emits parses with fhir.resources; the
PHQ-9 Questionnaire, one response and its Observations match the committed reference JSON
(tests/fixtures/fhir/); read and search by patient and date; the same access as the web pages.

``UPDATE_FHIR_FIXTURES=1 pytest tests/test_fhir.py`` rewrites the reference files (review the
diff before committing it).
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fhir.resources.R4B import get_fhir_model_class

from attune.audit.models import AuditEvent
from attune.measures.models import Response
from tests.api_helpers import bearer, stored_check_in, token_for

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "fhir"
AT = datetime(2026, 11, 20, 10, 15, tzinfo=UTC)
PHQ9 = [2, 2, 2, 2, 1, 1, 2, 0, 0]  # total 12 (the standards reference's example)


def _check_in(episode, session, phq9=PHQ9, at=AT):
    result = stored_check_in(episode, session, phq9=phq9, at=at)
    return next(r for r in result.responses if r.instrument_version.instrument.code == "phq9")


@pytest.fixture
def phq9(episode, last_attended) -> Response:
    return _check_in(episode, last_attended)


@pytest.fixture
def auth(therapist) -> dict[str, str]:
    return bearer(token_for(therapist, scope="read"))


def _parsed(body: dict) -> object:
    """fhir.resources (R4B) reads it back, and writes the same JSON again."""
    model = get_fhir_model_class(body["resourceType"]).model_validate(body)
    assert model.model_dump(mode="json", by_alias=True, exclude_none=True) == body
    return model


def _get(client, url, auth, status=200) -> dict:
    response = client.get(url, **auth)
    assert response.status_code == status, (url, response.content[:300])
    assert response["Content-Type"] == "application/fhir+json"
    body = response.json()
    _parsed(body)
    return body


def _normalised(body: dict, response: Response) -> dict:
    text = json.dumps(body, indent=2, sort_keys=True)
    episode = response.episode
    for old, new in (
        (f"QuestionnaireResponse/{response.pk}", "QuestionnaireResponse/RESPONSE"),
        (f'"id": "{response.pk}"', '"id": "RESPONSE"'),
        (f'"{response.pk}-', '"RESPONSE-'),
        (f"Patient/{episode.client_id}", "Patient/CLIENT"),
        (f"Practitioner/{episode.therapist_id}", "Practitioner/THERAPIST"),
    ):
        text = text.replace(old, new)
    return json.loads(text)


def _compare(name: str, body: dict) -> None:
    path = FIXTURES / name
    if os.environ.get("UPDATE_FHIR_FIXTURES") == "1":
        path.write_text(json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    assert body == json.loads(path.read_text())


# --------------------------------------------------------------------------- reference files


def test_the_phq9_questionnaire_matches_the_reference(client, auth, phq9):
    body = _get(client, "/fhir/r4/Questionnaire/phq9-1", auth)
    assert body["code"][0] == {"system": "http://loinc.org", "code": "44249-1"}
    item9 = next(i for i in body["item"] if i["linkId"] == "phq9_9")
    assert item9["code"][0]["code"] == "44260-8"
    assert [o["valueCoding"]["code"] for o in item9["answerOption"]] == [
        "LA6568-5",
        "LA6569-3",
        "LA6570-1",
        "LA6571-9",
    ]
    assert [o["extension"][0]["valueDecimal"] for o in item9["answerOption"]] == [0, 1, 2, 3]
    total = next(i for i in body["item"] if i["linkId"] == "scale-total")
    assert total["code"][0]["code"] == "44261-6" and total["readOnly"] is True
    _compare("Questionnaire-phq9.json", body)


def test_one_phq9_response_and_its_observations_match_the_reference(client, auth, phq9):
    qr = _get(client, f"/fhir/r4/QuestionnaireResponse/{phq9.pk}", auth)
    assert qr["questionnaire"] == "https://attune.example/fhir/Questionnaire/phq9|1"
    assert qr["status"] == "completed" and qr["authored"] == "2026-11-20T10:15:00Z"
    total = _get(client, f"/fhir/r4/Observation/{phq9.pk}-total", auth)
    assert total["code"]["coding"][0]["code"] == "44261-6"
    assert total["valueQuantity"] == {
        "value": 12,
        "unit": "{score}",
        "system": "http://unitsofmeasure.org",
        "code": "{score}",
    }
    assert total["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{phq9.pk}"}]
    item9 = _get(client, f"/fhir/r4/Observation/{phq9.pk}-item9", auth)
    assert item9["code"]["coding"][0]["code"] == "44260-8"
    assert item9["valueCodeableConcept"]["coding"][0]["code"] == "LA6568-5"
    _compare("QuestionnaireResponse-phq9.json", _normalised(qr, phq9))
    _compare("Observation-phq9-total.json", _normalised(total, phq9))
    _compare("Observation-phq9-item9.json", _normalised(item9, phq9))


def test_the_gad7_total_is_a_loinc_observation(client, auth, phq9):
    gad7 = Response.objects.get(instrument_version__instrument__code="gad7")
    total = _get(client, f"/fhir/r4/Observation/{gad7.pk}-total", auth)
    assert total["code"]["coding"][0]["code"] == "70274-6"
    assert total["valueQuantity"]["value"] == 7
    assert _get(client, f"/fhir/r4/Observation/{gad7.pk}-item9", auth, 404)
    q = _get(client, "/fhir/r4/Questionnaire/gad7-1", auth)
    assert q["code"][0]["code"] == "69737-5"


# --------------------------------------------------------------------------- round trip


def test_every_resource_the_server_emits_parses(client, auth, phq9, episode, therapist):
    """Every read and search the CapabilityStatement lists, each entry of each Bundle."""
    from attune.measures.definitions_sync import current_version

    feedback = current_version("session_feedback")
    urls = [
        "/fhir/r4/metadata",
        "/fhir/r4/Questionnaire",
        f"/fhir/r4/Questionnaire/{feedback.instrument.code.replace('_', '-')}-{feedback.version}",
        "/fhir/r4/QuestionnaireResponse",
        f"/fhir/r4/QuestionnaireResponse?patient={episode.client_id}",
        "/fhir/r4/Observation",
        f"/fhir/r4/Observation?patient=Patient/{episode.client_id}&code=http://loinc.org|44261-6",
        "/fhir/r4/Patient",
        f"/fhir/r4/Patient/{episode.client_id}",
        f"/fhir/r4/Practitioner/{therapist.pk}",
    ]
    kinds = set()
    for url in urls:
        body = _get(client, url, auth)
        kinds.add(body["resourceType"])
        for entry in body.get("entry", []):
            _parsed(entry["resource"])
            kinds.add(entry["resource"]["resourceType"])
    assert kinds >= {
        "CapabilityStatement",
        "Bundle",
        "Questionnaire",
        "QuestionnaireResponse",
        "Observation",
        "Patient",
        "Practitioner",
    }
    session_feedback = _get(client, urls[2], auth)
    assert session_feedback["url"] == "https://attune.example/fhir/Questionnaire/session-feedback"
    assert "code" not in session_feedback  # Attune's own form: no LOINC panel code


def test_the_capability_statement_is_public_and_lists_the_searches(client):
    response = client.get("/fhir/r4/metadata")
    assert response.status_code == 200
    body = response.json()
    assert body["fhirVersion"] == "4.0.1"
    resources = {r["type"]: r for r in body["rest"][0]["resource"]}
    assert {p["name"] for p in resources["Observation"]["searchParam"]} >= {"patient", "date"}


# --------------------------------------------------------------------------- search


def test_search_by_patient_and_date(client, auth, episode, last_attended, upcoming):
    first = _check_in(episode, last_attended, at=datetime(2026, 10, 1, 9, tzinfo=UTC))
    second = _check_in(episode, upcoming, phq9=[0] * 9, at=datetime(2026, 11, 2, 9, tzinfo=UTC))
    base = f"/fhir/r4/QuestionnaireResponse?patient={episode.client_id}"
    every = _get(client, base, auth)
    assert every["total"] == 4  # PHQ-9 and GAD-7 at two check-ins

    def ids(url):
        return [e["resource"]["id"] for e in _get(client, url, auth)["entry"]]

    assert str(first.pk) in ids(base + "&authored=lt2026-11") and str(second.pk) not in ids(
        base + "&authored=lt2026-11"
    )
    assert str(second.pk) in ids(base + "&authored=ge2026-11-02&authored=le2026-11-02")
    totals = _get(
        client,
        f"/fhir/r4/Observation?subject=Patient/{episode.client_id}&code=44261-6&date=ge2026-11",
        auth,
    )
    assert [e["resource"]["valueQuantity"]["value"] for e in totals["entry"]] == [0]
    paged = _get(client, base + "&_count=1", auth)
    assert len(paged["entry"]) == 1 and paged["link"][1]["relation"] == "next"


@pytest.mark.parametrize(
    "query",
    [
        *("patient=abc", "authored=yesterday", "authored=ge2026-13-01", "_count=-1"),
        *("patient=1,x", "authored=9999", "authored=gt9999-12", "authored=9999-12-31T23:59:59"),
    ],
)
def test_a_bad_search_is_400_with_an_operation_outcome(client, auth, query):
    body = _get(client, f"/fhir/r4/QuestionnaireResponse?{query}", auth, 400)
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == "invalid"


# --------------------------------------------------------------------------- access


def test_another_therapists_token_reads_nothing_of_this_client(
    client, colleague, phq9, episode, therapist
):
    other = bearer(token_for(colleague, scope="read"))
    for url in (
        f"/fhir/r4/QuestionnaireResponse/{phq9.pk}",
        f"/fhir/r4/Observation/{phq9.pk}-total",
        f"/fhir/r4/Observation/{phq9.pk}-item9",
        f"/fhir/r4/Patient/{episode.client_id}",
        f"/fhir/r4/Practitioner/{therapist.pk}",
    ):
        body = _get(client, url, other, 404)
        assert body["resourceType"] == "OperationOutcome"
    for url in (
        f"/fhir/r4/QuestionnaireResponse?patient={episode.client_id}",
        f"/fhir/r4/Observation?patient={episode.client_id}",
        "/fhir/r4/Patient",
        f"/fhir/r4/Patient?_id={episode.client_id}",
    ):
        assert _get(client, url, other)["total"] == 0, url
    for method in ("post", "put", "delete"):
        assert getattr(client, method)("/fhir/r4/QuestionnaireResponse", **other).status_code in (
            403,
            405,
        )


def test_the_supervisor_reads_her_supervisees_clients(client, supervisor, phq9, episode):
    body = _get(client, f"/fhir/r4/QuestionnaireResponse/{phq9.pk}", bearer(token_for(supervisor)))
    assert body["subject"]["reference"] == f"Patient/{episode.client_id}"


def test_reads_are_audited_with_ids_only(client, auth, phq9, therapist):
    _get(client, f"/fhir/r4/QuestionnaireResponse/{phq9.pk}", auth)
    event = AuditEvent.objects.get(object_type="measures.response", actor=therapist, detail="fhir")
    assert event.object_id == str(phq9.pk)
    assert not re.search(r"LA\d|phq9_|score", event.detail)
