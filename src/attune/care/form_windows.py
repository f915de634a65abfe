"""When is a client's form open: the one rule, for the client's home, the e-mailed links and
the reminders (issue 15: it lived in ``portal.queries``, a UI app the reminders had to reach
into).

- a check-in opens ``ATTUNE_CHECK_IN_OPENS_DAYS`` (3) before its session, while it is still
  scheduled, until the session ends;
- session feedback opens when the session starts (scheduled or attended) and stays open
  ``ATTUNE_FEEDBACK_OPEN_DAYS`` (14);
- the fit check-in opens after the n-th attended session (``ATTUNE_FIT_CHECK_SESSION``) for
  ``ATTUNE_FIT_CHECK_OPEN_DAYS`` (28);
- the exit feedback opens only once the ending is recorded and asked for it, for
  ``ATTUNE_EXIT_FEEDBACK_OPEN_DAYS`` (60).

Only an active episode has open session forms.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet

from attune import conf
from attune.care.models import Attendance, Ending, Episode, EpisodeStatus, Session
from attune.care.queries import fit_session
from attune.measures.models import Phase


def sessions_with_open_forms(now: datetime) -> tuple[datetime, datetime]:
    """The earliest and latest start of a session whose check-in or feedback can be open now."""
    return now - conf.feedback_open_for(), now + conf.check_in_opens()


def form_is_open(session: Session, phase: str, now: datetime) -> bool:
    """Whether the session's form of this phase (check-in, feedback, fit check-in) is open."""
    if session.episode.status != EpisodeStatus.ACTIVE:
        return False
    ends_at = session.scheduled_at + timedelta(minutes=session.duration_minutes)
    if phase == Phase.CHECK_IN:
        return (
            session.attendance == Attendance.SCHEDULED
            and session.scheduled_at - conf.check_in_opens() <= now <= ends_at
        )
    if phase == Phase.FEEDBACK:
        started = session.scheduled_at <= now
        attended = session.attendance == Attendance.ATTENDED or (
            session.attendance == Attendance.SCHEDULED and started
        )
        return attended and started and now - session.scheduled_at <= conf.feedback_open_for()
    if phase == Phase.FIT_CHECK:
        # After the n-th attended session (ATTUNE_FIT_CHECK_SESSION), for a few weeks.
        if not fit_window_open(session, now):
            return False
        fit = fit_session(session.episode)
        return fit is not None and fit.pk == session.pk
    return False


def fit_window_open(session: Session, now: datetime) -> bool:
    """The fit check-in's weeks after its session (not whether it is the fit session)."""
    return session.scheduled_at <= now <= session.scheduled_at + conf.fit_check_open_for()


def endings_asking_for_exit_feedback(now: datetime) -> QuerySet[Ending]:
    """The one rule of when the exit feedback is open: **only after the ending is recorded**,
    when the therapist's ending asked for it, for ``ATTUNE_EXIT_FEEDBACK_OPEN_DAYS`` from then.

    Asking for an ending conversation does not open it: the therapy goes on until the two have
    talked, and that conversation may change what happens (docs/workflows.md, "The client's home
    and after a session feedback"; docs/decisions.md, issue 12). The
    form asks the client to look back on a therapy that has ended; offered earlier it would
    treat the request as the ending itself."""
    return Ending.objects.filter(
        exit_requested_at__isnull=False, exit_requested_at__gte=now - conf.exit_feedback_open_for()
    )


def exit_form_is_open(episode: Episode, now: datetime) -> bool:
    """Whether this episode's exit feedback is open (:func:`endings_asking_for_exit_feedback`)."""
    return endings_asking_for_exit_feedback(now).filter(episode=episode).exists()


def questionnaire_is_open(
    episode: Episode, session: Session | None, phase: str, now: datetime
) -> bool:
    """Whether this form is open: a session's (check-in, feedback, fit check-in) by
    :func:`form_is_open`, the episode's exit feedback (no session) by :func:`exit_form_is_open`.
    The portal's forms, the e-mailed links and "Send again" ask it."""
    if session is None:
        return exit_form_is_open(episode, now)
    return form_is_open(session, phase, now)
