"""Reliable change and caseness for the pages: the engine's rule with the engine's thresholds.

Charts, the progress report and the client's progress page call this and never compare
scores themselves, so the pages and the alerts cannot disagree. The thresholds are those of
the evaluation (``engine_config().reliable_change``: NHS Talking Therapies, PHQ-9 6 points and
caseness 10, GAD-7 4 and 8, unless the practice overrides them in ``ATTUNE_ENGINE``); the rule
is :func:`attune.engine.outcomes.classify_change` (Jacobson & Truax 1991, with the Talking
Therapies points).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from attune.alerts.evaluation import engine_config
from attune.engine import batch as eb
from attune.engine.outcomes import (
    DETERIORATED,
    IMPROVED,
    RECOVERED,
    TalkingTherapiesOutcomes,
    classify_change,
    talking_therapies_outcomes,
)

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
