"""FHIR Bulk Data ``$export`` of a practice (Bulk Data Access IG 3.0.0,
https://hl7.org/fhir/uv/bulkdata/export.html): kick-off (202 + ``Content-Location``), status
(the manifest), NDJSON files, ``DELETE`` to cancel. For the practice administrator's token
only; every step audited.

There is no task queue: the kick-off records the request and its ``transactionTime``, and each
file is written as it is downloaded, streamed record by record from the records as they were
then (nothing submitted later), so the status answers "complete" at once and an export of any
size never sits in memory or on disk.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

from django.db.models import QuerySet

from attune.accounts.models import Role, User
from attune.api.fhir import resources as fr
from attune.care.models import Client
from attune.integrations.models import ExportJob
from attune.measures.models import InstrumentVersion, Response

TYPES = ("Patient", "Practitioner", "Questionnaire", "QuestionnaireResponse", "Observation")
NDJSON = "application/fhir+ndjson"
OUTPUT_FORMATS = {NDJSON, "application/ndjson", "ndjson"}


def _responses(job: ExportJob) -> QuerySet[Response]:
    found = Response.all_objects.filter(
        episode__client__practice=job.practice, submitted_at__lte=job.transaction_time
    )
    if job.since is not None:
        found = found.filter(submitted_at__gt=job.since)
    return found.select_related("instrument_version__instrument", "episode__client__user").order_by(
        "pk"
    )


def lines(job: ExportJob, kind: str) -> Iterator[str]:
    """The NDJSON lines of one resource type (one resource per line)."""
    if kind == "Patient":
        clients = Client.objects.filter(
            practice=job.practice, created_at__lte=job.transaction_time
        ).select_related("user")
        if job.since is not None:
            clients = clients.filter(created_at__gt=job.since)
        for client in clients.order_by("pk").iterator(chunk_size=500):
            therapists = sorted(set(client.episodes.values_list("therapist_id", flat=True)))
            yield json.dumps(fr.patient(client, therapists)) + "\n"
    elif kind == "Practitioner":
        practitioners = User.objects.filter(practice=job.practice, role=Role.THERAPIST)
        for user in practitioners.order_by("pk").iterator(chunk_size=500):
            yield json.dumps(fr.practitioner(user)) + "\n"
    elif kind == "Questionnaire":
        for version in InstrumentVersion.objects.select_related("instrument").order_by("pk"):
            yield json.dumps(fr.questionnaire(version)) + "\n"
    elif kind == "QuestionnaireResponse":
        for response in _responses(job).iterator(chunk_size=500):
            yield json.dumps(fr.questionnaire_response(response, response.episode.client)) + "\n"
    elif kind == "Observation":
        for response in _responses(job).iterator(chunk_size=500):
            for observation in fr.observations(response, response.episode.client):
                yield json.dumps(observation) + "\n"


def manifest(job: ExportJob, base: str, file_url: str) -> dict[str, object]:
    """The completion manifest; ``file_url`` has ``{kind}`` for the resource type."""
    return {
        "transactionTime": job.transaction_time.isoformat().replace("+00:00", "Z"),
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": [{"type": kind, "url": file_url.format(kind=kind)} for kind in job.types],
        "deleted": [],
        "error": [],
    }


def parse_types(raw: str) -> list[str]:
    if not raw:
        return list(TYPES)
    kinds = [k.strip() for k in raw.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in TYPES]
    if unknown or not kinds:
        raise ValueError(f"_type may name {', '.join(TYPES)}.")
    return list(dict.fromkeys(kinds))


def start(*, user: User, types: list[str], since: datetime | None, request_url: str) -> ExportJob:
    if user.practice_id is None:  # never: api.export_practice asks for a practice (api.rules)
        raise ValueError("Only a member of a practice exports it.")
    return ExportJob.objects.create(
        practice_id=user.practice_id,
        requested_by=user,
        types=types,
        since=since,
        request_url=request_url[:500],
    )
