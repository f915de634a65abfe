"""What the colleague reads of the therapy before a warm referral: for each earlier episode,
with whom and when, how many sessions were attended, how it ended, the first and latest PHQ-9
and GAD-7 with the engine's reliable change, and the outcome chart of the episode referred from.

Outcome questionnaires only: never the session feedback about the previous therapist, the fit
check-in, the exit feedback, alerts, progress notes or anyone's private notes. A fixed number
of queries, however many sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q
from django.utils.safestring import SafeString

from attune.care.engine_adapter import reliable_change
from attune.care.models import Attendance, Episode, Session
from attune.care.queries import earlier_episode_ids
from attune.measures.models import Response
from attune.workspace.charts import outcome_series
from attune.workspace.report_chart import outcome_chart

_WORDS = {"improvement": "reliably better", "deterioration": "reliably worse"}


@dataclass(frozen=True)
class ScoreChange:
    label: str  # "PHQ-9"
    first: float
    first_session: int
    latest: float | None  # None with a single score
    latest_session: int | None
    verdict: str  # "reliably better", "no reliable change", "needs two scores"


@dataclass(frozen=True)
class EarlierEpisode:
    episode: Episode
    attended: int
    ending: str  # "Transferred on 3 March 2026"
    changes: list[ScoreChange]
    chart: SafeString  # empty for the older episodes of a chain (one chart per page)


def _changes(measures: list[dict[str, Any]]) -> list[ScoreChange]:
    changes = []
    for m in measures:
        first, latest = m["scores"][0], (m["scores"][-1] if len(m["scores"]) > 1 else None)
        if latest is None:
            verdict = "needs two scores"
        else:
            direction = reliable_change(m["code"], first["y"], latest["y"])
            verdict = _WORDS.get(direction or "", "no reliable change")
        changes.append(
            ScoreChange(
                label=m["label"],
                first=first["y"],
                first_session=first["x"],
                latest=latest["y"] if latest else None,
                latest_session=latest["x"] if latest else None,
                verdict=verdict,
            )
        )
    return changes


def earlier_episodes(episode: Episode) -> list[EarlierEpisode]:
    """The episodes this one was referred from, nearest first."""
    ids = earlier_episode_ids(episode)
    if not ids:
        return []
    outcome_only = Response.objects.filter(
        instrument_version__instrument__kind="outcome"
    ).select_related("instrument_version__instrument")
    found = {
        e.pk: e
        for e in Episode.objects.filter(pk__in=ids)
        .select_related("therapist", "ending")
        .annotate(attended=Count("sessions", filter=Q(sessions__attendance=Attendance.ATTENDED)))
        .prefetch_related(
            Prefetch(
                "sessions",
                queryset=Session.objects.order_by("number").prefetch_related(
                    Prefetch("responses", queryset=outcome_only)
                ),
            )
        )
    }
    result = []
    for position, pk in enumerate(ids):
        earlier = found.get(pk)
        if earlier is None:
            continue
        sessions = list(earlier.sessions.all())
        measures = outcome_series(sessions)
        ending = getattr(earlier, "ending", None)
        if ending is not None:
            said = f"{ending.get_kind_display()} on {ending.ended_on:%-d %B %Y}"
        elif earlier.ended_on:
            said = f"{earlier.get_status_display()} on {earlier.ended_on:%-d %B %Y}"
        else:
            said = "Not ended"
        scored_sessions = sorted({p["x"] for m in measures for p in m["scores"]})
        result.append(
            EarlierEpisode(
                episode=earlier,
                attended=earlier.attended,
                ending=said,
                changes=_changes(measures),
                chart=outcome_chart(measures, scored_sessions, show_band=False)
                if position == 0
                else SafeString(""),
            )
        )
    return result
