"""Second-factor secrets encrypted at rest.

allauth stores a TOTP key and a recovery-code seed in ``mfa_authenticator.data`` and calls the
MFA adapter's ``encrypt``/``decrypt`` hooks around them; in the clear, anyone holding a database
backup could compute a clinician's codes (OWASP ASVS 4.0.3, V6.1.1 / V2.8.3: authenticator
secrets are protected at rest). They are encrypted with the keys of the private notes
(``ATTUNE_NOTES_KEYS``), so there is one key list to keep, rotate and back up.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator

from attune import crypto

# Where allauth keeps a secret inside ``Authenticator.data``: one string or a list of strings.
SECRET_FIELDS = ("secret", "seed")
SECRET_LISTS = ("migrated_codes",)


class MFAAdapter(DefaultMFAAdapter):  # type: ignore[misc]  # allauth has no type information: its classes are Any
    def encrypt(self, text: str) -> str:
        return crypto.encrypt_text(text)

    def decrypt(self, encrypted_text: str) -> str:
        if not crypto.is_token(encrypted_text):
            return encrypted_text  # stored before encryption; `attune rotate-note-keys` seals it
        return crypto.decrypt_text(encrypted_text)


def _reseal(value: str) -> str:
    """``value`` encrypted with the first key, whether it was in the clear or under an old key."""
    if not crypto.is_token(value):
        return crypto.encrypt_text(value)
    if crypto.uses_first_key(value):
        return value
    return crypto.reencrypt(value)


def sealed(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of an authenticator's data with every secret encrypted with the first key."""
    result = dict(data)
    for field in SECRET_FIELDS:
        if isinstance(result.get(field), str):
            result[field] = _reseal(result[field])
    for field in SECRET_LISTS:
        if isinstance(result.get(field), list):
            result[field] = [_reseal(code) for code in result[field]]
    return result


def rotate_second_factor_secrets() -> tuple[int, int, int]:
    """Encrypt every stored second-factor secret with the first key (those in the clear too).

    Returns (resealed, current, failed). Compare-and-swap on the data, as for the notes: an
    authenticator changed meanwhile was written with the first key already.
    """
    resealed = current = failed = 0
    rows = Authenticator.objects.order_by("pk").values_list("pk", "data")
    for pk, data in rows.iterator(chunk_size=500):
        try:
            new = sealed(data)
        except crypto.NotesCryptoError:
            failed += 1
            continue
        if new == data:
            current += 1
        elif Authenticator.objects.filter(pk=pk, data=data).update(data=new):
            resealed += 1
        else:
            current += 1
    return resealed, current, failed
