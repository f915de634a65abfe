"""``attune rotate_note_keys`` (``attune rotate-note-keys``): re-encrypt every private note with
the first key of ATTUNE_NOTES_KEYS.

Idempotent: a note already encrypted with the first key is left alone, so a second run changes
nothing. A note changed while the command runs is written with the first key anyway and is not
overwritten (compare-and-swap on the ciphertext). Prints counts only, never content.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from attune.notes.crypto import NotesCryptoError, check_keys, reencrypt, uses_first_key
from attune.notes.models import ProcessNote


class Command(BaseCommand):
    help = "Re-encrypt every private process note with the first key in ATTUNE_NOTES_KEYS."

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
        if failed:
            raise CommandError(
                f"{failed} note(s) could not be decrypted with any key in ATTUNE_NOTES_KEYS: "
                "put the key they were written with back in the list and run this again. "
                "Do not remove an old key until this command reports 0 here."
            )
