"""Sudden gains and sudden losses (Tang & DeRubeis 1999), as the suddengains R package does it.

A gain from the *pre-gain* measurement ``n`` to the next one ``n+1`` counts when all three
criteria hold (lower scores are better):

1. **absolute**: ``x[n] − x[n+1] ≥ cutoff`` (7 BDI points by default, or an RCI-based cut-off
   ``1.96·√2·SD·√(1 − reliability)``, see :func:`attune.engine.outcomes.reliable_change_points`);
2. **relative**: ``x[n] − x[n+1] ≥ 25 %`` of the pre-gain score ``x[n]``;
3. **stable**: ``mean(x[n−2..n]) − mean(x[n+1..n+3]) > t·pooled SD``, with
   ``pooled SD = √(((n₁−1)s₁² + (n₂−1)s₂²) / (n₁+n₂−2))`` over the values present and ``t`` the
   exact two-tailed Student quantile ``qt(1 − α/2, n₁+n₂−2)``: 2.776445 with 3 + 3 values,
   3.182446 with one value missing, 4.302653 with one missing on each side. At least two of
   the three values are needed on each side, and both ``x[n]`` and ``x[n+1]``.

A sudden **loss** mirrors every criterion: ``x[n+1] − x[n] ≥ cutoff``, ``x[n+1] − x[n] ≥ 25 %``
of ``x[n]``, and ``mean(after) − mean(before) > t·pooled SD``.

Sources (``shared/reference/clinical-science.md`` §4):

* Tang, T. Z., & DeRubeis, R. J. (1999). Sudden gains and critical sessions in
  cognitive-behavioral therapy for depression. *J Consult Clin Psychol* 67(6):894-904.
* Wiedemann, M., Thew, G. R., Stott, R., & Ehlers, A. (2020). suddengains: an R package to
  identify sudden gains in longitudinal data. *PLOS ONE*, doi:10.1371/journal.pone.0230276 —
  defaults reproduced here: ``sg_crit1_cutoff`` ≥ (not >), ``sg_crit2_pct = .25``,
  ``sg_crit3_alpha = .05`` with ``sg_crit3_adjust = TRUE`` (exact ``qt``, not the rounded
  2.776), at least 2 of 3 values on each side, ``identify_sg_1to2 = FALSE``.
  ``identify_sg_1to2`` changes only the session numbering: when the first column is a
  pre-treatment baseline, sessions are numbered from 0, so the interval from session 1 to 2
  has two pre-gain values and can be tested.
* Differences from the package, on purpose: the package's loss criterion 2 is coded as
  ``x[n] − x[n+1] ≤ 25 % · x[n]``, which every rise passes; here it is the true mirror (the
  rise is at least 25 % of the pre-loss score). On the package's ``sgdata`` both give the same
  losses (tests/engine/test_sudden_gains.py), and for PHQ-9 with a cut-off of 6 the two can
  never differ (a rise of 6 from at most 21 is always ≥ 25 %; from above 21 it cannot happen).
* The PHQ-9 detector uses the RCI-based cut-off option with the PHQ-9 reliable-change value of
  6 points (NHS Talking Therapies, §1.2) instead of the BDI's 7, because PHQ-9 runs 0-27.

No Django import: this is part of :mod:`attune.engine`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike

from attune.engine.batch import ATTENDED, BoolArray, EpisodeBatch, FloatArray, IntArray
from attune.engine.signals import (
    ACKNOWLEDGE_PROGRESS,
    INVITE_FEEDBACK,
    REVIEW_IN_SUPERVISION,
    Signal,
)

__all__ = [
    "DEFAULT_SUDDEN_GAINS",
    "PHQ9_SUDDEN_CHANGES",
    "SuddenChange",
    "SuddenChangeSummary",
    "SuddenGainConfig",
    "count_testable_intervals",
    "detect_sudden_changes",
    "identify_sudden_changes",
    "identify_sudden_gains",
    "identify_sudden_losses",
    "measured_sessions",
    "sudden_change_signals",
    "summarise",
    "t_critical_value",
]

#: Values on each side of a gain that criterion 3 looks at (Tang & DeRubeis 1999).
WINDOW: Final = 3
#: Fewest values needed on each side (suddengains: "at least two of three").
MIN_VALUES: Final = 2


@dataclass(frozen=True)
class SuddenGainConfig:
    """Criteria of a sudden gain or loss (Tang & DeRubeis 1999; suddengains defaults).

    ``cutoff``: criterion 1 in score points (7 BDI points as in the package examples; use an
    RCI-based value, :func:`attune.engine.outcomes.reliable_change_points`, for other scales).
    ``percent``: criterion 2 as a fraction of the pre-gain score (0.25). ``alpha``: two-tailed
    level of the criterion-3 t quantile (0.05). ``critical_value``: a fixed criterion-3 value
    for every comparison instead of the exact quantile adjusted for missing values (the
    package's ``sg_crit3_adjust = FALSE`` uses 2.776). ``identify_1to2``: the first column is a
    baseline, numbered session 0 (``identify_sg_1to2``).
    """

    cutoff: float = 7.0
    percent: float = 0.25
    alpha: float = 0.05
    critical_value: float | None = None
    identify_1to2: bool = False

    def __post_init__(self) -> None:
        if not (math.isfinite(self.cutoff) and self.cutoff > 0):
            raise ValueError("the criterion-1 cut-off must be a positive number of points")
        if not (math.isfinite(self.percent) and 0 <= self.percent < 1):
            raise ValueError("the criterion-2 fraction must be at least 0 and below 1")
        if not 0 < self.alpha < 1:
            raise ValueError("alpha must be between 0 and 1")
        if self.critical_value is not None and not self.critical_value > 0:
            raise ValueError("a fixed critical value must be positive")


#: The suddengains package defaults (criterion 1 = 7 points, as for the BDI).
DEFAULT_SUDDEN_GAINS: Final = SuddenGainConfig()
#: What the PHQ-9 detector uses: criterion 1 = PHQ-9 reliable change, 6 points (§1.2).
PHQ9_SUDDEN_CHANGES: Final = SuddenGainConfig(cutoff=6.0)


@dataclass(frozen=True)
class SuddenChange:
    """One sudden gain or loss of one person (row) of the score array.

    ``pre_column`` / ``post_column`` are 0-based columns of the array; ``session`` is the
    pre-gain session number in the package's numbering (column + 1, or the column itself when
    the first column is a baseline). ``magnitude`` is the size of the jump (positive for gains
    and for losses); ``change`` is ``post_score − pre_score`` (negative for a gain).
    """

    person: int
    loss: bool
    pre_column: int
    post_column: int
    session: int
    pre_score: float
    post_score: float
    magnitude: float
    change: float
    pre_mean: float
    post_mean: float
    pooled_sd: float
    critical_value: float
    n_pre: int
    n_post: int

    def as_dict(self) -> dict[str, object]:
        """Plain JSON-serialisable fields."""
        return {
            "person": self.person,
            "kind": "loss" if self.loss else "gain",
            "session": self.session,
            "pre_column": self.pre_column,
            "post_column": self.post_column,
            "pre_score": self.pre_score,
            "post_score": self.post_score,
            "magnitude": self.magnitude,
            "change": self.change,
            "pre_mean": self.pre_mean,
            "post_mean": self.post_mean,
            "pooled_sd": self.pooled_sd,
            "critical_value": self.critical_value,
            "n_pre": self.n_pre,
            "n_post": self.n_post,
        }


# --------------------------------------------------------------------------- Student t quantile


def _t_two_sided_mass(theta: float, df: int) -> float:
    """P(|T| ≤ √df·tan θ) for Student's t with integer ``df`` (Abramowitz & Stegun 26.7.3-4)."""
    s, c = math.sin(theta), math.cos(theta)
    c2 = c * c
    if df % 2 == 0:
        term, total = 1.0, 1.0
        for k in range(1, df // 2):
            term *= c2 * (2 * k - 1) / (2 * k)
            total += term
        return s * total
    if df == 1:
        return 2.0 * theta / math.pi
    term, total = 1.0, 1.0
    for k in range(1, (df - 1) // 2):
        term *= c2 * (2 * k) / (2 * k + 1)
        total += term
    return 2.0 / math.pi * (theta + s * c * total)


@lru_cache(maxsize=64)
def t_critical_value(alpha: float, df: int) -> float:
    """Two-tailed Student t critical value, R's ``abs(qt(alpha / 2, df))``, for integer ``df``.

    Exact series for the t distribution with integer degrees of freedom (Abramowitz & Stegun
    26.7.3-4), inverted by bisection to double precision: ``t_critical_value(.05, 4)`` is
    2.776445, ``(.05, 3)`` 3.182446, ``(.05, 2)`` 4.302653 (clinical-science.md §4).
    """
    if df < 1:
        raise ValueError("degrees of freedom must be at least 1")
    if not 0 < alpha < 1:
        raise ValueError("alpha must be between 0 and 1")
    target = 1.0 - alpha
    lo, hi = 0.0, math.pi / 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        if _t_two_sided_mass(mid, df) < target:
            lo = mid
        else:
            hi = mid
    return math.sqrt(df) * math.tan((lo + hi) / 2)


# --------------------------------------------------------------------------- identification


@dataclass(frozen=True, eq=False)
class _Criteria:
    """Per interval (people × columns − 1) arrays of criterion 1-3 and their ingredients."""

    usable: BoolArray  # all three criteria can be evaluated
    fired: BoolArray
    pre: FloatArray
    post: FloatArray
    pre_mean: FloatArray
    post_mean: FloatArray
    pooled_sd: FloatArray
    critical: FloatArray
    n_pre: IntArray
    n_post: IntArray


def _windows(scores: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The three values up to and including the pre-gain column k, and the three after it.

    Both are (people, columns − 1, 3) views; window k covers columns k−2 … k+3, NaN-padded.
    """
    pad = WINDOW - 1
    padded = np.pad(scores, ((0, 0), (pad, pad)), constant_values=np.nan)
    windows = sliding_window_view(padded, 2 * WINDOW, axis=1)  # (n, t-1, 6)
    return windows[..., :WINDOW], windows[..., WINDOW:]


def _usable(pre: FloatArray, post: FloatArray, n_pre: IntArray, n_post: IntArray) -> BoolArray:
    """Intervals whose three criteria can be judged: both scores of the interval present and
    at least :data:`MIN_VALUES` of the three values on each side."""
    usable: BoolArray = (
        ~np.isnan(pre) & ~np.isnan(post) & (n_pre >= MIN_VALUES) & (n_post >= MIN_VALUES)
    )
    return usable


def _criteria(scores: FloatArray, config: SuddenGainConfig, loss: bool) -> _Criteria:
    n, t = scores.shape
    width = max(t - 1, 0)
    if width == 0:
        empty = np.zeros((n, 0))
        none = np.zeros((n, 0), dtype=bool)
        return _Criteria(
            none, none.copy(), empty, empty, empty, empty, empty, empty,
            np.zeros((n, 0), dtype=np.int64), np.zeros((n, 0), dtype=np.int64),
        )  # fmt: skip
    before, after = _windows(scores)
    pre, post = before[..., -1], after[..., 0]
    has_b, has_a = ~np.isnan(before), ~np.isnan(after)
    n_pre, n_post = has_b.sum(axis=2), has_a.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_b = np.where(has_b, before, 0.0).sum(axis=2) / n_pre
        mean_a = np.where(has_a, after, 0.0).sum(axis=2) / n_post
        ss_b = np.where(has_b, (before - mean_b[..., None]) ** 2, 0.0).sum(axis=2)
        ss_a = np.where(has_a, (after - mean_a[..., None]) ** 2, 0.0).sum(axis=2)
        df = n_pre + n_post - 2
        pooled = np.sqrt((ss_b + ss_a) / df)
    if config.critical_value is not None:
        critical = np.full(pre.shape, float(config.critical_value))
    else:
        table = np.array(
            [np.nan] + [t_critical_value(config.alpha, d) for d in range(1, 2 * WINDOW - 1)]
        )
        critical = table[np.clip(df, 0, 2 * WINDOW - 2)]
    usable = _usable(pre, post, n_pre, n_post)
    with np.errstate(invalid="ignore"):
        jump = post - pre if loss else pre - post  # positive = in the direction looked for
        shift = mean_a - mean_b if loss else mean_b - mean_a
        fired = (
            usable
            & (jump >= config.cutoff)
            & (jump >= config.percent * pre)
            & (shift > critical * pooled)
        )
    return _Criteria(usable, fired, pre, post, mean_b, mean_a, pooled, critical, n_pre, n_post)


def identify_sudden_changes(
    scores: ArrayLike, config: SuddenGainConfig = DEFAULT_SUDDEN_GAINS, *, losses: bool = False
) -> list[SuddenChange]:
    """Every sudden gain (or, with ``losses``, every sudden loss) in a people × sessions array.

    ``scores`` holds consecutive measurements per row, lower is better, NaN where missing.
    Vectorised over all rows and intervals; events come back ordered by person, then session.
    """
    array = np.asarray(scores, dtype=np.float64)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2:
        raise ValueError("scores must be a 2-D array: people × sessions")
    crit = _criteria(array, config, losses)
    first = 0 if config.identify_1to2 else 1
    events: list[SuddenChange] = []
    for person, k in zip(*np.nonzero(crit.fired), strict=True):
        i, j = int(person), int(k)
        pre, post = float(crit.pre[i, j]), float(crit.post[i, j])
        events.append(
            SuddenChange(
                person=i,
                loss=losses,
                pre_column=j,
                post_column=j + 1,
                session=j + first,
                pre_score=pre,
                post_score=post,
                magnitude=abs(pre - post),
                change=post - pre,
                pre_mean=float(crit.pre_mean[i, j]),
                post_mean=float(crit.post_mean[i, j]),
                pooled_sd=float(crit.pooled_sd[i, j]),
                critical_value=float(crit.critical[i, j]),
                n_pre=int(crit.n_pre[i, j]),
                n_post=int(crit.n_post[i, j]),
            )
        )
    return events


def identify_sudden_gains(
    scores: ArrayLike, config: SuddenGainConfig = DEFAULT_SUDDEN_GAINS
) -> list[SuddenChange]:
    """Sudden gains (Tang & DeRubeis 1999) in a people × sessions array; see the module."""
    return identify_sudden_changes(scores, config, losses=False)


def identify_sudden_losses(
    scores: ArrayLike, config: SuddenGainConfig = DEFAULT_SUDDEN_GAINS
) -> list[SuddenChange]:
    """Sudden losses: the mirror of :func:`identify_sudden_gains`."""
    return identify_sudden_changes(scores, config, losses=True)


def count_testable_intervals(scores: ArrayLike) -> int:
    """How many session-to-session intervals have enough data for all three criteria.

    The suddengains ``count_intervals`` "available_between_sess_intervals_sg": both scores of
    the interval present and at least two of three values on each side.
    """
    array = np.atleast_2d(np.asarray(scores, dtype=np.float64))
    if array.shape[1] < 2:
        return 0
    before, after = _windows(array)
    n_pre = (~np.isnan(before)).sum(axis=2)
    n_post = (~np.isnan(after)).sum(axis=2)
    return int(_usable(before[..., -1], after[..., 0], n_pre, n_post).sum())


@dataclass(frozen=True)
class SuddenChangeSummary:
    """Counts as the suddengains ``describe_sg`` reports them.

    ``mean_magnitude`` is over all events (the package's by-gain data); ``None`` without events.
    """

    events: int
    people: int
    people_with_multiple: int
    mean_magnitude: float | None


def summarise(events: Sequence[SuddenChange]) -> SuddenChangeSummary:
    """How many events, in how many people, how many people had more than one, mean size."""
    per_person: dict[int, int] = {}
    for e in events:
        per_person[e.person] = per_person.get(e.person, 0) + 1
    mean = float(np.mean([e.magnitude for e in events])) if events else None
    return SuddenChangeSummary(
        events=len(events),
        people=len(per_person),
        people_with_multiple=sum(1 for c in per_person.values() if c > 1),
        mean_magnitude=mean,
    )


# --------------------------------------------------------------------------- detector


def measured_sessions(batch: EpisodeBatch) -> tuple[FloatArray, IntArray]:
    """PHQ-9 per row over the sessions that took place (attended, or with a score), packed left.

    Cancelled and missed appointments are not measurement points; an attended session without
    a check-in stays a missing value (NaN) in its place.
    """
    keep = (batch.attendance == ATTENDED) | ~np.isnan(batch.phq9)
    order = np.argsort(~keep, axis=1, kind="stable")
    values = np.take_along_axis(np.where(keep, batch.phq9, np.nan), order, axis=1)
    sessions = np.take_along_axis(np.where(keep, batch.session_number, 0), order, axis=1)
    return values, sessions


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def _r(x: float) -> float:
    """Evidence numbers: one decimal, as in the text."""
    return round(float(x), 1)


def detect_sudden_changes(
    batch: EpisodeBatch, config: SuddenGainConfig = PHQ9_SUDDEN_CHANGES
) -> list[Signal]:
    """``sudden_gain`` (info) and ``sudden_loss`` (yellow) signals on each episode's PHQ-9.

    The PHQ-9 scores of the sessions that took place are examined with the Tang & DeRubeis
    (1999) criteria as in the suddengains R package (Wiedemann et al. 2020), criterion 1 set to
    the PHQ-9 reliable change of 6 points (NHS Talking Therapies; clinical-science.md §1.2,
    §4). The key is ``sudden_gain:s<N>`` / ``sudden_loss:s<N>`` with N the pre-gain session —
    Tang & DeRubeis' "critical session", whose check-in came before the drop. A fall in PHQ-9
    can never be a sudden loss.
    """
    if batch.size == 0 or batch.columns == 0:
        return []
    values, sessions = measured_sessions(batch)
    events = identify_sudden_changes(values, config, losses=False)
    events += identify_sudden_changes(values, config, losses=True)
    # Row by row, gains before losses: the order a one-row batch gives.
    events.sort(key=lambda e: (e.person, e.loss, e.pre_column))
    return sudden_change_signals(batch, events, sessions, config)


def sudden_change_signals(
    batch: EpisodeBatch,
    events: list[SuddenChange],
    sessions: IntArray,
    config: SuddenGainConfig,
) -> list[Signal]:
    """The signal of each sudden change already identified in ``batch``, its pre- and
    post-change columns read as session numbers (``measured_sessions``): one home for the
    signal, used here and by ``evaluate``, which identifies the changes once for several rules."""
    return [
        _signal(
            batch,
            e,
            int(sessions[e.person, e.pre_column]),
            int(sessions[e.person, e.post_column]),
            config,
        )
        for e in events
    ]


_SOURCE: Final = (
    "Tang & DeRubeis (1999), J Consult Clin Psychol 67:894-904; criteria as in the suddengains "
    "R package (Wiedemann et al. 2020, PLOS ONE 15:e0230276); criterion 1 = PHQ-9 reliable "
    "change of 6 points (NHS Talking Therapies Manual)."
)


def _signal(
    batch: EpisodeBatch, e: SuddenChange, pre_session: int, post_session: int, c: SuddenGainConfig
) -> Signal:
    kind = "sudden_loss" if e.loss else "sudden_gain"
    evidence: dict[str, object] = {
        "measure": "PHQ-9",
        "pre_gain_session": pre_session,
        "post_gain_session": post_session,
        "pre_score": _r(e.pre_score),
        "post_score": _r(e.post_score),
        "magnitude": _r(e.magnitude),
        "percent_of_pre": _r(e.magnitude / e.pre_score * 100.0) if e.pre_score > 0 else None,
        "mean_before": _r(e.pre_mean),
        "mean_after": _r(e.post_mean),
        "pooled_sd": _r(e.pooled_sd),
        "critical_value": _r(e.critical_value),
        "values_before": e.n_pre,
        "values_after": e.n_post,
        "cutoff": _r(c.cutoff),
        "percent": _r(c.percent * 100.0),
    }
    verb, direction = ("rose", "up") if e.loss else ("fell", "down")
    explanation = (
        f"PHQ-9 {verb} from {_num(e.pre_score)} before session {pre_session} to "
        f"{_num(e.post_score)} before session {post_session} ({_num(e.magnitude)} points, at "
        f"least {_num(c.cutoff)} and at least {_num(c.percent * 100)} % of the earlier score), "
        f"and it stayed {direction}: the average of the check-ins around it moved from "
        f"{_num(_r(e.pre_mean))} to {_num(_r(e.post_mean))}, more than the session-to-session "
        "noise."
    )
    if e.loss:
        explanation += " Something may have happened in or after session " + str(pre_session) + "."
        title = f"Sudden loss after session {pre_session}"
        actions: tuple[str, ...] = (INVITE_FEEDBACK, REVIEW_IN_SUPERVISION)
    else:
        explanation += f" Session {pre_session} may have been a turning point."
        title = f"Sudden gain after session {pre_session}"
        actions = (ACKNOWLEDGE_PROGRESS,)
    return Signal(
        episode_id=int(batch.episode_ids[e.person]),
        kind=kind,
        severity="yellow" if e.loss else "info",
        session_number=pre_session,
        key=f"{kind}:s{pre_session}",
        title=title,
        explanation=explanation,
        evidence=evidence,
        source=_SOURCE,
        actions=actions,
    )
