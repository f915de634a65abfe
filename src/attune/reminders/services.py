"""Form links and reminders: plain functions with keyword arguments.

A link's token is 32 random bytes (``secrets.token_urlsafe``); only its SHA-256 is stored, so
finding a link means hashing what was presented and looking the hash up. A wrong, tampered or
made-up token matches nothing.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from attune import conf
from attune.accounts.models import User
from attune.care.form_windows import form_is_open, questionnaire_is_open
from attune.care.models import Attendance, Episode, EpisodeStatus, Session
from attune.care.questionnaire import submit_answers
from attune.care.submission import FormSubmission
from attune.measures.models import Response
from attune.practice.services import crisis_resources_for
from attune.reminders.models import (
    DeliveryKind,
    DeliveryStatus,
    FormLink,
    LinkPhase,
    ReminderDelivery,
)

log = logging.getLogger(__name__)

#: What a token looks like: ``token_urlsafe(32)`` gives 43 characters of [A-Za-z0-9_-].
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
#: A therapist's second click within this time does not send a second e-mail.
RESEND_PAUSE = timedelta(minutes=2)


def link_hours() -> int:
    return conf.link_hours()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def link_path(token: str) -> str:
    return reverse("reminders:form-link", args=[token])


def link_url(token: str) -> str:
    """The absolute address for an e-mail: ``ATTUNE_SITE_URL`` + ``/f/<token>/``."""
    return conf.site_url() + link_path(token)


def create_link(
    *,
    episode: Episode,
    phase: str,
    session: Session | None = None,
    now: datetime | None = None,
    hours: int | None = None,
) -> tuple[FormLink, str]:
    """A new link to one form of the episode's client. Returns the link and its token; the
    token exists only in the return value (and then in the e-mail)."""
    if phase not in LinkPhase.values:
        raise ValueError(f"No form link for phase {phase!r}.")
    if (phase == LinkPhase.EXIT) != (session is None):
        raise ValueError("The exit feedback belongs to the episode; every other form to a session.")
    if session is not None and session.episode_id != episode.pk:
        raise ValueError("The session belongs to another episode.")
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    link = FormLink.objects.create(
        client_id=episode.client.user_id,
        episode=episode,
        session=session,
        phase=phase,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + timedelta(hours=hours or link_hours()),
    )
    return link, token


def find_link(token: str) -> FormLink | None:
    """The link this token opens, or ``None`` (unknown, tampered or malformed)."""
    if not TOKEN_RE.match(token or ""):
        return None
    return (
        FormLink.objects.select_related(
            "client", "episode__client__practice", "episode__therapist", "session__episode"
        )
        .filter(token_hash=hash_token(token))
        .first()
    )


def form_completed(link_or_session: FormLink | Session, phase: str | None = None) -> bool:
    """Has the client already answered the form this link (or session and phase) opens?"""
    if isinstance(link_or_session, FormLink):
        link = link_or_session
        answered = Response.objects.filter(respondent_id=link.client_id, phase=link.phase)
        if link.session_id is not None:
            return answered.filter(session_id=link.session_id).exists()
        return answered.filter(episode_id=link.episode_id).exists()
    session = link_or_session
    return Response.objects.filter(
        session=session, phase=phase, respondent_id=session.episode.client.user_id
    ).exists()


# --------------------------------------------------------------------------- the link's form


def link_form_is_open(link: FormLink, now: datetime | None = None) -> bool:
    """Whether the form this link opens is open now (``care.form_windows``)."""
    return questionnaire_is_open(link.episode, link.session, link.phase, now or timezone.now())


def answered_with(link: FormLink, key: uuid.UUID | None) -> list[Response]:
    """The responses this link's form stored under this idempotency key (a double click)."""
    if key is None:
        return []
    same = Response.objects.filter(
        idempotency_key=key, respondent_id=link.client_id, phase=link.phase
    )
    if link.session_id is not None:
        same = same.filter(session_id=link.session_id)
    else:
        same = same.filter(episode_id=link.episode_id)
    return list(same.select_related("instrument_version__instrument"))


class LinkOutcome(StrEnum):
    STORED = "stored"  # the answers are stored (now, or by this key before): thank the client
    INVALID = "invalid"  # answers to look at again; nothing stored but a kept safety answer
    USED = "used"  # answered meanwhile, through another link or the portal
    CLOSED = "closed"  # the form closed meanwhile


@dataclass(frozen=True)
class LinkSubmission:
    """What submitting a form through its link came to: the outcome, the responses to thank
    for (``STORED``), or the submission with its errors (``INVALID``)."""

    outcome: LinkOutcome
    responses: list[Response] = field(default_factory=list)
    submission: FormSubmission | None = None


def submit_through_link(
    *, link: FormLink, answers: Mapping[str, Mapping[str, object]], idempotency_key: uuid.UUID
) -> LinkSubmission:
    """Submit the form a link opens, and spend the link with it.

    The link is locked first, so a second request (a double click, a retry) waits until the
    first has stored its answers; the link is marked used in the same transaction that stores
    them. A link used meanwhile, or a form answered meanwhile under another key (another link,
    the portal), stores nothing: ``USED``, unless these very answers were stored by this key
    (``STORED``, the same thank-you again)."""
    key = idempotency_key
    try:
        with transaction.atomic():
            locked = FormLink.objects.select_for_update().get(pk=link.pk)
            if locked.used_at is not None:
                result = None
            else:
                result = submit_answers(
                    episode=link.episode,
                    session=link.session,
                    respondent=link.client,
                    phase=link.phase,
                    answers=answers,
                    idempotency_key=key,
                )
                if result.ok:
                    locked.used_at = timezone.now()
                    locked.save(update_fields=["used_at"])
    except ValidationError:
        return LinkSubmission(LinkOutcome.CLOSED)
    if result is None or (
        result.already_stored and any(r.idempotency_key != key for r in result.responses)
    ):
        again = answered_with(link, key)
        if again:
            return LinkSubmission(LinkOutcome.STORED, responses=again)
        return LinkSubmission(LinkOutcome.USED)
    if result.ok:
        return LinkSubmission(LinkOutcome.STORED, responses=result.responses, submission=result)
    return LinkSubmission(LinkOutcome.INVALID, responses=result.responses, submission=result)


# --------------------------------------------------------------------------- e-mail


def _email(link: FormLink, token: str) -> EmailMultiAlternatives:
    """The reminder e-mail: the link, the appointment date, the practice and the crisis line.
    No clinical words, no scores, no therapist's notes."""
    episode = link.episode
    practice = episode.client.practice
    context = {
        "phase": link.phase,
        "url": link_url(token),
        "session": link.session,
        "practice_name": practice.name if practice else "",
        "crisis_resources": crisis_resources_for(practice),
        "expires_at": link.expires_at,
        "client_name": episode.client.display_name,
    }
    subject = render_to_string("reminders/email/subject.txt", context).strip()
    text = render_to_string("reminders/email/form_link.txt", context)
    html = render_to_string("reminders/email/form_link.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[link.client.email],
    )
    message.attach_alternative(html, "text/html")
    return message


def _send(delivery: ReminderDelivery, link: FormLink, token: str) -> ReminderDelivery:
    try:
        _email(link, token).send(fail_silently=False)
    except Exception as error:  # noqa: BLE001 - any backend failure is logged and kept
        delivery.status = DeliveryStatus.FAILED
        delivery.error_kind = type(error).__name__[:100]
        log.warning(
            "reminder failed delivery=%s session=%s phase=%s error=%s",
            delivery.pk,
            delivery.session_id,
            delivery.phase,
            delivery.error_kind,
        )
    else:
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = timezone.now()
        log.info(
            "reminder sent delivery=%s session=%s phase=%s kind=%s",
            delivery.pk,
            delivery.session_id,
            delivery.phase,
            delivery.kind,
        )
    delivery.save(update_fields=["status", "error_kind", "sent_at"])
    return delivery


# --------------------------------------------------------------------------- reminders


@dataclass(frozen=True)
class Due:
    """A form that should get an automatic reminder now."""

    session: Session
    phase: str


@dataclass
class ReminderRun:
    due: list[Due] = field(default_factory=list)
    sent: list[ReminderDelivery] = field(default_factory=list)
    failed: list[ReminderDelivery] = field(default_factory=list)
    skipped: int = 0


def due_reminders(now: datetime | None = None) -> list[Due]:
    """Forms to remind about now.

    - check-in: sessions still scheduled that start within ``ATTUNE_CHECK_IN_REMINDER_HOURS``
      (default 48) and whose check-in is not answered yet;
    - feedback: sessions recorded as attended that ended within the last
      ``ATTUNE_FEEDBACK_REMINDER_HOURS`` (default 48) without feedback.

    A form already reminded about (sent, or being sent) is not due again; one whose e-mails
    failed is due again until ``ATTUNE_REMINDER_MAX_ATTEMPTS`` (default 3) attempts failed.
    """
    now = now or timezone.now()
    before = conf.check_in_reminder_hours()
    after = conf.feedback_reminder_hours()
    max_attempts = conf.reminder_max_attempts()

    base = Session.objects.filter(
        episode__status=EpisodeStatus.ACTIVE,
        episode__client__user__is_active=True,
    ).select_related("episode__client__user", "episode__client__practice")
    check_ins = base.filter(
        attendance=Attendance.SCHEDULED, scheduled_at__gt=now, scheduled_at__lte=now + before
    )
    # Sessions are a few hours at most: the day before the window covers any that ended in it.
    feedbacks = [
        s
        for s in base.filter(
            attendance=Attendance.ATTENDED,
            scheduled_at__gte=now - after - timedelta(days=1),
            scheduled_at__lte=now,
        )
        if now - after <= s.scheduled_at + timedelta(minutes=s.duration_minutes) <= now
    ]
    candidates = [Due(s, LinkPhase.CHECK_IN) for s in check_ins] + [
        Due(s, LinkPhase.FEEDBACK) for s in feedbacks
    ]
    if not candidates:
        return []
    ids = {d.session.pk for d in candidates}
    answered = set(
        Response.objects.filter(
            session_id__in=ids, phase__in=[LinkPhase.CHECK_IN, LinkPhase.FEEDBACK]
        )
        .filter(respondent_id=F("session__episode__client__user_id"))
        .values_list("session_id", "phase")
    )
    deliveries = {
        (row["session_id"], row["phase"]): row
        for row in ReminderDelivery.objects.filter(session_id__in=ids, kind=DeliveryKind.REMINDER)
        .values("session_id", "phase")
        .annotate(
            live=Count("pk", filter=~Q(status=DeliveryStatus.FAILED)),
            failed=Count("pk", filter=Q(status=DeliveryStatus.FAILED)),
        )
    }
    due = []
    for candidate in candidates:
        key = (candidate.session.pk, candidate.phase)
        if key in answered:
            continue
        row = deliveries.get(key)
        if row and (row["live"] or row["failed"] >= max_attempts):
            continue
        if not candidate.session.episode.client.user.email:
            continue
        if form_is_open(candidate.session, candidate.phase, now):
            due.append(candidate)
    return due


def send_reminders(*, now: datetime | None = None, dry_run: bool = False) -> ReminderRun:
    """Send the reminders that are due. Safe to run again at any time (cron): a reminder is
    claimed in the database before its e-mail goes out, so it goes out once."""
    now = now or timezone.now()
    run = ReminderRun(due=due_reminders(now))
    if dry_run:
        return run
    for item in run.due:
        claimed = _claim(item.session, item.phase, now)
        if claimed is None:
            run.skipped += 1
            continue
        delivery, link, token = claimed
        _send(delivery, link, token)
        (run.sent if delivery.status == DeliveryStatus.SENT else run.failed).append(delivery)
    return run


def _claim(
    session: Session, phase: str, now: datetime
) -> tuple[ReminderDelivery, FormLink, str] | None:
    """Create the link and a pending delivery, or nothing if another run claimed it first."""
    try:
        with transaction.atomic():
            link, token = create_link(
                episode=session.episode, session=session, phase=phase, now=now
            )
            delivery = ReminderDelivery.objects.create(
                link=link,
                episode=session.episode,
                session=session,
                phase=phase,
                kind=DeliveryKind.REMINDER,
                to_address=session.episode.client.user.email,
                created_at=now,
            )
    except IntegrityError:
        return None
    return delivery, link, token


class ResendRefused(Exception):
    """Why a form link cannot be sent again, in words for the therapist."""


def resend(
    *, delivery: ReminderDelivery, by: User, now: datetime | None = None
) -> ReminderDelivery:
    """Send a new link to the same form (the therapist's action). The earlier links stay valid
    until they expire; whichever is used first completes the form and the others then say so."""
    now = now or timezone.now()
    link = delivery.link
    episode = delivery.episode
    if form_completed(link):
        raise ResendRefused("The form is already completed.")
    session = delivery.session
    if not questionnaire_is_open(episode, session, delivery.phase, now):
        raise ResendRefused("The form is no longer open.")
    recent = ReminderDelivery.objects.filter(
        episode=episode,
        session=session,
        phase=delivery.phase,
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENT],
        created_at__gt=now - RESEND_PAUSE,
    )
    if recent.exists():
        raise ResendRefused("A link was sent moments ago; please wait a minute before resending.")
    client_user = episode.client.user
    if not client_user.email:
        raise ResendRefused("The client has no e-mail address.")
    with transaction.atomic():
        new_link, token = create_link(
            episode=episode, session=session, phase=delivery.phase, now=now
        )
        again = ReminderDelivery.objects.create(
            link=new_link,
            episode=episode,
            session=session,
            phase=delivery.phase,
            kind=DeliveryKind.RESEND,
            to_address=client_user.email,
            created_at=now,
            requested_by=by,
        )
    return _send(again, new_link, token)


def latest_deliveries(
    pairs: Iterable[tuple[int, str]],
) -> dict[tuple[int, str], ReminderDelivery]:
    """The newest delivery for each (session id, phase), in one query."""
    pairs = list(pairs)
    if not pairs:
        return {}
    session_ids = {s for s, _ in pairs}
    latest: dict[tuple[int, str], ReminderDelivery] = {}
    for delivery in ReminderDelivery.objects.filter(session_id__in=session_ids).order_by(
        "created_at", "pk"
    ):
        assert delivery.session_id is not None  # filtered on session_id__in above
        latest[(delivery.session_id, delivery.phase)] = delivery
    return latest


def send_now(
    *, session: Session, phase: str, by: User, now: datetime | None = None
) -> ReminderDelivery:
    """Send the reminder of a form that has had none yet, now, at the therapist's request.

    It is the automatic reminder sent early (claimed the same way, so ``attune
    send-reminders`` will not send a second one); once one exists, "Send again" (``resend``)
    is the way."""
    now = now or timezone.now()
    if phase not in (LinkPhase.CHECK_IN, LinkPhase.FEEDBACK):
        raise ResendRefused("Only check-ins and session feedback are sent from here.")
    if form_completed(session, phase):
        raise ResendRefused("The form is already completed.")
    if not form_is_open(session, phase, now):
        raise ResendRefused("The form is not open at the moment, so no link was sent.")
    if ReminderDelivery.objects.filter(session=session, phase=phase).exists():
        raise ResendRefused(
            'A reminder was already sent for this form; use "Send again" to send a new link.'
        )
    if not session.episode.client.user.email:
        raise ResendRefused("The client has no e-mail address.")
    claimed = _claim(session, phase, now)
    if claimed is None:
        raise ResendRefused("A reminder is being sent for this form already.")
    delivery, link, token = claimed
    delivery.requested_by = by
    delivery.save(update_fields=["requested_by"])
    return _send(delivery, link, token)
