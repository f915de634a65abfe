"""``attune rotate_note_keys`` (``attune rotate-note-keys``): re-encrypt every private note and
every second-factor secret (TOTP key, recovery-code seed) with the first key of ATTUNE_NOTES_KEYS;
secrets stored before they were encrypted are encrypted too.

Idempotent: a note already encrypted with the first key is left alone, so a second run changes
nothing. A note changed while the command runs is written with the first key anyway and is not
overwritten (compare-and-swap on the ciphertext). Prints counts only, never content.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from attune.accounts.mfa_secrets import rotate_second_factor_secrets
from attune.crypto import NotesCryptoError, check_keys, reencrypt, uses_first_key
from attune.notes.models import ProcessNote


class Command(BaseCommand):
    help = (
        "Re-encrypt every private process note and second-factor secret with the first key in "
        "ATTUNE_NOTES_KEYS."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            check_keys()
        except NotesCryptoError as error:
            raise CommandError(str(error)) from None
        rotated = current = failed = 0
        rows = ProcessNote.objects.order_by("pk").values_list("pk", "ciphertext")
        for pk, ciphertext in rows.iterator(chunk_size=500):
            if uses_first_key(ciphertext):
                current += 1
                continue
            try:
                new = reencrypt(ciphertext)
            except NotesCryptoError:
                failed += 1
                self.stderr.write(f"Note {pk}: no configured key decrypts it.")
                continue
            changed = ProcessNote.objects.filter(pk=pk, ciphertext=ciphertext).update(
                ciphertext=new
            )
            if changed:
                rotated += 1
            else:  # changed meanwhile, and so written with the first key already
                current += 1
        self.stdout.write(
            f"Re-encrypted {rotated} note(s) with the first key; "
            f"{current} already used it; {failed} could not be decrypted."
        )
        sealed, sealed_current, sealed_failed = rotate_second_factor_secrets()
        self.stdout.write(
            f"Second factors: encrypted {sealed} with the first key; {sealed_current} already "
            f"used it; {sealed_failed} could not be decrypted."
        )
        if sealed_failed:
            self.stderr.write(
                f"{sealed_failed} second factor(s) could not be decrypted: put back the key they "
                "were written with, or have those people set up their second factor again."
            )
        if failed or sealed_failed:
            raise CommandError(
                f"{failed} note(s) and {sealed_failed} second factor(s) could not be decrypted "
                "with any key in ATTUNE_NOTES_KEYS: put the key they were written with back in "
                "the list and run this again. "
                "Do not remove an old key until this command reports 0 here."
            )
