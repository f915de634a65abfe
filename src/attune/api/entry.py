"""A clinician entering the client's form from elsewhere (the REST API, a FHIR import)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from attune.accounts.models import User
from attune.audit.models import AuditAction
from attune.audit.services import record
from attune.care.models import Session
from attune.care.submission import FormSubmission, submit_form


def enter_for_client(
    *,
    by: User,
    session: Session,
    phase: str,
    answers: Mapping[str, Mapping[str, object]],
    idempotency_key: uuid.UUID,
    detail: str,
) -> FormSubmission:
    """The client's answers, stored by the one submission flow as the client's own (they are
    the respondent: their scores, their safety answers), with an audit event per stored
    response naming the clinician who entered them (``detail``: how)."""
    episode = session.episode
    result = submit_form(
        episode=episode,
        session=session,
        respondent=episode.client.user,
        phase=phase,
        answers=answers,
        idempotency_key=idempotency_key,
    )
    if not result.already_stored:
        for response in result.responses:
            record(by, AuditAction.CREATE, response, episode=episode, detail=detail)
    return result
