"""Sessions: record how one went, book the next one. Plain typed functions with keyword
arguments; each validates its input and raises ``ValidationError`` with a message for the person
at the keyboard, and each write is one transaction."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from attune.accounts.models import User
from attune.audit.models import AuditAction
from attune.audit.services import record as audit
from attune.care.events import episode_written
from attune.care.models import Attendance, Episode, Session
from attune.practice.models import Modality

log = logging.getLogger(__name__)

#: Attendance that can only be recorded once the session's time has come.
HAPPENED = frozenset({Attendance.ATTENDED, Attendance.NO_SHOW})
DURATION_MINUTES = (10, 240)
PROGRESS_NOTE_MAX = 10_000


def record_session(
    *,
    session: Session,
    attendance: str,
    modalities: Iterable[Modality],
    progress_note: str,
    by: User,
    now: datetime | None = None,
) -> Session:
    """Record attendance, the modalities used and the progress note; re-evaluate the episode so
    that dropout risk and the other signals see the new attendance at once."""
    now = now or timezone.now()
    if attendance not in Attendance.values:
        raise ValidationError({"attendance": "Please choose how the session went."})
    if attendance in HAPPENED and session.scheduled_at > now:
        raise ValidationError(
            {
                "attendance": "This session is on "
                f"{timezone.localtime(session.scheduled_at):%d %b %Y at %H:%M}: record whether "
                "it was attended once its time has come."
            }
        )
    note = progress_note.replace("\x00", "").strip()
    if len(note) > PROGRESS_NOTE_MAX:
        raise ValidationError(
            {"progress_note": f"Please keep the progress note to {PROGRESS_NOTE_MAX} characters."}
        )
    with transaction.atomic():
        session.attendance = attendance
        session.progress_note = note
        session.save(update_fields=["attendance", "progress_note"])
        session.modalities.set(list(modalities))
        audit(by, AuditAction.UPDATE, session, session.episode_id)
    log.info("session recorded episode=%s session=%s by=%s", session.episode_id, session.pk, by.pk)
    episode_written.send(sender=Session, episode=session.episode)  # alerts re-evaluates
    return session


def schedule_session(
    *,
    episode: Episode,
    scheduled_at: datetime,
    duration_minutes: int,
    by: User,
) -> Session:
    """Book the next session. Sending the same booking twice returns the session booked the
    first time."""
    if not episode.is_active:
        raise ValidationError("This episode has ended, so no new session can be booked.")
    low, high = DURATION_MINUTES
    if not low <= duration_minutes <= high:
        raise ValidationError(
            {"duration_minutes": f"Please give a duration between {low} and {high} minutes."}
        )
    if timezone.localtime(scheduled_at).date() < episode.started_on:
        started = f"{episode.started_on:%d %b %Y}"
        raise ValidationError(
            {"scheduled_date": f"The session can't be before the episode started ({started})."}
        )
    try:
        with transaction.atomic():
            same = episode.sessions.filter(scheduled_at=scheduled_at).first()
            if same is not None:
                return same
            last = episode.sessions.select_for_update().order_by("-number").first()
            if last is not None and scheduled_at <= last.scheduled_at:
                raise ValidationError(
                    {
                        "scheduled_date": f"The next session must come after session "
                        f"{last.number} "
                        f"({timezone.localtime(last.scheduled_at):%d %b %Y, %H:%M})."
                    }
                )
            session = Session.objects.create(
                episode=episode,
                number=(last.number if last else 0) + 1,
                scheduled_at=scheduled_at,
                duration_minutes=duration_minutes,
                attendance=Attendance.SCHEDULED,
            )
            audit(by, AuditAction.CREATE, session, episode)
    except IntegrityError as error:
        raise ValidationError(
            "Another session was booked at the same moment. Please check the list and try again."
        ) from error
    log.info("session scheduled episode=%s session=%s by=%s", episode.pk, session.pk, by.pk)
    return session
