"""What a client sees: their open forms and their own sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from attune.accounts.models import User
from attune.care.models import Attendance, Episode, EpisodeStatus, Session
from attune.measures.models import Phase, Response

# A check-in opens this long before the session; feedback stays open this long after it.
CHECK_IN_OPENS = timedelta(days=getattr(settings, "ATTUNE_CHECK_IN_OPENS_DAYS", 3))
FEEDBACK_OPEN_FOR = timedelta(days=getattr(settings, "ATTUNE_FEEDBACK_OPEN_DAYS", 14))


@dataclass(frozen=True)
class OpenForm:
    phase: str
    session: Session


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
    return False


def open_forms(user: User, episode: Episode | None, now: datetime) -> list[OpenForm]:
    if episode is None:
        return []
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
    return forms


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
