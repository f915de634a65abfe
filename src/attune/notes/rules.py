"""Who may read and change a private process note: its author, and nobody else — not the
client, not the supervisor, not a practice administrator, not a superuser.

Careful: ``user.has_perm(...)`` returns True for any active superuser before any backend is
asked (Django's ``PermissionsMixin``). Views and services therefore ask these rules directly
(``may_view_note`` / ``may_change_note``, i.e. ``rules.has_perm``), never ``user.has_perm``.
"""

from __future__ import annotations

import rules

from attune.accounts.models import Role, User
from attune.care.models import Episode
from attune.notes.models import ProcessNote


@rules.predicate
def is_note_author(user: User, note: ProcessNote | None) -> bool:
    return (
        note is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and note.author_id == user.pk
    )


@rules.predicate
def treats_episode(user: User, episode: Episode | None) -> bool:
    """Only the treating therapist writes process notes, and only for her own episode."""
    return (
        episode is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and user.role == Role.THERAPIST
        and episode.therapist_id == user.pk
    )


@rules.predicate
def treats_note_episode(user: User, note: ProcessNote | None) -> bool:
    return note is not None and treats_episode(user, note.episode)


# Reading: the author only. Changing: the author, while she still treats the episode.
rules.add_perm("notes.view_note", is_note_author)
rules.add_perm("notes.change_note", is_note_author & treats_note_episode)
rules.add_perm("notes.add_note", treats_episode)


def may_view_note(user: User, note: ProcessNote) -> bool:
    return rules.has_perm("notes.view_note", user, note)


def may_change_note(user: User, note: ProcessNote) -> bool:
    return rules.has_perm("notes.change_note", user, note)


def may_write_for(user: User, episode: Episode) -> bool:
    return rules.has_perm("notes.add_note", user, episode)
