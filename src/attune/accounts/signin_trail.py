"""The sign-in trail: sign-ins, failed and refused sign-ins, sign-outs and second-factor
events, with who, when and from which address — never a password, code or token."""

from __future__ import annotations

import logging

from django.http import HttpRequest

from attune.accounts.models import SignInEvent, SignInKind, User
from attune.client_address import UNKNOWN, client_address

log = logging.getLogger(__name__)


def client_ip(request: HttpRequest | None) -> str | None:
    """The address every rate limit counts by (attune.client_address: X-Forwarded-For is
    believed only from the configured number of trusted proxies)."""
    if request is None:
        return None
    address = client_address(request)
    return None if address == UNKNOWN else address


def write(
    request: HttpRequest | None,
    kind: str,
    user: User | None = None,
    login: str = "",
    detail: str = "",
) -> SignInEvent:
    event = SignInEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        login=(login or "").strip().lower()[:254],
        ip=client_ip(request),
        detail=detail[:40],
    )
    log.info("sign-in trail %s user %s from %s %s", kind, event.user_id, event.ip, detail)
    return event


def sign_in_refused(request: HttpRequest, login: str) -> SignInEvent:
    return write(request, SignInKind.REFUSED, login=login, detail="rate limit")
