"""Ending an episode (planned, early or transferred) and the client's exit feedback. Each
function validates its input and raises ``ValidationError`` with a message for the person at
the keyboard; each write is one transaction."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from attune.accounts.models import User
from attune.audit.models import AuditAction
from attune.audit.services import record as audit
from attune.care.exit_feedback_mail import send_exit_feedback_request
from attune.care.models import ENDING_STATUS, Attendance, Ending, EndingKind, Episode
from attune.care.submission import FormSubmission, submit_form
from attune.measures.models import Phase

log = logging.getLogger(__name__)

ENDING_NOTE_MAX = 500


def end_episode(
    *,
    episode: Episode,
    kind: str,
    ended_on: date,
    note: str,
    by: User,
    portal_url: str,
    request_exit_feedback: bool = True,
    now: datetime | None = None,
) -> tuple[Ending, bool]:
    """End the episode (planned, early or transferred) and ask the client, once, for exit
    feedback by a plain e-mail with a link to the portal (no clinical content).

    Ending an episode that has already ended changes nothing and sends nothing: it returns the
    ending recorded the first time and ``False``. Sessions still booked after now are cancelled.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    errors: dict[str, str] = {}
    if kind not in EndingKind.values:
        errors["kind"] = "Please choose how the therapy ended."
    if ended_on > today:
        errors["ended_on"] = "An ending is recorded on the day or afterwards, not in advance."
    elif ended_on < episode.started_on:
        errors["ended_on"] = (
            f"The ending can't be before the therapy started ({episode.started_on:%d %b %Y})."
        )
    note = note.replace("\x00", "").strip()
    if len(note) > ENDING_NOTE_MAX:
        errors["note"] = f"Please keep the note to {ENDING_NOTE_MAX} characters."
    with transaction.atomic():
        locked = (
            Episode.objects.select_for_update().select_related("client__user").get(pk=episode.pk)
        )
        existing = Ending.objects.filter(episode=locked).first()
        if existing is not None:
            return existing, False
        if not locked.is_active:
            raise ValidationError("This episode has already ended.")
        if errors:
            raise ValidationError(errors)
        locked.status = ENDING_STATUS[EndingKind(kind)]
        locked.ended_on = ended_on
        locked.save(update_fields=["status", "ended_on"])
        ending = Ending.objects.create(
            episode=locked,
            kind=kind,
            ended_on=ended_on,
            note=note,
            recorded_by=by,
            recorded_at=now,
            exit_requested_at=now if request_exit_feedback else None,
        )
        audit(by, AuditAction.UPDATE, locked, locked)
        audit(by, AuditAction.CREATE, ending, locked)
        locked.sessions.filter(attendance=Attendance.SCHEDULED, scheduled_at__gt=now).update(
            attendance=Attendance.CANCELLED
        )
        if request_exit_feedback:
            client = locked.client.user
            transaction.on_commit(lambda: send_exit_feedback_request(client, portal_url))
    episode.status, episode.ended_on = locked.status, locked.ended_on
    log.info("episode ended episode=%s kind=%s by=%s", episode.pk, kind, by.pk)
    return ending, True


def submit_exit_feedback(
    *,
    episode: Episode,
    respondent: User,
    answers: Mapping[str, Mapping[str, object]],
    idempotency_key: uuid.UUID,
    now: datetime | None = None,
) -> FormSubmission:
    """The client's exit feedback, stored once per episode: a second form — another tab, a
    retry — returns what was stored the first time (``care.submission.ONCE_PER_EPISODE``)."""
    if respondent.pk != episode.client.user_id:
        raise ValidationError("Only the client gives exit feedback.")
    return submit_form(
        episode=episode,
        session=None,
        respondent=respondent,
        phase=Phase.EXIT,
        answers=answers,
        idempotency_key=idempotency_key,
        now=now,
    )
