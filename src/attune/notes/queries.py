"""Reads of private process notes: only ever the author's own."""

from __future__ import annotations

from django.db.models import F, QuerySet

from attune.accounts.models import User
from attune.care.models import Episode
from attune.notes.models import ProcessNote
from attune.notes.services import ReadNote, read_note


def _own_notes(author: User, episode: Episode) -> QuerySet[ProcessNote]:
    if not getattr(author, "is_authenticated", False):
        return ProcessNote.objects.none()
    return ProcessNote.objects.filter(author=author, episode=episode)


def note_session_numbers(author: User, episode: Episode) -> list[int]:
    """Numbers of the sessions of ``episode`` for which ``author`` wrote a private note.

    Which sessions have a note is not the note's content: nothing is decrypted or audited."""
    return list(
        _own_notes(author, episode)
        .filter(session__isnull=False)
        .order_by("session__number")
        .values_list("session__number", flat=True)
        .distinct()
    )


def notes_for(author: User, episode: Episode) -> list[ReadNote]:
    """The author's notes on ``episode``, decrypted, in session order. Every note returned is
    a read: each one writes an audit event. ``NotesCryptoError`` if a note cannot be opened."""
    notes = (
        _own_notes(author, episode)
        .select_related("session", "episode")
        .order_by(F("session__number").asc(nulls_last=True), "created_at", "pk")
    )
    return [ReadNote(note=note, content=read_note(reader=author, note=note)) for note in notes]
