"""Writing and reading private process notes.

Only the treating therapist writes a note, for a session of her own episode; only its author
reads it. Every read decrypts the note and writes an audit event (who, which note, when);
every write is audited too. Nothing here logs content.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, QuerySet

from attune.accounts.models import User
from attune.audit.models import AuditAction
from attune.audit.services import record, record_reads
from attune.care.models import Attendance, Episode, Session
from attune.crypto import NotesCryptoError, decrypt_json, encrypt_json
from attune.notes.models import ProcessNote, Transference
from attune.notes.rules import may_change_note, may_view_note, may_write_for

log = logging.getLogger(__name__)

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


def read_notes(
    *, reader: User, notes: list[ProcessNote], also_read: Sequence[models.Model] = ()
) -> list[NoteContent]:
    """``read_note`` for several notes: every one decrypted first, then the reads written to
    the audit trail in one INSERT (``audit.services.record_reads``), with ``also_read`` — the
    other records the same page read (the episode page's episode) — so that a page read costs
    one write; if a note cannot be opened, ``NotesCryptoError`` and nothing is audited."""
    for note in notes:
        if not may_view_note(reader, note):
            raise PermissionDenied
    contents = [NoteContent.from_json(decrypt_json(note.ciphertext)) for note in notes]
    record_reads(reader, [*also_read, *notes])
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


def own_notes_in_order(author: User, episode: Episode) -> QuerySet[ProcessNote]:
    """The author's notes on ``episode`` (nobody else's, ever), in session order; the notes
    of no session last, oldest first. Read only: nothing is decrypted or audited."""
    if not getattr(author, "is_authenticated", False):
        return ProcessNote.objects.none()
    return ProcessNote.objects.filter(author=author, episode=episode).order_by(
        F("session__number").asc(nulls_last=True), "created_at", "pk"
    )


@dataclass(frozen=True)
class EpisodeNotes:
    """The reader's own notes on an episode as its page shows them, already decrypted and
    their reads audited (``episode_notes``)."""

    #: Decrypted, in session order; empty when ``error``.
    notes: list[ReadNote]
    #: Numbers of the sessions with a note of the reader: markers on the session list and
    #: the charts. Which sessions have a note is not its content: known even when ``error``.
    session_numbers: list[int]
    #: The treating therapist's attended sessions without a note yet (else empty).
    writable: list[Session]
    can_write: bool
    #: Why the notes cannot be opened (keys missing or wrong), else "".
    error: str = ""

    @property
    def show(self) -> bool:
        """Anyone who neither writes notes here nor has any sees no section at all."""
        return self.can_write or bool(self.notes) or bool(self.error)


def episode_notes(
    *,
    reader: User,
    episode: Episode,
    sessions: Collection[Session],
    also_read: Sequence[models.Model] = (),
) -> EpisodeNotes:
    """The reader's own notes on ``episode`` for its page: one query, every note decrypted and
    each read written to the audit trail at once, with ``also_read`` (``read_notes``).
    ``sessions`` are the episode's sessions the page loaded: the notes point at them rather
    than read them again.

    Keys missing or wrong: no note is opened and none is audited (``also_read`` still is);
    ``error`` says why (the page shows it, never a 500) and the log names the kind of error,
    never a key or content.
    """
    by_pk = {s.pk: s for s in sessions}
    found = list(own_notes_in_order(reader, episode))
    session_field, episode_field = ProcessNote.session.field, ProcessNote.episode.field
    for note in found:
        episode_field.set_cached_value(note, episode)
        if note.session_id in by_pk:
            session_field.set_cached_value(note, by_pk[note.session_id])
    # A null foreign key reads as None without a query, as session_id did.
    numbers = sorted({note.session.number for note in found if note.session is not None})
    can_write = may_write_for(reader, episode)
    error = ""
    try:
        read = [
            ReadNote(note=note, content=content)
            for note, content in zip(
                found, read_notes(reader=reader, notes=found, also_read=also_read), strict=True
            )
        ]
    except NotesCryptoError as exc:
        log.error("private notes unavailable for user %s: %s", reader.pk, type(exc).__name__)
        read, error = [], str(exc)
        record_reads(reader, also_read)
    noted = {note.session_id for note in found}
    writable = (
        [s for s in sessions if s.pk not in noted and s.attendance == Attendance.ATTENDED]
        if can_write
        else []
    )
    return EpisodeNotes(read, numbers, writable, can_write, error)
