"""What a client writes in the portal: the feedback composer, goal ratings and the request for
an ending conversation. Plain typed functions; the views only translate forms into these calls.

Every function validates its input and raises ``ValidationError`` with a message for the person
at the keyboard. Nothing here runs the clinical engine: a message is the client's words to
their therapist, not a measurement (sharing one re-evaluates nothing).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from attune.accounts.models import User
from attune.audit.models import AuditAction
from attune.audit.services import record as audit
from attune.care.models import Episode, Goal, GoalRating
from attune.clientportal.models import EndingRequest, FeedbackMessage, Intent
from attune.portal.queries import therapist_can_read

log = logging.getLogger(__name__)

TEXT_MAX = 5_000
REASON_MAX = 2_000
#: The same rating of the same goal again within this time is a double click, not a new rating.
RATING_REPEAT_WINDOW = timedelta(minutes=2)

#: Sentence starters the composer offers (the first is the guide: when … I felt … what would
#: help is …). Inserting one never sends anything.
STARTERS = (
    "When …, I felt …. What would help is …",
    "I didn't say it at the time, but …",
    "Something I found hard in our last session was …",
    "I felt misunderstood when …",
    "I'm not sure this is working for me, because …",
    "I would like us to spend more time on …",
    "Something that really helped me was …",
)


def clean_text(text: str) -> str:
    return text.replace("\x00", "").replace("\r\n", "\n").strip()


def _check_message(text: str, intent: str) -> dict[str, str]:
    errors = {}
    if not text:
        errors["text"] = "Please write something first — a few words are enough."
    elif len(text) > TEXT_MAX:
        errors["text"] = (
            f"Your message is {len(text)} characters long; please keep it to {TEXT_MAX}. "
            "Everything you wrote is still here."
        )
    if intent not in Intent.values:
        errors["intent"] = "Please choose what should happen with your message."
    return errors


def compose(
    *,
    by: User,
    episode: Episode,
    text: str,
    intent: str,
    share_at_session: bool,
    idempotency_key: uuid.UUID,
    now: datetime | None = None,
) -> FeedbackMessage:
    """Store a new message. The same key again (a double click, a retry) returns the message
    stored the first time."""
    now = now or timezone.now()
    if episode.client.user_id != by.pk:
        raise ValidationError("Only the client writes messages about their own therapy.")
    earlier = FeedbackMessage.objects.filter(idempotency_key=idempotency_key).first()
    if earlier is not None:
        if earlier.client.user_id != by.pk:
            raise ValidationError("We couldn't read part of the form. Please send it again.")
        return earlier
    text = clean_text(text)
    errors = _check_message(text, intent)
    if errors:
        raise ValidationError(errors)
    if not episode.is_active:
        raise ValidationError("Your therapy has ended, so messages can't be sent any more.")
    try:
        with transaction.atomic():
            message = FeedbackMessage.objects.create(
                client=episode.client,
                episode=episode,
                text=text,
                intent=intent,
                share_at_session=share_at_session and intent == Intent.NEXT_SESSION,
                created_at=now,
                updated_at=now,
                shared_at=now if intent == Intent.SHARE_NOW else None,
                idempotency_key=idempotency_key,
            )
            audit(by, AuditAction.CREATE, message, episode)
    except IntegrityError:
        earlier = FeedbackMessage.objects.filter(idempotency_key=idempotency_key).first()
        if earlier is None:
            raise
        return earlier
    log.info("feedback message stored message=%s episode=%s", message.pk, episode.pk)
    return message


def update_message(
    *,
    message: FeedbackMessage,
    by: User,
    text: str,
    intent: str,
    share_at_session: bool,
    now: datetime | None = None,
) -> FeedbackMessage:
    """Change the words or the choice of a message the therapist cannot read yet."""
    now = now or timezone.now()
    if message.client.user_id != by.pk:
        raise ValidationError("Only the client changes their own messages.")
    if therapist_can_read(message, list(message.episode.sessions.all()), now):
        raise ValidationError(
            "Your therapist can already read this message, so it stays as it is. You can "
            "always write a new one."
        )
    text = clean_text(text)
    errors = _check_message(text, intent)
    if errors:
        raise ValidationError(errors)
    message.text = text
    message.intent = intent
    message.share_at_session = share_at_session and intent == Intent.NEXT_SESSION
    message.updated_at = now
    message.shared_at = now if intent == Intent.SHARE_NOW else None
    with transaction.atomic():
        message.save()
        audit(by, AuditAction.UPDATE, message, message.episode_id)
    log.info("feedback message changed message=%s intent=%s", message.pk, intent)
    return message


def delete_message(*, message: FeedbackMessage, by: User, now: datetime | None = None) -> None:
    """Delete a message the therapist cannot read (a draft, or one kept for the next session)."""
    now = now or timezone.now()
    if message.client.user_id != by.pk:
        raise ValidationError("Only the client deletes their own messages.")
    if therapist_can_read(message, list(message.episode.sessions.all()), now):
        raise ValidationError("Your therapist can already read this message, so it stays.")
    with transaction.atomic():
        audit(by, AuditAction.DELETE, message, message.episode_id)
        message.delete()


# --------------------------------------------------------------------------- goals


def rate_goal(*, goal: Goal, by: User, rating: str, now: datetime | None = None) -> GoalRating:
    """The client's own 0–10 rating of a goal. The same rating again within a couple of
    minutes (a double click) returns the one stored first."""
    now = now or timezone.now()
    if goal.episode.client.user_id != by.pk:
        raise ValidationError("Only the client rates their own goals.")
    try:
        value = int(str(rating).strip())
    except ValueError:
        value = -1
    if not 0 <= value <= 10:
        raise ValidationError({"rating": "Please choose a number from 0 to 10."})
    earlier = (
        GoalRating.objects.filter(goal=goal, rating=value, rated_at__gte=now - RATING_REPEAT_WINDOW)
        .order_by("-rated_at")
        .first()
    )
    if earlier is not None:
        return earlier
    with transaction.atomic():
        stored = GoalRating.objects.create(goal=goal, rating=value, rated_at=now)
        audit(by, AuditAction.CREATE, stored, goal.episode_id)
    log.info("goal rated goal=%s episode=%s", goal.pk, goal.episode_id)
    return stored


# --------------------------------------------------------------------------- endings


def request_ending(
    *, episode: Episode, by: User, reason: str, now: datetime | None = None
) -> EndingRequest:
    """Ask for an ending conversation. Asking twice returns the open request."""
    now = now or timezone.now()
    if episode.client.user_id != by.pk:
        raise ValidationError("Only the client asks for an ending conversation.")
    if not episode.is_active:
        raise ValidationError("This therapy has already ended.")
    reason = clean_text(reason)
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {
                "reason": f"Please keep this to {REASON_MAX} characters (you wrote {len(reason)}). "
                "Everything you wrote is still here."
            }
        )
    existing = EndingRequest.objects.filter(episode=episode, withdrawn_at__isnull=True).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            request = EndingRequest.objects.create(
                client=episode.client, episode=episode, reason=reason, requested_at=now
            )
            audit(by, AuditAction.CREATE, request, episode)
    except IntegrityError:
        existing = EndingRequest.objects.filter(episode=episode, withdrawn_at__isnull=True).first()
        if existing is None:
            raise
        return existing
    log.info("ending conversation requested episode=%s", episode.pk)
    return request


def withdraw_ending_request(
    *, request: EndingRequest, by: User, now: datetime | None = None
) -> EndingRequest:
    now = now or timezone.now()
    if request.client.user_id != by.pk:
        raise ValidationError("Only the client withdraws their own request.")
    if request.withdrawn_at is None:
        request.withdrawn_at = now
        with transaction.atomic():
            request.save(update_fields=["withdrawn_at"])
            audit(by, AuditAction.UPDATE, request, request.episode_id)
    return request
