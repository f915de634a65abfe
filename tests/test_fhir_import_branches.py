"""Reading an imported QuestionnaireResponse (attune.api.fhir.imports.read_document): the rarer
shapes of a document — totals sent along, unanswered items, integer and text answers — and the
documents refused with a message saying what is wrong.
"""

from __future__ import annotations

import json

import pytest

from attune.api.fhir.imports import UnreadableDocument, read_document

pytestmark = pytest.mark.django_db

BASE = "https://attune.example/fhir/Questionnaire"


def _qr(questionnaire: str, items: list[dict], patient: int = 7, encounter: int = 11) -> dict:
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{BASE}/{questionnaire}",
        "status": "completed",
        "subject": {"reference": f"Patient/{patient}"},
        "encounter": {"reference": f"Encounter/{encounter}"},
        "item": items,
    }


def _bundle(*resources: dict) -> bytes:
    return json.dumps(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": r} for r in resources],
        }
    ).encode()


def _read(document: dict) -> object:
    return read_document(json.dumps(document).encode())


def test_totals_are_skipped_unanswered_items_left_out_and_every_answer_kind_read():
    phq9 = _qr(
        "phq9",
        [
            {"linkId": "phq9_1", "answer": [{"valueCoding": {"code": "LA6569-3"}}]},
            {"linkId": "phq9_2"},  # no answer: left out, submit_form says what is missing
            {"linkId": "/44261-6", "answer": [{"valueInteger": 27}]},  # the total, by LOINC
            {"linkId": "scale-total", "answer": [{"valueInteger": 27}]},
        ],
    )
    form = _read(phq9)
    assert form.phase == "check_in"
    assert form.answers == {"phq9": {"phq9_1": "LA6569-3"}}
    assert (form.client_id, form.session_id) == (7, 11)

    feedback = _qr(
        "session-feedback",
        [
            {"linkId": "bond", "answer": [{"valueInteger": 4}]},
            {"linkId": "comment", "answer": [{"valueString": "Helpful."}]},
        ],
    )
    form = _read(feedback)
    assert form.phase == "feedback"
    assert form.answers == {"session_feedback": {"bond": 4, "comment": "Helpful."}}


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (
            [{"linkId": "phq9_1", "answer": [{"valueInteger": 1}, {"valueInteger": 2}]}],
            "PHQ-9 phq9_1: one answer only.",
        ),
        (
            [{"linkId": "phq9_1", "answer": [{"valueBoolean": True}]}],
            "answer with valueCoding, valueInteger or valueString",
        ),
    ],
)
def test_an_item_with_two_answers_or_an_unusable_one_is_refused(items, message):
    with pytest.raises(UnreadableDocument, match=message):
        _read(_qr("phq9", items))


def test_bundles_that_are_not_one_form_are_refused():
    answered = [{"linkId": "phq9_1", "answer": [{"valueInteger": 1}]}]
    cases = [
        (_bundle(), "QuestionnaireResponses only"),
        (_bundle({"resourceType": "Patient", "id": "p1"}), "QuestionnaireResponses only"),
        (
            _bundle(_qr("phq9", answered), _qr("gad7", [], patient=8)),
            "same patient and encounter",
        ),
        (
            _bundle(_qr("phq9", answered), _qr("gad7", [], encounter=12)),
            "same patient and encounter",
        ),
        (_bundle(_qr("phq9", answered), _qr("phq9", answered)), "phq9 appears twice"),
        (
            _bundle(_qr("phq9", answered), _qr("session-feedback", [])),
            "do not belong to one form",
        ),
        (b"[1, 2]", "must be a FHIR resource"),
        (b"\xff\xfe", "not JSON"),
    ]
    for body, message in cases:
        with pytest.raises(UnreadableDocument, match=message):
            read_document(body)


def test_a_check_in_bundle_of_both_questionnaires_is_one_form():
    form = read_document(
        _bundle(
            _qr("phq9", [{"linkId": "phq9_1", "answer": [{"valueInteger": 1}]}]),
            _qr("gad7", [{"linkId": "gad7_1", "answer": [{"valueInteger": 2}]}]),
        )
    )
    assert form.phase == "check_in"
    assert form.answers == {"phq9": {"phq9_1": 1}, "gad7": {"gad7_1": 2}}
