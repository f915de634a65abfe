"""Tokens and bearer headers for the API and FHIR tests."""

from __future__ import annotations

from attune.integrations.tokens import create_token


def token_for(user, scope: str = "write", days: int = 30) -> str:
    return create_token(user=user, name="test", scope=scope, days=days).raw


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def stored_check_in(episode, session, phq9=(1,) * 9, gad7=(1,) * 7, at=None):
    """The client's check-in stored through the one flow (answers as 0–3 per item)."""
    import uuid

    from attune.care.submission import submit_form
    from tests.answers import FREQUENCY

    result = submit_form(
        episode=episode,
        session=session,
        respondent=episode.client.user,
        phase="check_in",
        answers={
            "phq9": {f"phq9_{n}": FREQUENCY[v] for n, v in enumerate(phq9, start=1)},
            "gad7": {f"gad7_{n}": FREQUENCY[v] for n, v in enumerate(gad7, start=1)},
        },
        idempotency_key=uuid.uuid4(),
        now=at,
    )
    assert result.ok
    return result
