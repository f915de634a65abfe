"""Creating, checking and revoking personal access tokens.

A token is ``attune_pat_`` followed by 32 random bytes (URL-safe base64, 256 bits: RFC 6750
bearer tokens must not be guessable; OWASP ASVS 4.0 §3.5). The database keeps its SHA-256
digest only, so a stolen database holds no usable token; a hash without a salt is enough for
a secret of this entropy (unlike a password, it cannot be guessed from a dictionary). Every
use writes an audit event naming the token's id, never the token or what was read.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from attune.accounts.models import User
from attune.audit.models import AuditAction
from attune.audit.services import record
from attune.integrations.models import PersonalAccessToken, Scope

log = logging.getLogger(__name__)

TOKEN_PREFIX = "attune_pat_"  # noqa: S105 - the visible prefix, not a secret
#: How long a token may live, in days: the choices offered, the longest a year.
LIFETIMES = (7, 30, 90, 365)
#: ``last_used_at`` is written at most this often per token (one UPDATE, not one per call).
LAST_USED_GRANULARITY = timedelta(minutes=1)


def digest_of(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", errors="replace")).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: PersonalAccessToken
    raw: str  # shown once, never stored


def tokens_of(user: User) -> QuerySet[PersonalAccessToken]:
    """A person's own tokens, newest first: the only tokens anyone can list or revoke."""
    return PersonalAccessToken.objects.filter(user=user)


def create_token(
    *, user: User, name: str, scope: str, days: int, now: datetime | None = None
) -> NewToken:
    name = name.replace("\x00", "").strip()
    if not name:
        raise ValidationError({"name": "Please say what the token is for."})
    if len(name) > 100:
        raise ValidationError({"name": "Please keep the name to 100 characters."})
    if scope not in Scope.values:
        raise ValidationError({"scope": "Please choose read or read and write."})
    if days not in LIFETIMES:
        raise ValidationError({"days": "Please choose how long the token lives."})
    now = now or timezone.now()
    secret = secrets.token_urlsafe(32)
    raw = TOKEN_PREFIX + secret
    token = PersonalAccessToken.objects.create(
        user=user,
        name=name,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        digest=digest_of(raw),
        scope=scope,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    record(user, AuditAction.CREATE, token, detail=f"token scope={scope}")
    return NewToken(token=token, raw=raw)


def revoke_token(token: PersonalAccessToken, by: User, *, now: datetime | None = None) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = now or timezone.now()
    token.save(update_fields=["revoked_at"])
    record(by, AuditAction.UPDATE, token, detail="token revoked")


def authenticate(
    raw: str, *, method: str, area: str, now: datetime | None = None
) -> PersonalAccessToken | None:
    """The usable token behind ``raw`` (not revoked, not expired, its holder active), with the
    use audited; None otherwise (the caller answers 401). What the holder may then read is the
    permissions' business: a token of someone who is no longer a clinician gets 403s."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    now = now or timezone.now()
    token = (
        PersonalAccessToken.objects.select_related("user")
        .filter(digest=digest_of(raw), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRANULARITY:
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    safe = method in ("GET", "HEAD", "OPTIONS")
    record(
        token.user,
        AuditAction.READ if safe else AuditAction.UPDATE,
        token,
        detail=f"token use {area} {method[:7]}",
    )
    return token
