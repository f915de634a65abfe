"""Reads of the care model, always scoped to what the person asking may see."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypedDict

from django.db.models import BooleanField, Count, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from attune import conf
from attune.accounts.models import Role, User
from attune.care.models import Attendance, Episode, EpisodeStatus, Session
from attune.measures.models import Response
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


def fit_session_of(sessions: Sequence[Session]) -> tuple[Session | None, int]:
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
