"""FHIR R4 resources built from Attune's records and checked with fhir.resources.

The models are ``fhir.resources.R4B`` (FHIR 4.3): for Questionnaire, QuestionnaireResponse,
Observation, Patient, Practitioner, Bundle and CapabilityStatement R4B changed nothing from R4
(4.0.1; https://hl7.org/fhir/R4B/r4b-explanation.html), so what is emitted is R4 JSON. Every
resource passes the model's structure, cardinality and primitive-type checks before it leaves
(``checked``): never profiles or terminology, which need the HL7 validator.

Representation (shared/reference standards §1, US Core 9.0.0 "Screening and assessments",
SDC ``questionnaire-sdc-profile-example-PHQ9``):

* a ``Questionnaire`` per instrument version, its items coded in LOINC where the definition
  has a code (PHQ-9 44249-1, GAD-7 69737-5), answers as LOINC LA codes with ``ordinalValue``;
  Attune's own forms (session feedback …) under Attune's canonical URL and CodeSystem;
* the ``QuestionnaireResponse`` is the source of truth (the stored answers, the totals as
  read-only items);
* an ``Observation`` per total score with a LOINC code (PHQ-9 44261-6, GAD-7 70274-6),
  ``valueQuantity`` in UCUM ``{score}``, ``derivedFrom`` its response; the PHQ-9 item-9
  answer (44260-8) as its own Observation, so the safety answer can be searched for.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

from attune.accounts.models import User
from attune.care.models import Client
from attune.engine.instruments import Instrument, Item
from attune.measures.models import InstrumentVersion, Response

#: Attune's canonical base for its own Questionnaires and CodeSystems: stable across installs
#: (a canonical URL names a definition, not a server).
CANONICAL = "https://attune.example/fhir"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
#: PHQ-9 item 9, "thoughts that you would be better off dead, or of hurting yourself".
PHQ9_ITEM9 = ("phq9", "phq9_9")
FHIR_VERSION = "4.0.1"


def checked(resource: dict[str, Any]) -> dict[str, Any]:
    """Validate with fhir.resources (R4B) and return the model's own JSON (ordered, no nulls).
    A resource that fails is a programming error: it raises (pydantic ``ValidationError``)."""
    model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def instant(moment: datetime) -> str:
    return moment.isoformat()


def questionnaire_id(version: InstrumentVersion) -> str:
    """``phq9-1``: the instrument code (``_`` is not allowed in a FHIR id) and the version."""
    return f"{version.instrument.code.replace('_', '-')}-{version.version}"


def questionnaire_url(code: str) -> str:
    return f"{CANONICAL}/Questionnaire/{code.replace('_', '-')}"


def _answer_system(instrument: Instrument, option_set: str | None, code: str) -> str:
    if code.startswith("LA") and instrument.loinc:
        return LOINC
    return f"{CANONICAL}/CodeSystem/{instrument.code.replace('_', '-')}-{option_set or 'answers'}"


def _item_code(code: str | None) -> list[dict[str, Any]]:
    """A LOINC coding without a display: LOINC's own display names are long and Attune's
    labels are not them, so the label goes in ``text`` instead."""
    return [{"system": LOINC, "code": code}] if code else []


def _questionnaire_item(instrument: Instrument, item: Item) -> dict[str, Any]:
    entry: dict[str, Any] = {"linkId": item.code, "text": item.text, "required": item.required}
    if item.loinc:
        entry["code"] = _item_code(item.loinc)
    if item.type == "choice":
        entry["type"] = "choice"
        entry["answerOption"] = [
            {
                "extension": [{"url": ORDINAL, "valueDecimal": option.value}],
                "valueCoding": {
                    "system": _answer_system(instrument, item.option_set, option.code),
                    "code": option.code,
                    "display": option.label,
                },
            }
            for option in item.options
        ]
    elif item.type == "integer":
        entry["type"] = "integer"
        bounds = []
        if item.min is not None:
            bounds.append(
                {
                    "url": "http://hl7.org/fhir/StructureDefinition/minValue",
                    "valueInteger": item.min,
                }
            )
        if item.max is not None:
            bounds.append(
                {
                    "url": "http://hl7.org/fhir/StructureDefinition/maxValue",
                    "valueInteger": item.max,
                }
            )
        if bounds:
            entry["extension"] = bounds
    else:
        entry["type"] = "text"
        if item.max_length:
            entry["maxLength"] = item.max_length
    if item.enable_when is not None:
        source = instrument.item(item.enable_when.item)
        entry["enableWhen"] = [
            {
                "question": source.code,
                "operator": "!=",
                "answerCoding": {
                    "system": _answer_system(instrument, source.option_set, code),
                    "code": code,
                },
            }
            for code in item.enable_when.not_in
        ]
        entry["enableBehavior"] = "all"
    return entry


def questionnaire(version: InstrumentVersion) -> dict[str, Any]:
    instrument = version.parsed
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": questionnaire_id(version),
        "url": questionnaire_url(instrument.code),
        "version": instrument.version,
        "name": "".join(part.capitalize() for part in instrument.code.split("_")),
        "title": instrument.name,
        "status": "active",
        "subjectType": ["Patient"],
        "description": instrument.instructions,
        "copyright": instrument.copyright,
        "item": [_questionnaire_item(instrument, item) for item in instrument.items],
    }
    if instrument.loinc:
        resource["code"] = _item_code(instrument.loinc)
    for scale in instrument.scales:
        total: dict[str, Any] = {
            "linkId": f"scale-{scale.code}",
            "text": scale.label,
            "type": "integer",
            "readOnly": True,
        }
        if scale.loinc:
            total["code"] = _item_code(scale.loinc)
        resource["item"].append(total)
    return checked(resource)


def patient_reference(client_id: int) -> dict[str, str]:
    return {"reference": f"Patient/{client_id}"}


def _author(response: Response, client: Client) -> dict[str, str]:
    if response.respondent_id == client.user_id:
        return patient_reference(client.pk)
    return {"reference": f"Practitioner/{response.respondent_id}"}


def _answer(instrument: Instrument, item: Item, value: Any) -> dict[str, Any] | None:
    if value is None or value == "":
        return None
    if item.type == "choice":
        option = item.option(str(value))
        coding: dict[str, Any] = {
            "system": _answer_system(instrument, item.option_set, str(value)),
            "code": str(value),
        }
        if option is not None:
            coding["display"] = option.label
        return {"valueCoding": coding}
    if item.type == "integer":
        return {"valueInteger": int(value)}
    return {"valueString": str(value)}


def questionnaire_response(response: Response, client: Client) -> dict[str, Any]:
    """The stored answers as they were given; the totals as read-only items (once complete)."""
    version = response.instrument_version
    instrument = version.parsed
    items = []
    for item in instrument.items:
        answer = _answer(instrument, item, response.answers.get(item.code))
        if answer is not None:
            items.append({"linkId": item.code, "text": item.text, "answer": [answer]})
    for scale in instrument.scales:
        value = (response.scores.get("scales") or {}).get(scale.code, {}).get("value")
        if value is not None:
            items.append(
                {
                    "linkId": f"scale-{scale.code}",
                    "text": scale.label,
                    "answer": [{"valueInteger": int(value)}],
                }
            )
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(response.pk),
        "questionnaire": f"{questionnaire_url(instrument.code)}|{instrument.version}",
        "status": "completed" if response.complete else "in-progress",
        "subject": patient_reference(client.pk),
        "authored": instant(response.submitted_at),
        "author": _author(response, client),
        "source": _author(response, client),
    }
    if items:
        resource["item"] = items
    return checked(resource)


def observation_ids(response: Response) -> list[str]:
    """The ids of the Observations derived from a response: ``<id>-total`` per LOINC-coded
    total (complete responses only), ``<id>-item9`` for a PHQ-9 with an item-9 answer."""
    instrument = response.instrument_version.parsed
    ids = []
    if response.complete:
        for scale in instrument.scales:
            value = (response.scores.get("scales") or {}).get(scale.code, {}).get("value")
            if scale.loinc and value is not None:
                ids.append(f"{response.pk}-{scale.code}")
    if (instrument.code, "phq9_9") == PHQ9_ITEM9 and response.answers.get("phq9_9") is not None:
        ids.append(f"{response.pk}-item9")
    return ids


def _observation_base(response: Response, client: Client, obs_id: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": obs_id,
        "status": "final" if response.complete else "preliminary",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
        ],
        "subject": patient_reference(client.pk),
        "effectiveDateTime": instant(response.submitted_at),
        "performer": [_author(response, client)],
        "derivedFrom": [{"reference": f"QuestionnaireResponse/{response.pk}"}],
    }


def observation(response: Response, client: Client, part: str) -> dict[str, Any] | None:
    """One derived Observation (``part`` = a total scale's code, or ``item9``); None when the
    response has no such Observation."""
    if f"{response.pk}-{part}" not in observation_ids(response):
        return None
    instrument = response.instrument_version.parsed
    resource = _observation_base(response, client, f"{response.pk}-{part}")
    if part == "item9":
        item = instrument.item("phq9_9")
        code = str(response.answers["phq9_9"])
        option = item.option(code)
        resource["code"] = {"coding": _item_code(item.loinc), "text": item.text}
        resource["valueCodeableConcept"] = {
            "coding": [
                {
                    "system": LOINC,
                    "code": code,
                    **({"display": option.label} if option else {}),
                }
            ]
        }
        return checked(resource)
    scale = next(s for s in instrument.scales if s.code == part)
    value = response.scores["scales"][scale.code]["value"]
    resource["code"] = {"coding": _item_code(scale.loinc), "text": scale.label}
    resource["valueQuantity"] = {
        "value": value,
        "unit": "{score}",
        "system": UCUM,
        "code": "{score}",
    }
    return checked(resource)


def observations(response: Response, client: Client) -> list[dict[str, Any]]:
    out = []
    for obs_id in observation_ids(response):
        found = observation(response, client, obs_id.split("-", 1)[1])
        if found is not None:
            out.append(found)
    return out


def patient(client: Client, therapist_ids: list[int]) -> dict[str, Any]:
    """Minimal: the id, a name to recognise the person by, the treating therapists."""
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(client.pk),
        "active": client.user.is_active,
        "name": [{"text": client.display_name}],
    }
    if therapist_ids:
        resource["generalPractitioner"] = [
            {"reference": f"Practitioner/{i}"} for i in therapist_ids
        ]
    return checked(resource)


def practitioner(user: User) -> dict[str, Any]:
    return checked(
        {
            "resourceType": "Practitioner",
            "id": str(user.pk),
            "active": user.is_active,
            "name": [{"text": user.display_name}],
        }
    )


def operation_outcome(code: str, diagnostics: str, severity: str = "error") -> dict[str, Any]:
    """``code`` from http://hl7.org/fhir/issue-type (not-found, forbidden, login, invalid …)."""
    return checked(
        {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": severity, "code": code, "diagnostics": diagnostics}],
        }
    )


def bundle(
    entries: list[dict[str, Any]], base: str, self_url: str, next_url: str | None, total: int
) -> dict[str, Any]:
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    return checked(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": total,
            "link": links,
            "entry": [
                {
                    "fullUrl": f"{base}{r['resourceType']}/{r['id']}",
                    "resource": r,
                    "search": {"mode": "match"},
                }
                for r in entries
            ],
        }
    )


SEARCH_PARAMS = {
    "QuestionnaireResponse": [
        ("patient", "reference"),
        ("subject", "reference"),
        ("authored", "date"),
    ],
    "Observation": [
        ("patient", "reference"),
        ("subject", "reference"),
        ("date", "date"),
        ("code", "token"),
    ],
    "Patient": [("_id", "token")],
    "Questionnaire": [("url", "uri")],
}


def capability_statement(base: str, date: str) -> dict[str, Any]:
    def rest_resource(kind: str, search: bool = True) -> dict[str, Any]:
        entry: dict[str, Any] = {"type": kind, "interaction": [{"code": "read"}]}
        if kind == "QuestionnaireResponse":
            entry["interaction"].append({"code": "create"})
        if search and kind in SEARCH_PARAMS:
            entry["interaction"].append({"code": "search-type"})
            entry["searchParam"] = [{"name": n, "type": t} for n, t in SEARCH_PARAMS[kind]]
        return entry

    return checked(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": date,
            "kind": "instance",
            "software": {"name": "Attune"},
            "implementation": {"description": "Attune FHIR R4 (read and search)", "url": base},
            "fhirVersion": FHIR_VERSION,
            "format": ["application/fhir+json", "json"],
            "rest": [
                {
                    "mode": "server",
                    "security": {
                        "description": "A personal access token (Authorization: Bearer), "
                        "created on Attune's API tokens page; it reads what its holder may.",
                    },
                    "resource": [
                        rest_resource("Questionnaire"),
                        rest_resource("QuestionnaireResponse"),
                        rest_resource("Observation"),
                        rest_resource("Patient"),
                        rest_resource("Practitioner", search=False),
                    ],
                    "operation": [
                        {
                            "name": "export",
                            "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
                        }
                    ],
                }
            ],
        }
    )
