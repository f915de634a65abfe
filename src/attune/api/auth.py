"""Bearer-token authentication shared by the REST API and the FHIR endpoints."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.http import HttpRequest

from attune.accounts.models import User
from attune.api.models import PersonalAccessToken
from attune.api.tokens import authenticate
from attune.audit.models import AuditAction, AuditEvent
from attune.measures.models import Response

log = logging.getLogger(__name__)


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
        request.api_token = token  # type: ignore[attr-defined]
    return token


def record_reads(actor: User, responses: Sequence[Response], *, detail: str) -> None:
    """One audit event per response a search returned, written in one query (the events
    ``audit.services.record`` writes, with ids only), so a page of results costs the same
    whatever its length."""
    if not responses:
        return
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actor,
            action=AuditAction.READ,
            object_type=Response._meta.label_lower,
            object_id=str(r.pk),
            episode_id=r.episode_id,
            detail=detail,
        )
        for r in responses
    )
    log.info("audit read %d measures.response %s by user %s", len(responses), detail, actor.pk)
