"""Tokens and bearer headers for the API and FHIR tests."""

from __future__ import annotations

from attune.api.tokens import create_token


def token_for(user, scope: str = "write", days: int = 30) -> str:
    return create_token(user=user, name="test", scope=scope, days=days).raw


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
