"""The one ORM → engine adapter (issue 15): stored episodes as the engine's arrays, the engine's
configuration with the practice's settings, and the engine's outcome rules with those
thresholds. Everything that reads the engine's view of stored data — the alerts' evaluation, the
charts, the progress report, the client's progress, the ending summary, the outcomes pages —
reads it here, so the pages and the alerts cannot disagree.

- :func:`episode_batch` reads the sessions and responses of the episodes into an
  ``EpisodeBatch`` (a fixed number of queries however many episodes);
- :func:`engine_config` is the engine's defaults with ``ATTUNE_ENGINE`` and
  ``ATTUNE_FIT_CHECK_SESSION``; :func:`practice_curves` the practice's own expected-recovery
  curves once there are enough completed episodes;
- reliable change and caseness (:func:`reliable_change`, :func:`caseness` …): the engine's rule
  with the engine's thresholds (NHS Talking Therapies, PHQ-9 6 points and caseness 10, GAD-7 4
  and 8, unless the practice overrides them in ``ATTUNE_ENGINE``); the rule is
  :func:`attune.engine.outcomes.classify_change` (Jacobson & Truax 1991, with the Talking
  Therapies points).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

import numpy as np
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from attune import conf
from attune.care.models import Attendance, Episode, EpisodeStatus, Session
from attune.engine import batch as eb
from attune.engine.evaluate import EngineConfig
from attune.engine.outcomes import (
    DETERIORATED,
    IMPROVED,
    RECOVERED,
    TalkingTherapiesOutcomes,
    classify_change,
    talking_therapies_outcomes,
)
from attune.engine.recovery import Dose, Measure, RecoveryCurves, fit_curves, trajectory
from attune.engine.text import is_critical
from attune.measures.models import Phase, Response

_ATTENDANCE = {code: i for i, code in enumerate(eb.ATTENDANCE)}


# --------------------------------------------------------------------------- episodes as arrays


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
        by_session[response.session_id].append(response)  # type: ignore[index]  # session_id is set: the filter asks for sessions
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


# --------------------------------------------------------------------------- the configuration


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


def curve_sessions(
    sessions: list[Session], scores: list[float | None], measure: Measure, dose: Dose
) -> tuple[float, np.ndarray]:
    """The intake and the curve session of every session column, by the engine's own rule
    (``attune.engine.recovery.trajectory``), for the episode page's expected-recovery chart.

    Sessions still ahead (scheduled, not yet held) count as attended: that is how the engine
    will count them once they have taken place.
    """
    now = timezone.now()
    batch = eb.empty_batch(1, max(len(sessions), 1))
    for c, session in enumerate(sessions):
        attendance = session.attendance
        if attendance == Attendance.SCHEDULED and session.scheduled_at > now:
            attendance = Attendance.ATTENDED
        batch.attendance[0, c] = _ATTENDANCE[attendance]
        batch.session_number[0, c] = session.number
        target = batch.phq9 if measure == "phq9" else batch.gad7
        score = scores[c]
        if score is not None:
            target[0, c] = score
    tr = trajectory(batch, measure, dose)
    return float(tr.intake[0]), tr.session[0, : len(sessions)]


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
    curves: RecoveryCurves | None = cache.get(key)
    if curves is None:
        curves = fit_curves(episode_batch(list(ended)), min_episodes=minimum)
        cache.set(key, curves, timeout=24 * 3600)
    return curves


# --------------------------------------------------------------------------- outcome rules


Direction = Literal["improvement", "deterioration"]

#: The questionnaires the engine judges (lower scores are better on both).
MEASURES: tuple[str, ...] = ("phq9", "gad7")


def reliable_change_points(code: str) -> float | None:
    """The smallest change counted as reliable for this questionnaire; None if the engine
    does not judge it."""
    if code not in MEASURES:
        return None
    return float(getattr(engine_config().reliable_change, f"{code}_reliable_change"))


def caseness(code: str) -> float | None:
    """The clinical cut-off (caseness) of this questionnaire; None if the engine has none."""
    if code not in MEASURES:
        return None
    return float(getattr(engine_config().reliable_change, f"{code}_caseness"))


def reliable_changes(
    code: str, first: float | None, later: Sequence[float | None]
) -> list[Direction | None]:
    """For each later score: a reliable improvement, a reliable deterioration, or None
    (within measurement error, missing, or a questionnaire the engine does not judge)."""
    points = reliable_change_points(code)
    if points is None or first is None or not later:
        return [None] * len(later)
    post = np.array([np.nan if v is None else float(v) for v in later], dtype=np.float64)
    codes = classify_change(float(first), post, higher_is_better=False, rc_points=points)
    out: list[Direction | None] = []
    for c in np.atleast_1d(codes).tolist():
        if c in (IMPROVED, RECOVERED):
            out.append("improvement")
        elif c == DETERIORATED:
            out.append("deterioration")
        else:
            out.append(None)
    return out


def reliable_change(code: str, first: float | None, latest: float | None) -> Direction | None:
    """First against latest score (see :func:`reliable_changes`)."""
    return reliable_changes(code, first, [latest])[0]


def thinking_of_stopping_codes() -> frozenset[str]:
    """The answers to "Have you been thinking about stopping therapy?" that count as thinking
    of stopping: the engine's threshold (``FitCheckConfig.stopping_at_least``, "sometimes" or
    "yes" by default) over its answer codes (``attune.engine.batch.STOPPING``). The caseload,
    the episode page and the report all read it here."""
    return frozenset(eb.STOPPING[engine_config().fit_check.stopping_at_least :])


def episode_outcomes(
    phq9_first: Sequence[float],
    phq9_last: Sequence[float],
    gad7_first: Sequence[float],
    gad7_last: Sequence[float],
) -> TalkingTherapiesOutcomes:
    """NHS Talking Therapies outcomes (recovery, reliable improvement, reliable deterioration)
    of many episodes' first and last scores (NaN where missing), with the thresholds of the
    evaluation: the engine's rule (:func:`attune.engine.outcomes.talking_therapies_outcomes`)."""
    return talking_therapies_outcomes(
        phq9_first, phq9_last, gad7_first, gad7_last, engine_config().reliable_change
    )
