"""Encryption at rest for private process notes and second-factor secrets (Fernet, from
``cryptography``).

``settings.ATTUNE_NOTES_KEYS`` lists Fernet keys: the first encrypts, every one decrypts. To
rotate, put a new key first, run ``attune rotate-note-keys`` (re-encrypts every note with the
first key), then remove the old key (docs/deployment.md).

A note's content — body, transference themes, countertransference — is one JSON document,
encrypted whole into one Fernet token (AES-128-CBC with HMAC-SHA256, versioned, timestamped).
The same keys encrypt the secrets of clinicians' second factors (TOTP keys, recovery-code
seeds; ``attune.accounts.mfa_secrets``), so one key list is kept, rotated and backed up.
Errors name the setting and the position of a bad key, never a key or any content.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, cast

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from attune import conf

SETTING = "ATTUNE_NOTES_KEYS"
FERNET_PREFIX = "gAAAAA"  # base64 of a Fernet token's version byte 0x80 and timestamp's high bytes


class NotesCryptoError(Exception):
    """Private notes cannot be encrypted or decrypted with the configured keys."""


class NoteKeyError(NotesCryptoError):
    """The keys in the settings are missing or not Fernet keys."""


class NoteDecryptionError(NotesCryptoError):
    """No configured key opens this note (was the key it was written with removed?)."""


def configured_keys() -> list[str]:
    raw = conf.notes_keys()
    if isinstance(raw, str):
        raw = raw.split(",")
    # The setting is a list of keys (or the string split above); conf types it as object.
    keys = [str(key).strip() for key in cast(Iterable[object], raw or []) if str(key).strip()]
    if not keys:
        raise NoteKeyError(
            f"{SETTING} is empty: private notes need at least one Fernet key "
            "(see 'Private process notes' in docs/deployment.md)."
        )
    return keys


def _fernets() -> list[Fernet]:
    fernets = []
    for position, key in enumerate(configured_keys(), start=1):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError):
            raise NoteKeyError(
                f"Key {position} in {SETTING} is not a Fernet key "
                "(32 url-safe base64-encoded bytes; see docs/deployment.md)."
            ) from None
    return fernets


def check_keys() -> None:
    """Raise ``NoteKeyError`` unless every configured key is a usable Fernet key."""
    _fernets()


def encrypt_json(data: Any) -> str:
    """Encrypt ``data`` (JSON-serialisable) with the first key; returns the token as text."""
    plaintext = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return MultiFernet(_fernets()).encrypt(plaintext).decode("ascii")


def decrypt_json(token: str) -> Any:
    """Decrypt a token written by ``encrypt_json`` with whichever configured key opens it."""
    try:
        plaintext = MultiFernet(_fernets()).decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        raise NoteDecryptionError(
            f"No key in {SETTING} decrypts this note: was the key it was written with removed "
            "before `attune rotate-note-keys` ran?"
        ) from None
    return json.loads(plaintext)


def encrypt_text(text: str) -> str:
    """Encrypt a short secret (a TOTP key, a recovery-code seed) with the first key."""
    return MultiFernet(_fernets()).encrypt(text.encode()).decode("ascii")


def decrypt_text(token: str) -> str:
    """Decrypt a token written by ``encrypt_text``."""
    try:
        return MultiFernet(_fernets()).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeEncodeError):
        raise NoteDecryptionError(
            f"No key in {SETTING} decrypts this secret: was the key it was written with removed "
            "before `attune rotate-note-keys` ran?"
        ) from None


def is_token(text: str) -> bool:
    """Whether ``text`` has the shape of a Fernet token (version byte 0x80, base64): secrets
    stored before encryption (base32 TOTP keys, hex seeds) never do."""
    return text.startswith(FERNET_PREFIX)


def uses_first_key(token: str) -> bool:
    """Whether the token was written with the first (current) key."""
    try:
        _fernets()[0].decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        return False
    return True


def reencrypt(token: str) -> str:
    """The same content encrypted with the first key (``NoteDecryptionError`` if no key opens
    the token)."""
    try:
        return MultiFernet(_fernets()).rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeEncodeError):
        raise NoteDecryptionError(
            f"No key in {SETTING} decrypts this note: it cannot be re-encrypted."
        ) from None
