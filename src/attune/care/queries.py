"""Reads of the care model, always scoped to what the person asking may see."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.db.models import BooleanField, Count, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from attune import conf
from attune.accounts.models import Role, User
from attune.alerts.models import Alert
from attune.care.fit_wording import SHORT_QUESTIONS
from attune.care.models import Attendance, Ending, Episode, EpisodeStatus, Referral, Session
from attune.measures.models import Phase, Response
from attune.measures.queries import AnswerRow, answer_rows
from attune.practice.models import TherapistProfile

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _Caseload(TypedDict):
        active_clients: int

    #: A therapist's profile with her number of active episodes (``with_active_clients``).
    TherapistWithCaseload = WithAnnotations[TherapistProfile, _Caseload]

#: The dedupe key of the one fit alert (the engine's fit rule, attune.engine.fit).
FIT_ALERT_KEY = "fit_check"


def episodes_visible_to(user: User) -> QuerySet[Episode]:
    """Episodes a person may open: her own clients (therapist), her supervisees' clients
    (supervisor), their own (client). Practice admins manage the practice, not clinical records."""
    episodes = Episode.objects.all()
    if user.role == Role.THERAPIST:
        return episodes.filter(therapist=user)
    if user.role == Role.SUPERVISOR:
        return episodes.filter(therapist__therapist_profile__supervisors=user)
    if user.role == Role.CLIENT:
        return episodes.filter(client__user=user)
    return episodes.none()


def with_active_clients(
    profiles: QuerySet[TherapistProfile],
) -> QuerySet[TherapistWithCaseload]:
    """``profiles`` with ``active_clients``, each therapist's number of active episodes, and her
    user, in the order of her name: the caseload of the supervision home and the practice page,
    in the same query."""
    with_caseload: QuerySet[TherapistWithCaseload] = (
        profiles.select_related("user")
        .annotate(
            active_clients=Count(
                "user__episodes_as_therapist",
                filter=Q(user__episodes_as_therapist__status=EpisodeStatus.ACTIVE),
                distinct=True,
            ),
        )
        .order_by("user__last_name", "user__first_name", "pk")
    )
    return with_caseload


def active_episode_of_client(user: User) -> Episode | None:
    return (
        Episode.objects.filter(client__user=user, status=EpisodeStatus.ACTIVE)
        .select_related("therapist", "client")
        .order_by("-started_on")
        .first()
    )


def sessions_of_client(user: User) -> QuerySet[Session]:
    return Session.objects.filter(episode__client__user=user)


# --------------------------------------------------------------------------- the fit check-in


def fit_check_at() -> int:
    """The attended session at which client and therapist are asked about the fit."""
    return conf.fit_check_session()


def fit_session(episode: Episode) -> Session | None:
    """The episode's n-th attended session (``ATTUNE_FIT_CHECK_SESSION``), once there is one."""
    at = fit_check_at()
    return (
        episode.sessions.filter(attendance=Attendance.ATTENDED)
        .order_by("number")
        .select_related("episode")[at - 1 : at]
        .first()
    )


def _fit_session_of(sessions: Sequence[Session]) -> tuple[Session | None, int]:
    """The fit session among already loaded sessions, and how many were attended."""
    attended = [s for s in sessions if s.attendance == Attendance.ATTENDED]
    at = fit_check_at()
    return (attended[at - 1] if len(attended) >= at else None), len(attended)


# --------------------------------------------------------------------------- warm referral


def referral_colleagues(episode: Episode) -> QuerySet[User]:
    """Therapists of the client's practice other than the treating one; those accepting new
    clients first."""
    return (
        User.objects.filter(
            role=Role.THERAPIST, is_active=True, practice_id=episode.client.practice_id
        )
        .exclude(pk=episode.therapist_id)
        .select_related("therapist_profile")
        .annotate(
            accepting=Coalesce(
                F("therapist_profile__accepting_new_clients"),
                Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-accepting", "last_name", "first_name", "email")
    )


def earlier_episode_ids(episode: Episode, limit: int = 20) -> list[int]:
    """The ``referred_from`` chain behind an episode, nearest first (one query per step)."""
    ids: list[int] = []
    current = episode.referred_from_id
    while current is not None and current not in ids and current != episode.pk:
        ids.append(current)
        if len(ids) >= limit:
            break
        current = (
            Episode.objects.filter(pk=current).values_list("referred_from_id", flat=True).first()
        )
    return ids


def outcome_history(episode: Episode) -> list[Response]:
    """The outcome scores (PHQ-9, GAD-7, …) of the episodes this one was referred from, to be
    read by the new therapist. Outcome measures only: never the session feedback about the
    previous therapist, the fit check-in or the exit feedback, and never private notes."""
    ids = earlier_episode_ids(episode)
    if not ids:
        return []
    return list(
        Response.objects.filter(episode_id__in=ids, instrument_version__instrument__kind="outcome")
        .select_related("instrument_version__instrument", "session", "episode__therapist")
        .defer("instrument_version__definition")  # parsed once per process
        .order_by("submitted_at", "instrument_version__instrument__code", "pk")
    )


# --------------------------------------------------------------------------- the episode page


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
    session, attended = _fit_session_of(sessions)
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
