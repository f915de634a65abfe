"""Writing a supervision note and marking it read or done. Each step checks who may do it and
writes one audit event (ids only, never the text)."""

from __future__ import annotations

import logging
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from attune.accounts.models import User
from attune.audit.services import record
from attune.care.models import Episode
from attune.supervision.models import SupervisionNote
from attune.supervision.rules import may_mark, may_write

log = logging.getLogger(__name__)

#: What the treating therapist can mark a note as.
MARKS = ("read", "done")

#: Long enough for a supervision hour's notes on one client; a paste of a whole file is refused.
TEXT_MAX = 5000


@transaction.atomic
def write_note(
    *,
    author: User,
    episode: Episode,
    discussion: str,
    recommendation: str = "",
    follow_up_by: date | None = None,
    now: datetime | None = None,
) -> SupervisionNote:
    """The supervisor's note on the episode's trail: only a supervisor of its therapist."""
    if not may_write(author, episode):
        raise PermissionDenied
    discussion, recommendation = discussion.strip(), recommendation.strip()
    if not discussion:
        raise ValidationError("Write what was discussed.")
    if len(discussion) > TEXT_MAX or len(recommendation) > TEXT_MAX:
        raise ValidationError(f"Keep each field under {TEXT_MAX} characters.")
    note = SupervisionNote.objects.create(
        episode=episode,
        author=author,
        created_at=now or timezone.now(),
        discussion=discussion,
        recommendation=recommendation,
        follow_up_by=follow_up_by,
    )
    record(author, "create", note, episode=episode)
    log.info("supervision note %s written on episode %s", note.pk, episode.pk)
    return note


@transaction.atomic
def mark_note(
    *, therapist: User, note: SupervisionNote, mark: str, now: datetime | None = None
) -> SupervisionNote:
    """The treating therapist marks a note read, or done (which is also read). Marking again
    keeps the first time: the trail says when it was first read."""
    if mark not in MARKS:
        raise ValidationError("Mark a note as read or as done.")
    if not may_mark(therapist, note.episode):
        raise PermissionDenied
    now = now or timezone.now()
    changed = []
    if note.read_at is None:
        note.read_at = now
        changed.append("read_at")
    if mark == "done" and note.done_at is None:
        note.done_at = now
        changed.append("done_at")
    if changed:
        note.save(update_fields=changed)
        record(therapist, "update", note, episode=note.episode_id, detail=f"marked={mark}")
    return note
