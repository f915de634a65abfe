"""The one questionnaire submission flow: validate, keep a safety answer whatever else is wrong,
score, store exactly once, and raise the safety alert in the same transaction (alerts opens it,
on ``care.events.safety_answer_stored``, sent inside the transaction: care sits below alerts).

Every way a form comes in calls :func:`submit_form`: the portal, the e-mailed link (``/f/…``),
the fit check-in and the exit feedback (through ``care.fit`` and ``care.endings``), the
therapist's own fit check-in. See ``docs/clinical-rules.md`` (the safety path).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from attune.accounts.models import User
from attune.audit.models import AuditAction
from attune.audit.services import record
from attune.care.events import episode_written, safety_answer_stored
from attune.care.models import Episode, Session
from attune.engine.instruments import ValidatedAnswers, score, validate_answers
from attune.engine.safety import safety_flags
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
#: Forms asked once per episode and person (one stored form, whichever session or link).
ONCE_PER_EPISODE = frozenset({Phase.FIT_CHECK, Phase.EXIT})
_LEVEL_RANK = {"": 0, "high": 1, "urgent": 2}


@dataclass
class FormSubmission:
    """What happened to a submitted form. ``errors`` maps instrument code → item code → message.

    A form with errors usually stores nothing; a form with errors *and* a safety answer is kept
    in progress (``responses`` are then incomplete) so that the answer is never lost.
    """

    responses: list[Response] = field(default_factory=list)
    errors: dict[str, dict[str, str]] = field(default_factory=dict)
    already_stored: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def kept_in_progress(self) -> bool:
        """Not complete, but stored for its safety answer: the alert is open."""
        return bool(self.errors) and bool(self.responses)

    @property
    def safety_level(self) -> str:
        return highest_safety_level(r.safety_level for r in self.responses)


@dataclass(frozen=True)
class FormInProgress:
    """A form stored for its safety answer and not yet complete: what to show again."""

    answers: dict[str, dict[str, Any]]
    idempotency_key: uuid.UUID
    safety_level: str


def form_versions(phase: str) -> list[InstrumentVersion]:
    return [current_version(code) for code in PHASE_INSTRUMENTS[phase]]


def stored_form(session: Session, respondent: User, phase: str) -> list[Response]:
    """The completed responses of this session's form, if any (a form in progress is not)."""
    return list(
        Response.objects.filter(session=session, respondent=respondent, phase=phase)
        .select_related("instrument_version__instrument")
        .order_by("pk")
    )


def _same_form(
    episode: Episode, session: Session | None, respondent: User, phase: str
) -> QuerySet[Response]:
    """Every response of this form, complete or in progress."""
    found = Response.all_objects.filter(respondent=respondent, phase=phase)
    if phase in ONCE_PER_EPISODE or session is None:
        return found.filter(episode=episode)
    return found.filter(session=session)


def form_in_progress(
    *, episode: Episode, session: Session | None, respondent: User, phase: str
) -> FormInProgress | None:
    """The answers of a form kept for its safety answer, to fill the form in again."""
    responses = list(
        _same_form(episode, session, respondent, phase).select_related(
            "instrument_version__instrument"
        )
    )
    if not responses or all(r.complete for r in responses):
        return None
    return FormInProgress(
        answers={r.instrument_version.instrument.code: dict(r.answers) for r in responses},
        idempotency_key=responses[0].idempotency_key,
        safety_level=highest_safety_level(r.safety_level for r in responses),
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
    reevaluate: bool = True,
) -> FormSubmission:
    """Store one response per instrument of the form, complete, exactly once.

    The same idempotency key (a double click, a retried request) or a second copy of the same
    form (another tab, another link) returns what was stored the first time.

    A PHQ-9 item-9 answer ≥ 1 is never lost: when other answers are blank or invalid, the form
    is stored *in progress* (``complete=False``: the valid answers given so far and the safety
    flags, no totals) and the safety alert opens in the same transaction (Simon et al. 2013;
    NICE NG225). The errors are returned as usual; when the client sends the form again, the
    same responses are completed in place, and the same answer never raises a second alert.

    A complete form re-evaluates the episode (``care.events.episode_written``). ``reevaluate=False``
    leaves that to the caller, for a builder of test data that stores an episode's forms in a
    row and lets the last one evaluate (the safety alert still opens here).
    """
    versions = form_versions(phase)
    stored = list(_same_form(episode, session, respondent, phase))
    if stored and all(r.complete for r in stored):
        return FormSubmission(responses=stored, already_stored=True)
    if (
        Response.all_objects.filter(idempotency_key=idempotency_key)
        .exclude(pk__in=[r.pk for r in stored])
        .exists()
    ):
        # The key belongs to another form (a copied page, a replay against another session):
        # this form is new, so it gets a key of its own rather than a claim of "saved".
        idempotency_key = uuid.uuid4()

    result = FormSubmission()
    checked: list[tuple[InstrumentVersion, ValidatedAnswers, str]] = []
    for version in versions:
        instrument = version.parsed
        given = answers.get(instrument.code, {})
        valid = validate_answers(instrument, given)
        if valid.errors:
            result.errors[instrument.code] = dict(valid.errors)
        flags = safety_flags(instrument, given)
        checked.append((version, valid, highest_safety_level(f.level for f in flags)))
    in_progress = [r for r in stored if not r.complete]
    if result.errors and not in_progress and not any(level for _, _, level in checked):
        return result  # nothing worth keeping yet: the client sees the form again, as typed

    submitted_at = now or timezone.now()
    try:
        with transaction.atomic():
            earlier = {
                r.instrument_version_id: r
                for r in Response.all_objects.select_for_update().filter(
                    pk__in=[r.pk for r in in_progress]
                )
            }
            if any(r.complete for r in earlier.values()):
                # Completed meanwhile by a concurrent request: report what it stored.
                return FormSubmission(responses=list(earlier.values()), already_stored=True)
            for version, valid, level in checked:
                response = _store(
                    episode=episode,
                    session=session,
                    respondent=respondent,
                    phase=phase,
                    version=version,
                    valid=valid,
                    safety_level=level,
                    complete=not result.errors,
                    earlier=earlier.get(version.pk),
                    idempotency_key=idempotency_key,
                    submitted_at=submitted_at,
                )
                result.responses.append(response)
    except IntegrityError:
        # A concurrent request with the same key or the same form won the race.
        again = list(_same_form(episode, session, respondent, phase))
        if not again:
            raise  # not this form's twin: a real fault, not a duplicate to hide
        if all(r.complete for r in again):
            return FormSubmission(responses=again, already_stored=True)
        return FormSubmission(responses=again, errors=result.errors)
    for response in result.responses:
        record(respondent, AuditAction.CREATE, response, episode=episode, detail=f"phase={phase}")
    log.info(
        "form stored phase=%s episode=%s responses=%d complete=%s",
        phase,
        episode.pk,
        len(result.responses),
        result.ok,
    )
    if result.ok and reevaluate:
        episode_written.send(sender=Response, episode=episode)
    return result


def _store(
    *,
    episode: Episode,
    session: Session | None,
    respondent: User,
    phase: str,
    version: InstrumentVersion,
    valid: ValidatedAnswers,
    safety_level: str,
    complete: bool,
    earlier: Response | None,
    idempotency_key: uuid.UUID,
    submitted_at: datetime,
) -> Response:
    """Create or complete one instrument's response; open the safety alert for a new flag."""
    answers = dict(valid.answers)
    if complete:
        scores = score(version.parsed, valid).as_dict()
    else:
        # Keep every valid answer given so far (an answer left out this time stays as given).
        answers = {**(earlier.answers if earlier else {}), **answers}
        flags = safety_flags(version.parsed, answers)
        scores = {"scales": {}, "safety": [f.as_dict() for f in flags]}
        safety_level = highest_safety_level(f.level for f in flags)
    first_scale = next(iter(scores["scales"].values()), None)
    previous_level = earlier.safety_level if earlier else ""
    # What the client once told stays on the record: a later, milder answer does not lower it.
    level = highest_safety_level((previous_level, safety_level))
    if earlier is None:
        response = Response.all_objects.create(
            episode=episode,
            session=session,
            instrument_version=version,
            respondent=respondent,
            phase=phase,
            answers=answers,
            scores=scores,
            score=first_scale["value"] if first_scale else None,
            safety_level=level,
            idempotency_key=idempotency_key,
            submitted_at=submitted_at,
            complete=complete,
        )
    else:
        response = earlier
        response.answers = answers
        response.scores = scores
        response.score = first_scale["value"] if first_scale else None
        response.safety_level = level
        response.complete = complete
        response.save(update_fields=["answers", "scores", "score", "safety_level", "complete"])
    if _LEVEL_RANK[level] > _LEVEL_RANK[previous_level]:
        # The safety alert and the therapist's notice, in this transaction (alerts.receivers).
        safety_answer_stored.send(sender=Response, response=response)
    return response


def highest_safety_level(levels: Iterable[str]) -> str:
    """ "urgent", "high" or "" — the highest of the levels given."""
    found = ""
    for level in levels:
        if _LEVEL_RANK.get(level or "", 0) > _LEVEL_RANK[found]:
            found = level
    return found
