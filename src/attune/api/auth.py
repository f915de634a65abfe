"""Bearer-token authentication shared by the REST API and the FHIR endpoints."""

from __future__ import annotations

import logging

from django.http import HttpRequest

from attune.accounts.http import AuthenticatedHttpRequest
from attune.integrations.models import PersonalAccessToken
from attune.integrations.tokens import authenticate

log = logging.getLogger(__name__)


class TokenHttpRequest(AuthenticatedHttpRequest):
    """A request whose bearer token ``token_user`` accepted: ``user`` is the token's holder and
    ``api_token`` the token (the FHIR views behind ``fhir_view`` get only these)."""

    api_token: PersonalAccessToken


def bearer_token(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def token_user(request: HttpRequest, *, area: str) -> PersonalAccessToken | None:
    """The usable token of this request (audited), with ``request.user`` set to its holder;
    None when there is none or it is expired, revoked or its holder may no longer use it."""
    raw = bearer_token(request)
    if not raw:
        return None
    token = authenticate(raw, method=request.method or "GET", area=area)
    if token is not None:
        request.user = token.user
        request.api_token = token  # type: ignore[attr-defined]  # now a TokenHttpRequest
    return token
