"""Run the clinical engine on stored episodes and keep their alerts up to date.

Reads the sessions and responses of the episodes into an ``EpisodeBatch`` (a fixed number of
queries however many episodes), evaluates it in one vectorised call, and opens or updates one
alert per signal key. The same signal evaluated again updates its alert, never duplicates it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from attune import conf
from attune.alerts.models import Alert, AlertKind
from attune.alerts.services import raise_alert
from attune.care.models import Episode, EpisodeStatus, Session
from attune.engine import batch as eb
from attune.engine.evaluate import EngineConfig, evaluate
from attune.engine.recovery import RecoveryCurves, fit_curves
from attune.engine.signals import Signal
from attune.engine.text import is_critical
from attune.measures.models import Phase, Response

log = logging.getLogger(__name__)

#: Signals the app raises itself: safety alerts open at submission, in the response's transaction.
RAISED_ELSEWHERE = frozenset({"safety"})
_ATTENDANCE = {code: i for i, code in enumerate(eb.ATTENDANCE)}


@dataclass(frozen=True)
class EvaluationResult:
    episodes: int
    signals: list[Signal]
    alerts: list[Alert]


def episode_batch(episodes: Sequence[Episode], now: datetime | None = None) -> eb.EpisodeBatch:
    """The engine's view of these episodes: their past sessions as arrays."""
    now = now or timezone.now()
    ids = [e.pk for e in episodes]
    sessions = list(
        Session.objects.filter(episode_id__in=ids, scheduled_at__lte=now)
        .order_by("episode_id", "number")
        .prefetch_related("modalities")
    )
    responses = Response.objects.filter(
        episode_id__in=ids,
        session__isnull=False,
        phase__in=[Phase.CHECK_IN, Phase.FEEDBACK, Phase.FIT_CHECK],
    ).select_related("instrument_version__instrument")
    responses = responses.defer("instrument_version__definition")  # parsed once per process
    clients = dict(Episode.objects.filter(pk__in=ids).values_list("pk", "client__user_id"))
    by_session: dict[int, list[Response]] = defaultdict(list)
    for response in responses:
        by_session[response.session_id].append(response)  # type: ignore[index]
    rows: dict[int, list[Session]] = defaultdict(list)
    for session in sessions:
        rows[session.episode_id].append(session)

    width = max((len(rows[i]) for i in ids), default=0)
    batch = eb.empty_batch(len(ids), max(width, 1), ids)
    mixes: dict[frozenset[str], int] = {}
    for r, episode in enumerate(episodes):
        batch.ended[r] = episode.status != EpisodeStatus.ACTIVE
        for c, session in enumerate(rows[episode.pk]):
            batch.session_number[r, c] = session.number
            batch.attendance[r, c] = _ATTENDANCE[session.attendance]
            batch.days[r, c] = (session.scheduled_at.date() - episode.started_on).days
            mix = frozenset(m.slug for m in session.modalities.all())
            if mix:
                batch.modality_mix[r, c] = mixes.setdefault(mix, len(mixes))
            for response in by_session.get(session.pk, ()):
                if response.phase == Phase.FIT_CHECK:
                    _fill_fit(batch, r, c, response, clients.get(episode.pk))
                else:
                    _fill(batch, r, c, response)
    return batch


def _fill_fit(
    batch: eb.EpisodeBatch, r: int, c: int, response: Response, client_user_id: int | None
) -> None:
    """The fit check-in answers, on the client's or the therapist's side of the batch."""
    client = response.respondent_id == client_user_id
    rating, match = (
        (batch.fit_client, batch.fit_client_match)
        if client
        else (batch.fit_therapist, batch.fit_therapist_match)
    )
    value = response.answers.get("fit")
    if isinstance(value, int):
        rating[r, c] = value
    if response.answers.get("right_match") in eb.MATCH:
        match[r, c] = eb.MATCH.index(response.answers["right_match"])


def _fill(batch: eb.EpisodeBatch, r: int, c: int, response: Response) -> None:
    code = response.instrument_version.instrument.code
    answers = response.answers
    if code == "phq9":
        batch.phq9[r, c] = response.score
        item9 = response.instrument_version.parsed.item("phq9_9").option(str(answers.get("phq9_9")))
        if item9 is not None:
            batch.phq9_item9[r, c] = item9.value
    elif code == "gad7":
        batch.gad7[r, c] = response.score
    elif code == "session_feedback":
        domains = [answers.get(d) for d in eb.DOMAINS]
        if all(isinstance(v, int) for v in domains):
            batch.alliance[r, c] = domains
        for name, codes, target in (
            ("rupture", eb.RUPTURE, batch.rupture),
            ("rupture_resolved", eb.RESOLVED, batch.resolved),
            ("stopping", eb.STOPPING, batch.stopping),
            ("talked_through", eb.TALKED_THROUGH, batch.talked_through),
        ):
            if answers.get(name) in codes:
                target[r, c] = codes.index(answers[name])
        batch.critical_text[r, c] = is_critical(str(answers.get("comment", "")))


def engine_config() -> EngineConfig:
    """The engine's defaults with the practice's overrides from ``ATTUNE_ENGINE`` (settings).

    The fit check-in's session has one setting, ``ATTUNE_FIT_CHECK_SESSION``: it decides when
    the form is offered and when the engine's fit rule reads it."""
    overrides = conf.engine_overrides()
    fit = dict(overrides.get("fit_check", {}))
    if "at_session" in fit:
        raise ImproperlyConfigured(
            "Set the fit check-in session with ATTUNE_FIT_CHECK_SESSION, not ATTUNE_ENGINE."
        )
    fit["at_session"] = conf.fit_check_session()
    overrides["fit_check"] = fit
    return EngineConfig.from_mapping(overrides)


def practice_curves() -> RecoveryCurves | None:
    """Expected-recovery curves fitted on this practice's completed episodes, once there are
    enough of them (``ATTUNE_PRACTICE_CURVES_MIN``, default 100); None → reference curves.
    Cached until the number of completed episodes changes."""
    ended = Episode.objects.exclude(status=EpisodeStatus.ACTIVE)
    count = ended.count()
    minimum = conf.practice_curves_min()
    if count < minimum:
        return None
    key = f"attune:practice-curves:{count}:{minimum}"
    curves = cache.get(key)
    if curves is None:
        curves = fit_curves(episode_batch(list(ended)), min_episodes=minimum)
        cache.set(key, curves, timeout=24 * 3600)
    return curves


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


def _plain(value: object) -> dict[str, object]:
    """Evidence as JSON-ready plain Python (numpy scalars become numbers)."""

    def convert(v: object) -> object:
        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, dict):
            return {str(k): convert(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [convert(x) for x in v]
        return v

    return dict(convert(value))  # type: ignore[call-overload]
