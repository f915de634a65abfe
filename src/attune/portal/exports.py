"""A client's own data, to download as JSON or CSV, and their request to delete it.

Only what belongs to the person asking: their account, their episodes with sessions, goals and
their own ratings, the answers they gave, their messages and requests. Never the therapist's
private process notes (the therapist's own notes, not part of the client record; they are not
even read here), never the therapist's own answers (the therapist's side of the fit check-in),
never other clients' data.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from attune.accounts.models import User
from attune.audit.models import AuditAction
from attune.audit.services import record as audit
from attune.care.models import Client, Episode
from attune.clientportal.models import (
    DeletionRequest,
    DeletionStatus,
    EndingRequest,
    FeedbackMessage,
)
from attune.measures.models import Response
from attune.portal.queries import own_message

NOT_INCLUDED = (
    "Not included: your therapist's private process notes (their own notes on the process of "
    "therapy, which are not part of your record) and the prompts Attune shows your therapist. "
    "You can ask your practice for a copy of everything it holds about you."
)


def _when(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    return value.isoformat()


def client_data(user: User) -> dict[str, Any]:
    """Everything Attune stores about the client ``user``, as plain JSON-able data."""
    now = timezone.now()
    client = Client.objects.filter(user=user).select_related("practice").first()
    data: dict[str, Any] = {
        "exported_at": _when(now),
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "preferred_name": client.preferred_name if client else "",
            "practice": client.practice.name if client else "",
            "joined": _when(user.date_joined),
            "last_sign_in": _when(user.last_login),
        },
        "episodes": [],
        "deletion_requests": [],
        "not_included": NOT_INCLUDED,
    }
    if client is None:
        return data
    episodes = (
        Episode.objects.filter(client=client)
        .select_related("therapist")
        .prefetch_related("sessions__modalities", "goals__ratings")
        .order_by("started_on", "pk")
    )
    responses: dict[int, list[Response]] = {}
    for response in (
        # Every form the client sent, a form kept for its safety answer included (GDPR art. 15).
        Response.all_objects.filter(respondent=user, episode__client=client)
        .select_related("instrument_version__instrument", "session")
        .order_by("submitted_at", "pk")
    ):
        responses.setdefault(response.episode_id, []).append(response)
    messages: dict[int, list[FeedbackMessage]] = {}
    for message in FeedbackMessage.objects.filter(client=client).order_by("created_at", "pk"):
        messages.setdefault(message.episode_id, []).append(message)
    requests: dict[int, list[EndingRequest]] = {}
    for request in EndingRequest.objects.filter(client=client).order_by("requested_at", "pk"):
        requests.setdefault(request.episode_id, []).append(request)

    for episode in episodes:
        sessions = list(episode.sessions.all())
        ending = getattr(episode, "ending", None) if not episode.is_active else None
        data["episodes"].append(
            {
                "id": episode.pk,
                "therapist": episode.therapist.display_name,
                "status": episode.get_status_display(),
                "started_on": _when(episode.started_on),
                "ended_on": _when(episode.ended_on),
                "ending": {
                    "kind": ending.get_kind_display(),
                    "ended_on": _when(ending.ended_on),
                    "note": ending.note,
                }
                if ending
                else None,
                "sessions": [
                    {
                        "number": s.number,
                        "scheduled_at": _when(s.scheduled_at),
                        "duration_minutes": s.duration_minutes,
                        "attendance": s.get_attendance_display(),
                        "ways_of_working": [m.name for m in s.modalities.all()],
                        "progress_note": s.progress_note,
                    }
                    for s in sessions
                ],
                "goals": [
                    {
                        "description": g.description,
                        "achieved_on": _when(g.achieved_on),
                        "your_ratings": [
                            {"rating": r.rating, "rated_at": _when(r.rated_at)}
                            for r in g.ratings.all()
                        ],
                    }
                    for g in episode.goals.all()
                ],
                "answers": [
                    {
                        "id": r.pk,
                        "questionnaire": r.instrument_version.instrument.name,
                        "version": r.instrument_version.version,
                        "form": r.get_phase_display(),
                        "session_number": r.session.number if r.session else None,
                        "submitted_at": _when(r.submitted_at),
                        "answers": r.answers,
                        "score": r.score,
                        "complete": r.complete,
                    }
                    for r in responses.get(episode.pk, [])
                ],
                "messages": [
                    {
                        "id": m.pk,
                        "text": m.text,
                        "choice": m.get_intent_display(),
                        "created_at": _when(m.created_at),
                        "shared_at": _when(m.shared_at),
                        "therapist_can_read": own_message(m, sessions, now).therapist_reads,
                    }
                    for m in messages.get(episode.pk, [])
                ],
                "ending_conversation_requests": [
                    {
                        "reason": r.reason,
                        "requested_at": _when(r.requested_at),
                        "withdrawn_at": _when(r.withdrawn_at),
                    }
                    for r in requests.get(episode.pk, [])
                ],
            }
        )
    data["deletion_requests"] = [
        {
            "requested_at": _when(d.requested_at),
            "status": d.get_status_display(),
            "handled_at": _when(d.handled_at),
            "note": d.note,
        }
        for d in DeletionRequest.objects.filter(client=client).order_by("requested_at", "pk")
    ]
    return data


def as_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def _flatten(prefix: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flatten(f"{prefix}.{key}" if prefix else key, inner)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for index, inner in enumerate(value, start=1):
            yield from _flatten(f"{prefix}[{index}]", inner)
    elif isinstance(value, list):
        yield prefix, "; ".join(str(v) for v in value)
    else:
        yield prefix, value


def _safe_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text: never a formula (CSV injection)."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def as_csv(data: dict[str, Any]) -> str:
    """The same data as one long table: section, field, value."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "field", "value"])
    for section in ("exported_at", "account", "episodes", "deletion_requests", "not_included"):
        for field, value in _flatten(section, data[section]):
            writer.writerow([section, field, _safe_cell(value)])
    return out.getvalue()


def record_export(user: User) -> None:
    audit(user, AuditAction.EXPORT, user)


def request_deletion(*, user: User, now: datetime | None = None) -> DeletionRequest:
    """Ask the practice to delete the client's data. Asking again returns the open request."""
    now = now or timezone.now()
    client = Client.objects.filter(user=user).first()
    if client is None:
        raise ValidationError("There is no client record to delete.")
    existing = DeletionRequest.objects.filter(
        client=client, status=DeletionStatus.REQUESTED
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            request = DeletionRequest.objects.create(client=client, requested_at=now)
            audit(user, AuditAction.CREATE, request)
    except IntegrityError:
        existing = DeletionRequest.objects.filter(
            client=client, status=DeletionStatus.REQUESTED
        ).first()
        if existing is None:
            raise
        return existing
    return request
