"""What a client sees: their open forms and their own sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef

from attune.accounts.models import User
from attune.care.models import Attendance, Ending, Episode, EpisodeStatus, Session
from attune.care.queries import fit_session
from attune.measures.models import Phase, Response

# A check-in opens this long before the session; feedback stays open this long after it.
CHECK_IN_OPENS = timedelta(days=getattr(settings, "ATTUNE_CHECK_IN_OPENS_DAYS", 3))
FEEDBACK_OPEN_FOR = timedelta(days=getattr(settings, "ATTUNE_FEEDBACK_OPEN_DAYS", 14))
# The fit check-in stays open this long after the session it follows; the exit feedback this
# long after the client was asked for it.
FIT_CHECK_OPEN_FOR = timedelta(days=getattr(settings, "ATTUNE_FIT_CHECK_OPEN_DAYS", 28))
EXIT_OPEN_FOR = timedelta(days=getattr(settings, "ATTUNE_EXIT_FEEDBACK_OPEN_DAYS", 60))


@dataclass(frozen=True)
class OpenForm:
    phase: str
    session: Session | None
    episode: Episode | None = None


def form_is_open(session: Session, phase: str, now: datetime) -> bool:
    if session.episode.status != EpisodeStatus.ACTIVE:
        return False
    ends_at = session.scheduled_at + timedelta(minutes=session.duration_minutes)
    if phase == Phase.CHECK_IN:
        return (
            session.attendance == Attendance.SCHEDULED
            and session.scheduled_at - CHECK_IN_OPENS <= now <= ends_at
        )
    if phase == Phase.FEEDBACK:
        started = session.scheduled_at <= now
        attended = session.attendance == Attendance.ATTENDED or (
            session.attendance == Attendance.SCHEDULED and started
        )
        return attended and started and now - session.scheduled_at <= FEEDBACK_OPEN_FOR
    if phase == Phase.FIT_CHECK:
        # After the n-th attended session (ATTUNE_FIT_CHECK_SESSION), for a few weeks.
        if not session.scheduled_at <= now <= session.scheduled_at + FIT_CHECK_OPEN_FOR:
            return False
        fit = fit_session(session.episode)
        return fit is not None and fit.pk == session.pk
    return False


def exit_form_is_open(episode: Episode, now: datetime) -> bool:
    """The exit feedback is open once the ending asked for it, for ``EXIT_OPEN_FOR``."""
    if episode.status == EpisodeStatus.ACTIVE:
        return False
    return Ending.objects.filter(
        episode=episode, exit_requested_at__isnull=False, exit_requested_at__gte=now - EXIT_OPEN_FOR
    ).exists()


def exit_forms(user: User, now: datetime) -> list[OpenForm]:
    """Exit feedback waiting for the client: their recently ended episodes whose ending asked for
    it and that they have not answered yet."""
    answered = Response.objects.filter(
        episode=OuterRef("episode"), respondent=user, phase=Phase.EXIT
    )
    endings = (
        Ending.objects.filter(
            episode__client__user=user,
            exit_requested_at__isnull=False,
            exit_requested_at__gte=now - EXIT_OPEN_FOR,
        )
        .exclude(Exists(answered))
        .select_related("episode__therapist")
        .order_by("-exit_requested_at")
    )
    return [OpenForm(phase=Phase.EXIT, session=None, episode=e.episode) for e in endings]


def open_forms(user: User, episode: Episode | None, now: datetime) -> list[OpenForm]:
    """Forms waiting for the client: check-in and feedback of their active episode, the fit
    check-in once it is due, and the exit feedback of an episode that ended recently (the
    client may have no active episode any more)."""
    if episode is None:
        return exit_forms(user, now)
    candidates = list(
        Session.objects.filter(
            episode=episode,
            scheduled_at__gte=now - FEEDBACK_OPEN_FOR,
            scheduled_at__lte=now + CHECK_IN_OPENS,
        )
        .select_related("episode")
        .order_by("scheduled_at")
    )
    done = set(
        Response.objects.filter(respondent=user, session__in=candidates).values_list(
            "session_id", "phase"
        )
    )
    forms = []
    for session in candidates:
        for phase in (Phase.FEEDBACK, Phase.CHECK_IN):
            if (session.pk, phase) not in done and form_is_open(session, phase, now):
                forms.append(OpenForm(phase=phase, session=session))
    fit = fit_session(episode)
    if (
        fit is not None
        and form_is_open(fit, Phase.FIT_CHECK, now)
        and not Response.objects.filter(
            respondent=user, episode=episode, phase=Phase.FIT_CHECK
        ).exists()
    ):
        forms.append(OpenForm(phase=Phase.FIT_CHECK, session=fit))
    return forms + exit_forms(user, now)


def next_session(episode: Episode | None, now: datetime) -> Session | None:
    if episode is None:
        return None
    return (
        episode.sessions.filter(attendance=Attendance.SCHEDULED, scheduled_at__gte=now)
        .order_by("scheduled_at")
        .first()
    )


def recent_check_ins(user: User, episode: Episode | None, limit: int = 8) -> list[Response]:
    if episode is None:
        return []
    responses = (
        Response.objects.filter(respondent=user, episode=episode, phase=Phase.CHECK_IN)
        .select_related("instrument_version__instrument", "session")
        .order_by("-submitted_at")[: limit * 2]
    )
    return list(responses)
