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
