"""Reading a QuestionnaireResponse from another system into the one submission flow.

A record system sends the client's check-in (PHQ-9 and GAD-7, a ``Bundle`` of two
QuestionnaireResponses, or one of them alone) or session feedback for one of the client's
sessions. This module only *reads* it: structure checked by fhir.resources, the questionnaire
recognised by Attune's canonical URL, answers by ``linkId`` (Attune's item code, or the item's
LOINC code as in US Core's examples, ``/44250-9``), the session from ``encounter``
(``Encounter/<session id>``). Scoring, validation of every answer, storing once and the safety
alert are ``care.submission.submit_form``'s, as for a web form.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import ValidationError as PydanticError

from attune.api.fhir.resources import CANONICAL, questionnaire_url
from attune.care.submission import PHASE_INSTRUMENTS
from attune.measures.definitions_sync import current_version
from attune.measures.models import Phase

#: Idempotency keys of imports: the same document sent twice is the same form.
IMPORT_NAMESPACE = uuid.UUID("0b6f1d0e-3c1e-4a55-9d7e-6a1f1b2c9e14")
#: The forms that can be imported: the client's own (the fit check-in and exit stay web-only).
IMPORTABLE = (Phase.CHECK_IN, Phase.FEEDBACK)


class UnreadableDocument(ValueError):
    """The document cannot be read: 400 (or 404 for a subject/session out of reach)."""

    def __init__(self, message: str, code: str = "invalid", status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class ImportedForm:
    client_id: int
    session_id: int
    phase: str
    answers: dict[str, dict[str, Any]]
    idempotency_key: uuid.UUID


def _reference_id(reference: Any, kind: str, field: str) -> int:
    text = getattr(reference, "reference", None) or ""
    prefix = f"{kind}/"
    value = text.removeprefix(prefix)
    if not text.startswith(prefix) or not value.isdigit() or len(value) > 18:
        raise UnreadableDocument(f"{field} must reference {kind}/<id>.")
    return int(value)


def _instrument_code(canonical: str) -> str:
    url, _, version = canonical.partition("|")
    for code in (c for phase in IMPORTABLE for c in PHASE_INSTRUMENTS[phase]):
        if url == questionnaire_url(code):
            current = current_version(code)
            if version and version != current.version:
                raise UnreadableDocument(
                    f"{url} version {version[:20]} is not the current one ({current.version})."
                )
            return code
    raise UnreadableDocument(
        f"questionnaire must be one of Attune's ({CANONICAL}/Questionnaire/phq9, gad7, "
        "session-feedback)."
    )


def _answers(code: str, qr: QuestionnaireResponse) -> dict[str, Any]:
    instrument = current_version(code).parsed
    by_link = {item.code: item for item in instrument.items}
    by_link |= {item.loinc: item for item in instrument.items if item.loinc}
    by_link |= {f"/{item.loinc}": item for item in instrument.items if item.loinc}
    totals = {s.loinc for s in instrument.scales if s.loinc} | {
        f"scale-{s.code}" for s in instrument.scales
    }
    answers: dict[str, Any] = {}
    for entry in qr.item or []:
        link = entry.linkId or ""
        if link in totals or link.lstrip("/") in totals:
            continue  # totals are Attune's to compute
        item = by_link.get(link)
        if item is None:
            raise UnreadableDocument(f"{instrument.short_name} has no item {link[:40]!r}.")
        if not entry.answer:
            continue
        if len(entry.answer) > 1:
            raise UnreadableDocument(f"{instrument.short_name} {item.code}: one answer only.")
        answer = entry.answer[0]
        if answer.valueCoding is not None:
            answers[item.code] = answer.valueCoding.code
        elif answer.valueInteger is not None:
            answers[item.code] = answer.valueInteger
        elif answer.valueString is not None:
            answers[item.code] = answer.valueString
        else:
            raise UnreadableDocument(
                f"{instrument.short_name} {item.code}: answer with valueCoding, valueInteger "
                "or valueString."
            )
    return answers


def read_document(body: bytes) -> ImportedForm:
    """One form from a QuestionnaireResponse, or a Bundle of them for the same session."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise UnreadableDocument("The body is not JSON.") from None
    if not isinstance(document, dict):
        raise UnreadableDocument("The body must be a FHIR resource.")
    try:
        if document.get("resourceType") == "Bundle":
            bundle = Bundle.model_validate(document)
            resources = [e.resource for e in bundle.entry or []]
        elif document.get("resourceType") == "QuestionnaireResponse":
            resources = [QuestionnaireResponse.model_validate(document)]
        else:
            raise UnreadableDocument("Send a QuestionnaireResponse, or a Bundle of them.")
    except PydanticError as error:
        errors = error.errors()
        where = ".".join(str(p) for p in errors[0]["loc"])[:80] if errors else ""
        reason = str(errors[0]["msg"])[:120] if errors else ""
        raise UnreadableDocument(f"Not valid FHIR R4: {where} {reason}") from None
    responses = [r for r in resources if isinstance(r, QuestionnaireResponse)]
    if not resources or len(responses) < len(resources):
        raise UnreadableDocument("The Bundle must hold QuestionnaireResponses only.")
    subjects = {_reference_id(r.subject, "Patient", "subject") for r in responses}
    sessions = {_reference_id(r.encounter, "Encounter", "encounter") for r in responses}
    if len(subjects) > 1 or len(sessions) > 1:
        raise UnreadableDocument("All responses must be for the same patient and encounter.")
    answers: dict[str, dict[str, Any]] = {}
    for qr in responses:
        if qr.status not in ("completed", "amended"):
            raise UnreadableDocument("Only completed responses can be imported.")
        code = _instrument_code(qr.questionnaire or "")
        if code in answers:
            raise UnreadableDocument(f"{code} appears twice.")
        answers[code] = _answers(code, qr)
    phases = [p for p in IMPORTABLE if set(answers) <= set(PHASE_INSTRUMENTS[p])]
    if not phases:
        raise UnreadableDocument("These questionnaires do not belong to one form.")
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return ImportedForm(
        client_id=subjects.pop(),
        session_id=sessions.pop(),
        phase=phases[0],
        answers=answers,
        idempotency_key=uuid.uuid5(IMPORT_NAMESPACE, canonical),
    )
