"""A therapist's past clients: episodes that ended or were transferred recently, newest first.

One query however many episodes: the episode with its client, its ending, the colleague it was
transferred to and the id of the client's exit feedback (if given). How far back is
``ATTUNE_PAST_CLIENTS_MONTHS`` (12 by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import OuterRef, Subquery

from attune.accounts.models import User
from attune.care.models import Episode, EpisodeStatus
from attune.measures.models import Phase, Response
from attune.workspace.queries import client_matches


def past_months() -> int:
    return int(settings.ATTUNE_PAST_CLIENTS_MONTHS)


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier (the month's last day when it has no such day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class PastClient:
    episode: Episode
    #: "Planned ending", "Early ending", "Transferred" (from the ending; the status without one).
    how: str
    ended_on: date
    #: The colleague the client was transferred to, when there was a warm referral.
    transferred_to: User | None
    #: The client's exit feedback (a ``Response`` id), when the client gave it.
    exit_feedback_id: int | None
    #: This is the client's latest episode (so none is active and this therapist was the
    #: last): a new episode may be started from here (``care.intake``).
    is_latest: bool = False


def past_clients(therapist: User, today: date, name: str = "") -> list[PastClient]:
    """The therapist's episodes ended or transferred since ``past_months()`` before ``today``,
    newest first; only those whose client's name contains ``name`` (case and accents ignored)."""
    exit_feedback = (
        Response.objects.filter(
            episode=OuterRef("pk"), phase=Phase.EXIT, respondent=OuterRef("client__user")
        )
        .order_by("-submitted_at", "-pk")
        .values("pk")[:1]
    )
    latest = (
        Episode.objects.filter(client=OuterRef("client"))
        .order_by("-started_on", "-pk")
        .values("pk")[:1]
    )
    since = months_before(today, past_months())
    episodes = (
        Episode.objects.filter(therapist=therapist, ended_on__gte=since)
        .exclude(status=EpisodeStatus.ACTIVE)
        .select_related("client__user", "ending", "referral_out__to_therapist")
        .annotate(exit_feedback_id=Subquery(exit_feedback), latest_id=Subquery(latest))
        .order_by("-ended_on", "-pk")
    )
    found = []
    for episode in episodes:
        if name and not client_matches(episode.client, name):
            continue
        ending = getattr(episode, "ending", None)
        referral = getattr(episode, "referral_out", None)
        assert episode.ended_on is not None  # a constraint: every ended episode has its date
        found.append(
            PastClient(
                episode=episode,
                how=ending.get_kind_display() if ending else episode.get_status_display(),
                ended_on=episode.ended_on,
                transferred_to=referral.to_therapist if referral else None,
                exit_feedback_id=episode.exit_feedback_id,
                is_latest=episode.latest_id == episode.pk,
            )
        )
    return found
