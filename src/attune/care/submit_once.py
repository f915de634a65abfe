"""The forms asked once per episode and person (the fit check-in, the exit feedback) go through
the one submission flow of ``measures.services``."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from attune.accounts.models import User
from attune.care.models import Episode, Session
from attune.measures.services import FormSubmission, submit_form


def submit_once(
    *,
    episode: Episode,
    session: Session | None,
    respondent: User,
    phase: str,
    answers: Mapping[str, Mapping[str, object]],
    idempotency_key: uuid.UUID,
    now: datetime | None = None,
) -> FormSubmission:
    """Store a form that is asked once per episode and person (the fit check-in, the exit
    feedback) through the one submission flow: a second form — another tab, a retry — returns
    what was stored the first time (``measures.services.ONCE_PER_EPISODE``)."""
    return submit_form(
        episode=episode,
        session=session,
        respondent=respondent,
        phase=phase,
        answers=answers,
        idempotency_key=idempotency_key,
        now=now,
    )
