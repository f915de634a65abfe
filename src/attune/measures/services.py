"""Submitting a form: validate, score, store exactly once, and raise safety alerts atomically."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from attune.accounts.models import User
from attune.alerts.evaluation import reevaluate_after_write
from attune.alerts.services import raise_safety_alert
from attune.care.models import Episode, Session
from attune.engine.instruments import score, validate_answers
from attune.measures.definitions_sync import current_version
from attune.measures.models import InstrumentVersion, Phase, Response

log = logging.getLogger(__name__)

# Which instruments each form asks. PHQ-9 and GAD-7 are the NHS Talking Therapies pair.
PHASE_INSTRUMENTS: dict[str, tuple[str, ...]] = {
    Phase.CHECK_IN: ("phq9", "gad7"),
    Phase.FEEDBACK: ("session_feedback",),
    Phase.FIT_CHECK: ("fit_check",),  # one definition, answered by the client and the therapist
    Phase.EXIT: ("exit_feedback",),
}


@dataclass
class FormSubmission:
    """What happened to a submitted form. ``errors`` maps instrument code → item code → message."""

    responses: list[Response] = field(default_factory=list)
    errors: dict[str, dict[str, str]] = field(default_factory=dict)
    already_stored: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def safety_level(self) -> str:
        levels = {r.safety_level for r in self.responses}
        return "urgent" if "urgent" in levels else "high" if "high" in levels else ""


def form_versions(phase: str) -> list[InstrumentVersion]:
    return [current_version(code) for code in PHASE_INSTRUMENTS[phase]]


def stored_form(session: Session, respondent: User, phase: str) -> list[Response]:
    """The responses already given for this session's form, if any."""
    return list(
        Response.objects.filter(session=session, respondent=respondent, phase=phase)
        .select_related("instrument_version__instrument")
        .order_by("pk")
    )


def submit_form(
    *,
    episode: Episode,
    session: Session | None,
    respondent: User,
    phase: str,
    answers: Mapping[str, Mapping[str, object]],
    idempotency_key: uuid.UUID,
    now: datetime | None = None,
) -> FormSubmission:
    """Store one response per instrument of the form, or none at all.

    The same idempotency key (a double click, a retried request) returns the responses stored
    the first time. A PHQ-9 item-9 answer ≥ 1 opens the therapist's safety alert in the same
    transaction as the response (Simon et al. 2013; NICE NG225): there is no moment at which the
    answer is stored but the alert is not.
    """
    versions = form_versions(phase)
    earlier = list(Response.objects.filter(idempotency_key=idempotency_key, respondent=respondent))
    if earlier:
        return FormSubmission(responses=earlier, already_stored=True)
    if session is not None:
        earlier = stored_form(session, respondent, phase)
        if earlier:
            return FormSubmission(responses=earlier, already_stored=True)

    result = FormSubmission()
    validated = {}
    for version in versions:
        instrument = version.parsed
        checked = validate_answers(instrument, answers.get(instrument.code, {}))
        if checked.errors:
            result.errors[instrument.code] = dict(checked.errors)
        validated[version.pk] = (version, checked.answers)
    if result.errors:
        return result

    submitted_at = now or timezone.now()
    try:
        with transaction.atomic():
            for version, cleaned in validated.values():
                scores = score(version.parsed, cleaned).as_dict()
                first_scale = next(iter(scores["scales"].values()), None)
                response = Response.objects.create(
                    episode=episode,
                    session=session,
                    instrument_version=version,
                    respondent=respondent,
                    phase=phase,
                    answers=dict(cleaned),
                    scores=scores,
                    score=first_scale["value"] if first_scale else None,
                    safety_level=_safety_level(scores),
                    idempotency_key=idempotency_key,
                    submitted_at=submitted_at,
                )
                result.responses.append(response)
                if response.safety_level:
                    raise_safety_alert(response)
    except IntegrityError:
        # A concurrent request with the same key won the race: report what it stored.
        stored = list(Response.objects.filter(idempotency_key=idempotency_key))
        if not stored:
            raise
        return FormSubmission(responses=stored, already_stored=True)
    log.info(
        "form stored phase=%s episode=%s responses=%d", phase, episode.pk, len(result.responses)
    )
    reevaluate_after_write(episode)
    return result


def _safety_level(scores: Mapping[str, object]) -> str:
    flags = scores.get("safety") or []
    levels = {flag["level"] for flag in flags}  # type: ignore[attr-defined]
    return "urgent" if "urgent" in levels else "high" if "high" in levels else ""
