"""Writing and reading private process notes.

Only the treating therapist writes a note, for a session of her own episode; only its author
reads it. Every read decrypts the note and writes an audit event (who, which note, when);
every write is audited too. Nothing here logs content.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from attune.accounts.models import User
from attune.audit.models import AuditAction
from attune.audit.services import record, record_reads
from attune.care.models import Session
from attune.notes.crypto import decrypt_json, encrypt_json
from attune.notes.models import ProcessNote, Transference
from attune.notes.rules import may_change_note, may_view_note, may_write_for

#: 2 added ``supervision`` (what to take to supervision); a version-1 note reads as before.
CONTENT_VERSION = 2
BODY_MAX = 20_000
COUNTERTRANSFERENCE_MAX = 10_000
SUPERVISION_MAX = 10_000
EMPTY_NOTE_MESSAGE = "Write something in the note or choose at least one transference theme."


@dataclass(frozen=True)
class NoteContent:
    """The decrypted content of a note."""

    body: str
    themes: tuple[str, ...]
    #: Countertransference, or in the reflective form "my own reactions" (the same thing in
    #: plain words): one stored field, so a note reads the same whichever form wrote it.
    countertransference: str
    supervision: str = ""

    @property
    def theme_labels(self) -> list[str]:
        return [Transference(theme).label for theme in self.themes]

    def to_json(self) -> dict[str, Any]:
        return {
            "v": CONTENT_VERSION,
            "body": self.body,
            "themes": list(self.themes),
            "countertransference": self.countertransference,
            "supervision": self.supervision,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NoteContent:
        return cls(
            body=str(data.get("body", "")),
            themes=tuple(t for t in data.get("themes", []) if t in Transference.values),
            countertransference=str(data.get("countertransference", "")),
            supervision=str(data.get("supervision", "")),
        )


@dataclass(frozen=True)
class ReadNote:
    """A note and its decrypted content, as its author reads it."""

    note: ProcessNote
    content: NoteContent


def clean_content(
    *, body: str, themes: Iterable[str], countertransference: str, supervision: str = ""
) -> NoteContent:
    """Validate what the therapist wrote; ``ValidationError`` with a message per problem."""
    body = (body or "").strip()
    countertransference = (countertransference or "").strip()
    supervision = (supervision or "").strip()
    chosen = set(themes or [])
    errors = []
    unknown = chosen - set(Transference.values)
    if unknown:
        errors.append("Choose transference themes from the list.")
    if not body and not supervision and not (chosen - unknown):
        errors.append(EMPTY_NOTE_MESSAGE)
    if len(body) > BODY_MAX:
        errors.append(f"The note is longer than {BODY_MAX:,} characters.")
    if len(countertransference) > COUNTERTRANSFERENCE_MAX:
        errors.append(
            f"The countertransference is longer than {COUNTERTRANSFERENCE_MAX:,} characters."
        )
    if len(supervision) > SUPERVISION_MAX:
        errors.append(f"What to take to supervision is longer than {SUPERVISION_MAX:,} characters.")
    if errors:
        raise ValidationError(errors)
    return NoteContent(
        body=body,
        themes=tuple(t for t in Transference.values if t in chosen),
        countertransference=countertransference,
        supervision=supervision,
    )


def write_note(
    *,
    author: User,
    session: Session,
    body: str,
    themes: Iterable[str],
    countertransference: str,
    supervision: str = "",
) -> ProcessNote:
    """Write the author's note on ``session`` (or replace what she wrote before).

    ``PermissionDenied`` unless she is the treating therapist of the session's episode;
    ``ValidationError`` for an empty note; ``NotesCryptoError`` if the keys are unusable.
    """
    episode = session.episode
    if not may_write_for(author, episode):
        raise PermissionDenied("Only the treating therapist writes process notes.")
    content = clean_content(
        body=body,
        themes=themes,
        countertransference=countertransference,
        supervision=supervision,
    )
    ciphertext = encrypt_json(content.to_json())
    with transaction.atomic():
        note = (
            ProcessNote.objects.select_for_update().filter(author=author, session=session).first()
        )
        if note is None:
            try:
                with transaction.atomic():
                    note = ProcessNote.objects.create(
                        episode=episode, session=session, author=author, ciphertext=ciphertext
                    )
            except IntegrityError:  # written at the same moment in another tab
                note = ProcessNote.objects.select_for_update().get(author=author, session=session)
            else:
                record(author, AuditAction.CREATE, note, episode)
                return note
        if not may_change_note(author, note):
            raise PermissionDenied("Only the author changes her process note.")
        note.ciphertext = ciphertext
        note.save(update_fields=["ciphertext", "updated_at"])
        record(author, AuditAction.UPDATE, note, episode)
    return note


def read_notes(*, reader: User, notes: list[ProcessNote]) -> list[NoteContent]:
    """``read_note`` for several notes: every one decrypted first, then the reads written to
    the audit trail in one go (``audit.services.record_reads``); if one cannot be opened,
    ``NotesCryptoError`` and nothing is audited."""
    for note in notes:
        if not may_view_note(reader, note):
            raise PermissionDenied
    contents = [NoteContent.from_json(decrypt_json(note.ciphertext)) for note in notes]
    by_episode: dict[int | None, list[ProcessNote]] = {}
    for note in notes:
        by_episode.setdefault(note.episode_id, []).append(note)
    for episode_id, read in by_episode.items():
        record_reads(reader, read, episode_id)
    return contents


def read_note(*, reader: User, note: ProcessNote) -> NoteContent:
    """Decrypt the note for its author and write the read to the audit trail.

    ``PermissionDenied`` for anyone else (superusers included); ``NotesCryptoError`` if no key
    opens it (nothing was read, so nothing is audited)."""
    if not may_view_note(reader, note):
        raise PermissionDenied
    content = NoteContent.from_json(decrypt_json(note.ciphertext))
    record(reader, AuditAction.READ, note, note.episode_id)
    return content
