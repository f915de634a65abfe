"""The fit check-in: the client and the treating therapist answer it after the n-th attended
session (``ATTUNE_FIT_CHECK_SESSION``); the engine's one fit rule reads both."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from django.core.exceptions import ValidationError

from attune.accounts.models import User
from attune.care.models import Episode, Session
from attune.care.queries import fit_session
from attune.care.submission import FormSubmission, submit_form
from attune.measures.models import Phase


def submit_fit_check(
    *,
    episode: Episode,
    session: Session,
    respondent: User,
    answers: Mapping[str, Mapping[str, object]],
    idempotency_key: uuid.UUID,
    now: datetime | None = None,
) -> FormSubmission:
    """Store the client's or the therapist's fit check-in. Storing re-evaluates the episode
    (``submit_form`` → ``care.events.episode_written``): the engine's one fit rule
    (``attune.engine.fit``) reads both answers with the session feedback and opens or updates
    the one fit alert (key ``fit_check``) when the fit is worth talking about. Stored once per
    episode and person (``care.submission.ONCE_PER_EPISODE``)."""
    if respondent.pk not in (episode.client.user_id, episode.therapist_id):
        raise ValidationError("Only the client and the treating therapist answer the fit check-in.")
    fit = fit_session(episode)
    if fit is None or fit.pk != session.pk:
        raise ValidationError("The fit check-in belongs to the session it was asked after.")
    return submit_form(
        episode=episode,
        session=session,
        respondent=respondent,
        phase=Phase.FIT_CHECK,
        answers=answers,
        idempotency_key=idempotency_key,
        now=now,
    )
