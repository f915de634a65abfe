"""Importing a QuestionnaireResponse from another system (issue 14): through the one
submission flow, so a PHQ-9 item-9 answer of 2 opens the urgent safety alert in the same
transaction as the stored response; bad input is an OperationOutcome; nothing half-stored
except a safety answer, which is never lost."""

from __future__ import annotations

import json

import pytest
from django.db import DatabaseError, connection

from attune.alerts.models import Alert
from attune.audit.models import AuditEvent
from attune.measures.models import Response
from attune.notifications.models import SafetyNotification
from tests.answers import FREQUENCY
from tests.api_helpers import bearer, token_for

pytestmark = pytest.mark.django_db

BASE = "https://attune.example/fhir/Questionnaire"
URL = "/fhir/r4/QuestionnaireResponse"


def _qr(code, items, client_id, session_id, version="1", loinc_links=False):
    loinc = {
        "phq9": [
            "44250-9",
            "44255-8",
            "44259-0",
            "44254-1",
            "44251-7",
            "44258-2",
            "44252-5",
            "44253-3",
            "44260-8",
        ]
    }
    entries = []
    for n, value in enumerate(items, start=1):
        link = f"/{loinc[code][n - 1]}" if loinc_links else f"{code}_{n}"
        entries.append(
            {
                "linkId": link,
                "answer": [
                    {"valueCoding": {"system": "http://loinc.org", "code": FREQUENCY[value]}}
                ],
            }
        )
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{BASE}/{code}|{version}",
        "status": "completed",
        "subject": {"reference": f"Patient/{client_id}"},
        "encounter": {"reference": f"Encounter/{session_id}"},
        "authored": "2026-11-20T10:15:00Z",
        "item": entries,
    }


def _check_in(episode, session, item9=2, loinc_links=False):
    phq9 = _qr("phq9", [1] * 8 + [item9], episode.client_id, session.pk, loinc_links=loinc_links)
    gad7 = _qr("gad7", [1] * 7, episode.client_id, session.pk)
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": phq9}, {"resource": gad7}],
    }


def _post(client, body, headers):
    return client.post(
        URL,
        json.dumps(body) if not isinstance(body, str) else body,
        content_type="application/fhir+json",
        **headers,
    )


def test_an_imported_check_in_with_item_9_at_2_opens_the_urgent_alert(
    client, therapist, episode, last_attended
):
    headers = bearer(token_for(therapist))
    response = _post(client, _check_in(episode, last_attended, loinc_links=True), headers)
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/fhir+json"
    stored = response.json()["entry"]
    assert len(stored) == 2
    phq9 = Response.objects.get(instrument_version__instrument__code="phq9")
    assert phq9.session == last_attended and phq9.respondent == episode.client.user
    assert phq9.score == 10 and phq9.safety_level == "urgent"
    alert = Alert.objects.get(kind="safety")
    assert alert.severity == "urgent" and alert.response == phq9
    assert SafetyNotification.objects.get().alert == alert
    assert AuditEvent.objects.filter(actor=therapist, detail="fhir import").count() == 2
    # The same document again: what was stored, no second alert.
    again = _post(client, _check_in(episode, last_attended, loinc_links=True), headers)
    assert again.status_code == 200
    assert Response.objects.count() == 2 and Alert.objects.filter(kind="safety").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_imported_response_and_its_alert_are_one_transaction(
    client, therapist, episode, last_attended
):
    headers = bearer(token_for(therapist))

    def refuse_alerts(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("INSERT") and '"alerts_alert"' in sql:
            raise DatabaseError("alerts table refused the row")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse_alerts), pytest.raises(DatabaseError):
        _post(client, _check_in(episode, last_attended), headers)
    assert Response.all_objects.count() == 0 and Alert.objects.count() == 0


def test_a_phq9_alone_keeps_the_safety_answer_and_says_what_is_missing(
    client, therapist, episode, last_attended
):
    body = _qr("phq9", [0] * 8 + [2], episode.client_id, last_attended.pk)
    response = _post(client, body, bearer(token_for(therapist)))
    assert response.status_code == 422
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert any(i["expression"] == ["gad7.gad7_1"] for i in outcome["issue"] if "expression" in i)
    assert outcome["issue"][-1]["severity"] == "information"
    kept = Response.all_objects.get(instrument_version__instrument__code="phq9")
    assert not kept.complete and kept.safety_level == "urgent"
    assert Alert.objects.get(kind="safety").severity == "urgent"


@pytest.mark.parametrize(
    ("mutate", "status"),
    [
        (lambda b: "not json", 400),
        (lambda b: {"resourceType": "Patient"}, 400),
        (lambda b: {**b, "status": "bogus-status"}, 400),
        (lambda b: {**b, "questionnaire": "http://example.org/Questionnaire/phq9"}, 400),
        (lambda b: {**b, "questionnaire": f"{BASE}/phq9|7"}, 400),
        (lambda b: {**b, "subject": {"reference": "Group/1"}}, 400),
        (lambda b: {**b, "encounter": {"reference": "Encounter/999999"}}, 404),
        (lambda b: {**b, "item": [{"linkId": "nope", "answer": [{"valueInteger": 1}]}]}, 400),
        (
            lambda b: {
                **b,
                "item": [{"linkId": "phq9_1", "answer": [{"valueCoding": {"code": "LA0"}}]}],
            },
            422,
        ),
    ],
)
def test_bad_documents_get_an_operation_outcome_and_store_nothing(
    client, therapist, episode, last_attended, mutate, status
):
    body = mutate(_qr("phq9", [0] * 9, episode.client_id, last_attended.pk))
    response = _post(client, body, bearer(token_for(therapist)))
    assert response.status_code == status, response.content
    assert response.json()["resourceType"] == "OperationOutcome"
    assert Response.all_objects.count() == 0


def test_another_therapists_token_cannot_import_for_this_client(
    client, colleague, supervisor, therapist, episode, last_attended
):
    body = _check_in(episode, last_attended)
    assert _post(client, body, bearer(token_for(colleague))).status_code == 404
    assert _post(client, body, bearer(token_for(supervisor))).status_code == 403
    assert _post(client, body, bearer(token_for(therapist, scope="read"))).status_code == 403
    assert _post(client, body, {}).status_code == 401
    assert Response.all_objects.count() == 0 and Alert.objects.count() == 0
