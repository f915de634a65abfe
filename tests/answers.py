"""Form payloads as a browser would post them (field names ``<instrument>-<item>``)."""

from __future__ import annotations

import uuid

FREQUENCY = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]  # 0, 1, 2, 3


def check_in_post(phq9: list[int], gad7: list[int], key: uuid.UUID | None = None) -> dict:
    post = {"idempotency_key": str(key or uuid.uuid4())}
    for number, value in enumerate(phq9, start=1):
        post[f"phq9-phq9_{number}"] = FREQUENCY[value]
    for number, value in enumerate(gad7, start=1):
        post[f"gad7-gad7_{number}"] = FREQUENCY[value]
    return post


def feedback_post(
    bond=9, goals=8, approach=8, overall=9, rupture="no", resolved=None, comment="", key=None
) -> dict:
    post = {
        "idempotency_key": str(key or uuid.uuid4()),
        "session_feedback-bond": str(bond),
        "session_feedback-goals": str(goals),
        "session_feedback-approach": str(approach),
        "session_feedback-overall": str(overall),
        "session_feedback-rupture": rupture,
        "session_feedback-comment": comment,
    }
    if resolved:
        post["session_feedback-rupture_resolved"] = resolved
    return post


def store_feedback_without_evaluation(episode, session, each: int) -> None:
    """Session feedback written straight to the database, as if the engine had not run yet:
    a later write that re-evaluates the episode is then visible through the alerts it opens."""
    from attune.engine.instruments import score
    from attune.measures.definitions_sync import current_version
    from attune.measures.models import Phase, Response

    version = current_version("session_feedback")
    answers = {d: each for d in ("bond", "goals", "approach", "overall")} | {"rupture": "no"}
    Response.objects.create(
        episode=episode, session=session, instrument_version=version,
        respondent=episode.client.user, phase=Phase.FEEDBACK, answers=answers,
        scores=score(version.parsed, answers).as_dict(), score=4 * each,
        idempotency_key=uuid.uuid4(), submitted_at=session.scheduled_at,
    )  # fmt: skip
