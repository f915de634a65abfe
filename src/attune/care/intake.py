"""Adding a client to the practice: an invitation by e-mail, a new episode for a client who
comes back, and sending an invitation again when its link has expired.

Nobody sets a password for someone else: the client chooses one through the one-time link of
``attune.practice.invitations``. The e-mail names the practice, the therapist and the time of
the first session — never a problem area or anything else clinical. Each function is one
transaction with its audit events; the e-mail leaves through the outbox once it is committed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from attune import outbox
from attune.accounts.models import Role, User
from attune.audit.models import AuditAction
from attune.audit.services import record as audit
from attune.care.models import Attendance, Client, Episode, EpisodeStatus, Session
from attune.practice.invitations import client_account, invitation_link
from attune.practice.models import Practice, ProblemArea

log = logging.getLogger(__name__)

NAME_MAX = 150
#: A first session booked through an invitation lasts this long unless it is changed later.
FIRST_SESSION_MINUTES = 50

ACTIVE_EPISODE = (
    "This person already has an active therapy in the practice, so no new one was started. "
    "If they should change therapist, their therapist can refer them from the episode page."
)


@dataclass(frozen=True)
class Invitation:
    client: Client
    episode: Episode
    session: Session | None
    #: Whether the e-mail carried a set-a-password link (a new client, or one who never signed
    #: in) rather than a plain "sign in to see your check-in" notice.
    with_link: bool


def _check_therapist(therapist: User, by: User) -> None:
    """A therapist adds clients to her own caseload; the practice administrator to any active
    therapist of her practice."""
    if therapist.role != Role.THERAPIST or not therapist.is_active or not therapist.practice_id:
        raise ValidationError({"therapist": "Please choose a therapist of this practice."})
    if by.role == Role.THERAPIST and by.pk == therapist.pk:
        return
    if (
        by.role == Role.PRACTICE_ADMIN
        and by.practice_id is not None
        and by.practice_id == therapist.practice_id
    ):
        return
    raise ValidationError({"therapist": "Please choose a therapist of this practice."})


def _check_first_session(first_session_at: datetime | None, now: datetime) -> None:
    if first_session_at is not None and first_session_at <= now:
        raise ValidationError(
            {"first_session_date": "The first session must be in the future (or left empty)."}
        )


def awaits_password(user: User) -> bool:
    """An invited client who has not chosen a password yet (nor ever signed in)."""
    return not user.has_usable_password() and user.last_login is None


def _open_episode(
    *,
    client: Client,
    therapist: User,
    problem_areas: Iterable[ProblemArea],
    first_session_at: datetime | None,
    by: User,
    now: datetime,
) -> tuple[Episode, Session | None]:
    """Inside the caller's transaction: the client's new episode and its first session."""
    # Lock the client's row so that two invitations at once cannot both start an episode.
    Client.objects.select_for_update().filter(pk=client.pk).first()
    if Episode.objects.filter(client=client, status=EpisodeStatus.ACTIVE).exists():
        raise ValidationError(ACTIVE_EPISODE)
    episode = Episode.objects.create(
        client=client, therapist=therapist, started_on=timezone.localdate(now)
    )
    episode.problem_areas.set(list(problem_areas))
    audit(by, AuditAction.CREATE, episode, episode)
    session = None
    if first_session_at is not None:
        session = Session.objects.create(
            episode=episode,
            number=1,
            scheduled_at=first_session_at,
            duration_minutes=FIRST_SESSION_MINUTES,
            attendance=Attendance.SCHEDULED,
        )
        audit(by, AuditAction.CREATE, session, episode)
    return episode, session


def invite_client(
    *,
    therapist: User,
    by: User,
    name: str,
    email: str,
    problem_areas: Iterable[ProblemArea] = (),
    first_session_at: datetime | None = None,
    base_url: str,
    now: datetime | None = None,
) -> Invitation:
    """Add a client to ``therapist``'s caseload and e-mail them an invitation.

    A new address gets an account without a usable password, a client record, an episode with
    the therapist (with the problem areas given) and session 1 when a time is given. An address
    of a client of this practice without an active episode (someone coming back) gets a new
    episode on the same account. Refused, with a message: an address with an active episode, an
    address of staff or of another practice, a first session in the past.

    ``base_url`` is the site's root (``request.build_absolute_uri("/")``).
    """
    now = now or timezone.now()
    _check_therapist(therapist, by)
    name = " ".join(name.replace("\x00", "").split())
    email = email.replace("\x00", "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Please give the client's name."
    elif len(name) > NAME_MAX:
        errors["name"] = f"Please keep the name to {NAME_MAX} characters."
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = "Please give a valid e-mail address, like name@example.org."
    if errors:
        raise ValidationError(errors)
    _check_first_session(first_session_at, now)
    practice = therapist.practice
    assert practice is not None  # _check_therapist: a therapist of a practice
    try:
        invitation = _invite(
            therapist=therapist,
            by=by,
            practice=practice,
            name=name,
            email=email,
            problem_areas=problem_areas,
            first_session_at=first_session_at,
            base_url=base_url,
            now=now,
        )
    except IntegrityError as error:
        # The same address invited twice at the same moment (a double click, two people).
        raise ValidationError(
            "This address was being added at the same moment. Please check the caseload "
            "before trying again."
        ) from error
    log.info(
        "client invited client=%s episode=%s therapist=%s by=%s",
        invitation.client.pk,
        invitation.episode.pk,
        therapist.pk,
        by.pk,
    )
    return invitation


def _invite(
    *,
    therapist: User,
    by: User,
    practice: Practice,
    name: str,
    email: str,
    problem_areas: Iterable[ProblemArea],
    first_session_at: datetime | None,
    base_url: str,
    now: datetime,
) -> Invitation:
    with transaction.atomic():
        try:
            user = client_account(practice=practice, email=email, name=name)
        except ValidationError as error:
            raise ValidationError(
                {
                    "email": "This e-mail address belongs to a member of staff or to another "
                    "account, so it can't be invited as a client. Please check it with the "
                    "person."
                }
            ) from error
        if not user.is_active:
            raise ValidationError(
                {"email": "This client's account is closed. Please ask the practice administrator."}
            )
        client, created = Client.objects.get_or_create(user=user, defaults={"practice": practice})
        if created:
            audit(by, AuditAction.CREATE, client)
        episode, session = _open_episode(
            client=client,
            therapist=therapist,
            problem_areas=problem_areas,
            first_session_at=first_session_at,
            by=by,
            now=now,
        )
        with_link = awaits_password(user)
        transaction.on_commit(lambda: _send_invitation(episode, session, base_url, with_link))
    return Invitation(client, episode, session, with_link)


def start_new_episode(
    *,
    client: Client,
    therapist: User,
    by: User,
    problem_areas: Iterable[ProblemArea] = (),
    first_session_at: datetime | None = None,
    base_url: str,
    now: datetime | None = None,
) -> Invitation:
    """A new episode for a client who comes back, with their last therapist (or, chosen by the
    practice administrator, another therapist of the practice). The client gets a short e-mail
    (a set-a-password link if they have not chosen a password yet)."""
    now = now or timezone.now()
    _check_therapist(therapist, by)
    if therapist.practice_id != client.practice_id:
        raise ValidationError({"therapist": "Please choose a therapist of this practice."})
    if not client.user.is_active:
        raise ValidationError("This client's account is closed. Please ask the administrator.")
    _check_first_session(first_session_at, now)
    with transaction.atomic():
        episode, session = _open_episode(
            client=client,
            therapist=therapist,
            problem_areas=problem_areas,
            first_session_at=first_session_at,
            by=by,
            now=now,
        )
        with_link = awaits_password(client.user)
        transaction.on_commit(lambda: _send_invitation(episode, session, base_url, with_link))
    log.info(
        "new episode client=%s episode=%s therapist=%s by=%s",
        client.pk,
        episode.pk,
        therapist.pk,
        by.pk,
    )
    return Invitation(client, episode, session, with_link)


def resend_invitation(*, episode: Episode, by: User, base_url: str) -> None:
    """A fresh set-a-password link for a client of an active episode who has not chosen a
    password yet (the first link expired or got lost). The earlier link stops working once
    either is used."""
    user = episode.client.user
    if not episode.is_active:
        raise ValidationError("This episode has ended, so no invitation is sent.")
    if not awaits_password(user):
        raise ValidationError(
            "This client has already chosen a password. If they forgot it, they can ask for a "
            "new one on the sign-in page."
        )
    if not user.is_active:
        raise ValidationError("This client's account is closed. Please ask the administrator.")
    audit(by, AuditAction.UPDATE, user, episode, detail="invitation-resent")
    session = episode.sessions.filter(attendance=Attendance.SCHEDULED).order_by("number").first()
    _send_invitation(episode, session, base_url, with_link=True)
    log.info("invitation sent again episode=%s by=%s", episode.pk, by.pk)


def _send_invitation(
    episode: Episode, session: Session | None, base_url: str, with_link: bool
) -> None:
    """The invitation e-mail: who, when, and how to sign in. Nothing clinical."""
    user = episode.client.user
    therapist = episode.therapist.display_name
    practice = episode.client.practice.name
    lines = [f"Dear {user.first_name or user.display_name},", ""]
    lines.append(f"{therapist} of {practice} has added you as a client in Attune.")
    if session is not None:
        when = timezone.localtime(session.scheduled_at).strftime("%A %d %B %Y at %H:%M")
        lines.append(f"Your first session is on {when}.")
    lines += [
        "",
        "Attune is where you tell your therapist, before and after each session, how you are "
        "and how the work together feels.",
        "",
    ]
    if with_link:
        lines += [
            "Please choose your password here to sign in:",
            "",
            invitation_link(user, base_url),
            "",
            "The link works once and expires after a few days; your therapist can send a new "
            "one. After signing in you will find a short check-in before your first session.",
        ]
    else:
        lines += [
            "Sign in with your e-mail address and your password to find a short check-in "
            "before your next session:",
            "",
            base_url.rstrip("/") + reverse("login"),
        ]
    lines += [
        "",
        "If you did not expect this e-mail, you can ignore it.",
        "",
        practice,
    ]
    subject = (
        f"Your invitation to Attune from {therapist}"
        if with_link
        else f"A new start with {therapist}"
    )
    outbox.send([user.email], subject, "\n".join(lines))
