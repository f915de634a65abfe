"""What the treating therapist does to an episode: record a session, schedule the next one, answer
the fit check-in, refer to a colleague, end the therapy. Plain typed functions; the views only
translate forms into these calls.

Every function validates its input and raises ``ValidationError`` with a message for the person
at the keyboard; nothing is half-stored (each write is one transaction).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from attune.accounts.models import Role, User
from attune.alerts.evaluation import reevaluate_after_write
from attune.audit.models import AuditAction
from attune.audit.services import record as audit
from attune.care import referral as referral_mail
from attune.care.models import (
    ENDING_STATUS,
    Attendance,
    Ending,
    EndingKind,
    Episode,
    Referral,
    Session,
)
from attune.care.queries import fit_session
from attune.measures.models import Phase
from attune.measures.services import FormSubmission, submit_form
from attune.notifications import outbox
from attune.practice.models import Modality, TherapistProfile

log = logging.getLogger(__name__)

#: Attendance that can only be recorded once the session's time has come.
HAPPENED = frozenset({Attendance.ATTENDED, Attendance.NO_SHOW})
DURATION_MINUTES = (10, 240)
PROGRESS_NOTE_MAX = 10_000
ENDING_NOTE_MAX = 500
CONSENT_NOTE_MAX = 2_000


# --------------------------------------------------------------------------- sessions


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
    reevaluate_after_write(session.episode)
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


# --------------------------------------------------------------------------- fit check-in


def submit_once(
    *,
    episode: Episode,
    session: Session | None,
    respondent: User,
    phase: str,
    answers: Mapping[str, Mapping[str, object]],
    idempotency_key: uuid.UUID,
    now: datetime | None = None,
) -> FormSubmission:
    """Store a form that is asked once per episode and person (the fit check-in, the exit
    feedback) through the one submission flow: a second form — another tab, a retry — returns
    what was stored the first time (``measures.services.ONCE_PER_EPISODE``)."""
    return submit_form(
        episode=episode,
        session=session,
        respondent=respondent,
        phase=phase,
        answers=answers,
        idempotency_key=idempotency_key,
        now=now,
    )


def submit_fit_check(
    *,
    episode: Episode,
    session: Session,
    respondent: User,
    answers: Mapping[str, Mapping[str, object]],
    idempotency_key: uuid.UUID,
    now: datetime | None = None,
) -> FormSubmission:
    """Store the client's or the therapist's fit check-in. Storing re-evaluates the episode
    (``submit_form`` → ``reevaluate_after_write``): the engine's one fit rule
    (``attune.engine.fit``) reads both answers with the session feedback and opens or updates
    the one fit alert (key ``fit_check``) when the fit is worth talking about."""
    if respondent.pk not in (episode.client.user_id, episode.therapist_id):
        raise ValidationError("Only the client and the treating therapist answer the fit check-in.")
    fit = fit_session(episode)
    if fit is None or fit.pk != session.pk:
        raise ValidationError("The fit check-in belongs to the session it was asked after.")
    return submit_once(
        episode=episode,
        session=session,
        respondent=respondent,
        phase=Phase.FIT_CHECK,
        answers=answers,
        idempotency_key=idempotency_key,
        now=now,
    )


# --------------------------------------------------------------------------- endings


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


def send_exit_feedback_request(client: User, portal_url: str) -> None:
    """A plain notification: no clinical content, no names of therapists, only a link."""
    practice = client.practice.name if client.practice_id else "your practice"
    message = (
        f"Hello {client.first_name or 'there'},\n\n"
        "A short form is waiting for you in Attune. It takes a few minutes, and your answers "
        "help your practice learn.\n\n"
        f"Sign in to see it: {portal_url}\n\n"
        "This message was sent automatically; please don't reply with personal details.\n\n"
        f"{practice}\n"
    )
    # The outbox keeps it if the mail server is down; the form also waits in the portal.
    outbox.send([client.email], "A short form is waiting for you", message)


def submit_exit_feedback(
    *,
    episode: Episode,
    respondent: User,
    answers: Mapping[str, Mapping[str, object]],
    idempotency_key: uuid.UUID,
    now: datetime | None = None,
) -> FormSubmission:
    """The client's exit feedback, stored once per episode."""
    if respondent.pk != episode.client.user_id:
        raise ValidationError("Only the client gives exit feedback.")
    return submit_once(
        episode=episode,
        session=None,
        respondent=respondent,
        phase=Phase.EXIT,
        answers=answers,
        idempotency_key=idempotency_key,
        now=now,
    )


# --------------------------------------------------------------------------- warm referral


def refer(
    *,
    episode: Episode,
    to_therapist: User,
    consent_given: bool,
    consent_on: date,
    consent_note: str,
    by: User,
    portal_url: str,
    handover_email: bool = False,
    base_url: str = "",
    now: datetime | None = None,
) -> tuple[Referral, bool]:
    """A warm referral to a colleague of the same practice who accepts new clients, with the
    client's consent.

    Starts a new episode with the colleague (``referred_from`` set, the problem areas carried
    over), ends this one as transferred (which asks the client for exit feedback), and records
    the referral. Once it is stored, the colleague gets a notification with a sign-in link to
    the new episode (``base_url`` is the site's root) and — only with ``handover_email``, the
    client's agreement to it — the client an e-mail naming the colleague
    (:mod:`attune.care.referral`). Sending it twice returns the referral made the first time
    and ``False``, and sends nothing again.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    errors: dict[str, str] = {}
    if not consent_given:
        errors["consent"] = (
            "Please record the client's consent: a warm referral is made with the client, "
            "not for them."
        )
    if consent_on > today:
        errors["consent_on"] = "The consent date can't be in the future."
    elif consent_on < episode.started_on:
        errors["consent_on"] = (
            f"The consent date can't be before the therapy started ({episode.started_on:%d %b %Y})."
        )
    if (
        to_therapist.role != Role.THERAPIST
        or not to_therapist.is_active
        or to_therapist.pk == episode.therapist_id
        or to_therapist.practice_id != episode.client.practice_id
    ):
        errors["to_therapist"] = "Please choose a colleague from this practice."
    elif not TherapistProfile.objects.filter(
        user=to_therapist, accepting_new_clients=True
    ).exists():
        errors["to_therapist"] = (
            f"{to_therapist.display_name} is not accepting new clients at the moment. "
            "Please choose a colleague who is, or speak with her first."
        )
    consent_note = consent_note.replace("\x00", "").strip()
    if len(consent_note) > CONSENT_NOTE_MAX:
        errors["consent_note"] = f"Please keep the note to {CONSENT_NOTE_MAX} characters."
    with transaction.atomic():
        locked = Episode.objects.select_for_update().select_related("client").get(pk=episode.pk)
        existing = Referral.objects.filter(from_episode=locked).first()
        if existing is not None:
            return existing, False
        if not locked.is_active:
            raise ValidationError("This episode has already ended, so it can't be referred.")
        if errors:
            raise ValidationError(errors)
        new = Episode.objects.create(
            client=locked.client,
            therapist=to_therapist,
            started_on=today,
            referred_from=locked,
        )
        new.problem_areas.set(locked.problem_areas.all())
        referral = Referral.objects.create(
            from_episode=locked,
            to_episode=new,
            to_therapist=to_therapist,
            consent_recorded_at=consent_on,
            consent_note=consent_note,
            handover_email_consent=handover_email,
            created_by=by,
        )
        audit(by, AuditAction.CREATE, new, new)
        audit(by, AuditAction.CREATE, referral, locked)
        end_episode(
            episode=locked,
            kind=EndingKind.TRANSFERRED,
            ended_on=max(today, locked.started_on),
            note=f"Warm referral to {to_therapist.display_name}.",
            by=by,
            portal_url=portal_url,
            now=now,
        )
        # After the commit: an e-mail is never sent for a referral that was rolled back.
        transaction.on_commit(lambda: referral_mail.tell_colleague(referral, base_url))
        if handover_email:
            transaction.on_commit(lambda: referral_mail.tell_client(referral, portal_url))
    episode.status, episode.ended_on = locked.status, locked.ended_on
    log.info(
        "referral made from=%s to=%s therapist=%s by=%s",
        locked.pk,
        new.pk,
        to_therapist.pk,
        by.pk,
    )
    return referral, True
