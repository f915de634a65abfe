"""Run the clinical engine on stored episodes and keep their alerts up to date.

Reads the episodes into an ``EpisodeBatch`` through the one ORM → engine adapter
(``care.engine_adapter``: a fixed number of queries however many episodes), evaluates it in one
vectorised call, and opens or updates one alert per signal key. The same signal evaluated
again updates its alert, never duplicates it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

import numpy as np
from django.db import transaction
from django.utils import timezone

from attune.alerts.models import Alert, AlertKind
from attune.alerts.services import raise_alert
from attune.care.engine_adapter import engine_config, episode_batch, practice_curves
from attune.care.models import Episode, EpisodeStatus
from attune.engine.evaluate import evaluate
from attune.engine.signals import Signal

log = logging.getLogger(__name__)

#: Signals the app raises itself: safety alerts open at submission, in the response's transaction.
RAISED_ELSEWHERE = frozenset({"safety"})


@dataclass(frozen=True)
class EvaluationResult:
    episodes: int
    signals: list[Signal]
    alerts: list[Alert]


def evaluate_episodes(episodes: Sequence[Episode], now: datetime | None = None) -> EvaluationResult:
    """Evaluate these episodes and open or update their alerts."""
    if not episodes:
        return EvaluationResult(0, [], [])
    now = now or timezone.now()
    batch = episode_batch(episodes, now)
    as_of = np.array([(now.date() - e.started_on).days for e in episodes], dtype=np.float64)
    signals = evaluate(batch, curves=practice_curves(), config=engine_config(), as_of=as_of)
    by_id = {e.pk: e for e in episodes}
    alerts = sync_alerts(by_id, signals, now)
    return EvaluationResult(len(episodes), signals, alerts)


def evaluate_episode(episode: Episode) -> EvaluationResult:
    return evaluate_episodes([episode])


def reevaluate_after_write(episode: Episode) -> None:
    """Re-evaluate an episode right after a committed write (a response, a session record).

    A failure of the engine never undoes what was stored: it is logged (ids only) and
    ``attune evaluate`` catches up."""
    try:
        evaluate_episode(episode)
    except Exception as error:  # noqa: BLE001 - the write is stored; log and carry on
        log.error("engine evaluation failed episode=%s error=%s", episode.pk, type(error).__name__)


def evaluate_practice(chunk: int = 500) -> EvaluationResult:
    """Re-evaluate every active episode of the installation (``attune evaluate``)."""
    episodes = list(Episode.objects.filter(status=EpisodeStatus.ACTIVE).order_by("pk"))
    signals: list[Signal] = []
    alerts: list[Alert] = []
    for start in range(0, len(episodes), chunk):
        result = evaluate_episodes(episodes[start : start + chunk])
        signals.extend(result.signals)
        alerts.extend(result.alerts)
    return EvaluationResult(len(episodes), signals, alerts)


@transaction.atomic
def sync_alerts(
    episodes: dict[int, Episode], signals: Iterable[Signal], now: datetime | None = None
) -> list[Alert]:
    alerts = []
    for signal in signals:
        if signal.kind in RAISED_ELSEWHERE or signal.kind not in AlertKind.values:
            continue
        alerts.append(
            raise_alert(
                episode=episodes[signal.episode_id],
                kind=signal.kind,
                severity=signal.severity,
                title=signal.title,
                explanation=signal.explanation,
                evidence=_plain(signal.evidence) | {"session_number": signal.session_number},
                source=signal.source,
                suggested_actions=signal.actions,
                dedupe_key=signal.key,
                now=now,
            )
        )
    return alerts


def _plain(value: Mapping[str, object]) -> dict[str, object]:
    """Evidence as JSON-ready plain Python (numpy scalars become numbers)."""

    def convert(v: object) -> object:
        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, dict):
            return {str(k): convert(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [convert(x) for x in v]
        return v

    # convert gives a dict back for a dict and any other mapping as it is: a mapping either way.
    return dict(cast(Mapping[str, object], convert(value)))
