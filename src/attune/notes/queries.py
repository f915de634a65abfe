"""Reads of private process notes: only ever the author's own."""

from __future__ import annotations

from attune.accounts.models import User
from attune.care.models import Episode


def note_session_numbers(author: User, episode: Episode) -> list[int]:
    """Numbers of the sessions of ``episode`` for which ``author`` wrote a private note."""
    return []
