"""The episode page's panels about the fit check-in, the ending, the exit feedback, the
referral and the history carried over from an earlier episode (a page read: it lives with the
page, above the alerts it shows beside them)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from attune.alerts.models import Alert
from attune.care.fit_wording import SHORT_QUESTIONS
from attune.care.models import Attendance, Ending, Episode, Referral, Session
from attune.care.queries import (
    FIT_ALERT_KEY,
    fit_check_at,
    fit_session_of,
    outcome_history,
)
from attune.measures.models import Phase, Response
from attune.measures.queries import AnswerRow, answer_rows


@dataclass(frozen=True)
class FitPanel:
    at_session: int
    attended: int
    session: Session | None
    client: Response | None
    therapist: Response | None
    alert: Alert | None

    @property
    def client_rows(self) -> list[AnswerRow]:
        return answer_rows(self.client) if self.client else []

    @property
    def therapist_rows(self) -> list[AnswerRow]:
        return answer_rows(self.therapist) if self.therapist else []

    @property
    def side_by_side(self) -> list[tuple[str, str, str]]:
        """Per question, its short name, the client's answer and the therapist's ("" when a
        side has not answered it)."""
        client = {row.code: row.answer for row in self.client_rows}
        therapist = {row.code: row.answer for row in self.therapist_rows}
        codes = [row.code for row in self.client_rows or self.therapist_rows]
        return [
            (SHORT_QUESTIONS.get(code, code), client.get(code, ""), therapist.get(code, ""))
            for code in codes
        ]


def episode_care_context(episode: Episode) -> dict[str, object]:
    """What the episode page shows about the fit check-in, the ending, the exit feedback, the
    referral and the history carried over from an earlier episode.

    Built on what ``episode_for_page`` already prefetched (sessions with their responses,
    alerts); the other reads happen only for episodes that were ended or referred, so the
    number of queries does not grow with the number of sessions.
    """
    sessions = list(episode.sessions.all())
    session, attended = fit_session_of(sessions)
    client_answer = therapist_answer = None
    if session is not None:
        for response in session.responses.all():
            if response.phase != Phase.FIT_CHECK:
                continue
            if response.respondent_id == episode.client.user_id:
                client_answer = response
            elif response.respondent_id == episode.therapist_id:
                therapist_answer = response
    fit_alert = next((a for a in episode.alerts.all() if a.dedupe_key == FIT_ALERT_KEY), None)
    now = timezone.now()
    begun = [s for s in sessions if s.scheduled_at <= now]
    unrecorded = [s for s in begun if s.attendance == Attendance.SCHEDULED]
    context: dict[str, object] = {
        # The session to record next: the earliest one whose time has come and that is still
        # only "scheduled", else the latest one that has begun.
        "session_to_record": unrecorded[0] if unrecorded else (begun[-1] if begun else None),
        "fit": FitPanel(
            fit_check_at(), attended, session, client_answer, therapist_answer, fit_alert
        ),
        "ending": None,
        "exit_feedback": None,
        "exit_rows": [],
        "referral_out": None,
        "referral_in": None,
        "history": [],
    }
    if episode.referred_from_id is not None or not episode.is_active:
        for referral in Referral.objects.filter(
            Q(from_episode=episode) | Q(to_episode=episode)
        ).select_related("to_therapist", "created_by", "from_episode__therapist"):
            key = "referral_out" if referral.from_episode_id == episode.pk else "referral_in"
            context[key] = referral
    if not episode.is_active:
        context["ending"] = Ending.objects.filter(episode=episode).first()
        exit_feedback = (
            Response.objects.filter(
                episode=episode, phase=Phase.EXIT, respondent_id=episode.client.user_id
            )
            .select_related("instrument_version__instrument")
            .first()
        )
        context["exit_feedback"] = exit_feedback
        context["exit_rows"] = answer_rows(exit_feedback) if exit_feedback else []
    if episode.referred_from_id is not None:
        context["history"] = outcome_history(episode)
    return context
