"""Practice outcomes the way NHS Talking Therapies reports them: counts, rates, effect size.

The per-episode rules (caseness, reliable change, the paired PHQ-9 / GAD-7 rule) have ONE home:
:func:`attune.engine.outcomes.talking_therapies_outcomes` with its
:class:`~attune.engine.outcomes.TalkingTherapiesConfig` (PHQ-9 caseness ≥ 10, GAD-7 ≥ 8;
reliable change 6 / 4 points). This module only adds what a *report* needs on top: who finished
a course, the aggregate counts, the rates with their published denominators and rounding, the
pre–post effect size, and small-count suppression. Pure numpy, no Django import.

Definitions (NHS England / National Collaborating Centre for Mental Health, *NHS Talking
Therapies for anxiety and depression Manual*, key performance indicators; the annual report's
methodology notes (NHS England, *NHS Talking Therapies for anxiety and depression, Annual
Reports*, measures table); PHE Fingertips glossary [V]; clinical-science.md §1.3). The
denominators and the rounding below are confirmed against the published counts themselves
(every England row, see "Published percentages"):

* **Finished a course of treatment** — the referral *ended* having had **at least two attended
  treatment appointments**. Attune has no separate assessment appointment, so every attended
  session of the episode counts. A transfer to a colleague is not an ending (care goes on).
* **At caseness at the start** — the first PHQ-9 is ≥ 10 **or** the first GAD-7 is ≥ 8.
  *Not at caseness* = a finished course whose first scores are both below caseness.
* **Recovery** — at caseness at the start and below caseness on **both** measures at the end.
  Rate = recovered ÷ (finished − not at caseness at the start).
* **Reliable recovery** — recovered **and** reliably improved. Same denominator as recovery.
* **Reliable improvement** — a fall of at least the reliable-change value on at least one
  measure (PHQ-9 ≥ 6, GAD-7 ≥ 4) **and** no reliable deterioration on the other. Rate =
  improved ÷ finished.
* **Reliable deterioration** — a rise of at least the reliable-change value on either measure.
  Rate = deteriorated ÷ finished. *No reliable change* = the paired courses that are neither.
* **Published percentages** are ``100 × count ÷ denominator`` rounded to one decimal, halves
  up. With these denominators and this rounding every England row of the annual reports
  2017-18 … 2024-25 that carries its counts is reproduced (tests/engine/
  test_practice_outcomes.py prints the share; it is 100 %). Note that the published
  denominators keep finished courses *without* paired scores (they count as neither caseness
  nor improvement); Attune follows that and shows how many there were.
* **Pre–post effect size** (the annual report's PROMs "effect_size"; Delgadillo et al. 2014,
  clinical-science.md §7): ``(mean start − mean end) ÷ SD start`` over the finished courses
  with both scores of that measure; SD with n − 1 (the sample SD).
* **Small counts are suppressed**: a count under ``SuppressionConfig.below`` (default 10) is
  shown as "fewer than 10", and a rate is withheld when its numerator, its denominator or the
  rest of the denominator (denominator − numerator) is under the limit — otherwise "2 of 12
  did not recover" would be readable from "83 %". The NHS annual reports suppress sub-national
  counts under 5 (NHS Digital, *Statistical disclosure control*, "*" in the CSVs); Attune's
  practices are far smaller, hence the stricter default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

import numpy as np
from numpy.typing import ArrayLike

from attune.engine.batch import BoolArray, IntArray
from attune.engine.outcomes import (
    DEFAULT_TALKING_THERAPIES,
    TalkingTherapiesConfig,
    TalkingTherapiesOutcomes,
    talking_therapies_outcomes,
)

__all__ = [
    "MIN_TREATMENT_SESSIONS",
    "SUPPRESS_BELOW",
    "CourseCounts",
    "EffectSize",
    "Rates",
    "Shown",
    "SuppressionConfig",
    "course_counts",
    "course_outcomes",
    "effect_size",
    "finished_course",
    "group_codes",
    "grouped_counts",
    "published_percentage",
    "rates",
    "show_count",
    "show_rate",
]

#: "At least two attended treatment appointments" (NHS Talking Therapies Manual, KPIs).
MIN_TREATMENT_SESSIONS: Final = 2
#: Counts under this are not shown (configurable; see the module docstring).
SUPPRESS_BELOW: Final = 10


def finished_course(
    attended: ArrayLike, ended: ArrayLike, min_sessions: int = MIN_TREATMENT_SESSIONS
) -> BoolArray:
    """Finished a course of treatment: ended with ≥ ``min_sessions`` attended sessions
    (NHS Talking Therapies Manual, KPI definitions; PHE Fingertips glossary)."""
    a = np.asarray(attended, dtype=np.int64)
    e = np.asarray(ended, dtype=np.bool_)
    return np.asarray(e & (a >= min_sessions), dtype=np.bool_)


def course_outcomes(
    phq9_first: ArrayLike,
    phq9_last: ArrayLike,
    gad7_first: ArrayLike,
    gad7_last: ArrayLike,
    config: TalkingTherapiesConfig = DEFAULT_TALKING_THERAPIES,
) -> TalkingTherapiesOutcomes:
    """The per-course outcomes: the engine's one NHS Talking Therapies rule, unchanged
    (:func:`attune.engine.outcomes.talking_therapies_outcomes`)."""
    return talking_therapies_outcomes(phq9_first, phq9_last, gad7_first, gad7_last, config)


@dataclass(frozen=True)
class CourseCounts:
    """The counts of the annual report's "measures" table for one group of courses."""

    finished: int = 0
    not_at_caseness: int = 0  # finished, paired, below caseness on both at the start
    paired: int = 0  # finished with first and last scores on at least one measure
    recovered: int = 0
    reliably_recovered: int = 0
    improved: int = 0
    deteriorated: int = 0
    no_reliable_change: int = 0

    @property
    def caseness_denominator(self) -> int:
        """Finished − not at caseness: the published denominator of (reliable) recovery."""
        return self.finished - self.not_at_caseness

    @property
    def unpaired(self) -> int:
        return self.finished - self.paired

    def __add__(self, other: CourseCounts) -> CourseCounts:
        return CourseCounts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )


def _count_arrays(outcomes: TalkingTherapiesOutcomes, finished: BoolArray) -> dict[str, BoolArray]:
    f = np.asarray(finished, dtype=np.bool_)
    paired = f & outcomes.paired
    improved = paired & outcomes.reliable_improvement
    deteriorated = paired & outcomes.reliable_deterioration
    return {
        "finished": f,
        "not_at_caseness": paired & ~outcomes.caseness_start,
        "paired": paired,
        "recovered": paired & outcomes.recovery,
        "reliably_recovered": paired & outcomes.reliable_recovery,
        "improved": improved,
        "deteriorated": deteriorated,
        "no_reliable_change": paired & ~improved & ~deteriorated,
    }


def course_counts(outcomes: TalkingTherapiesOutcomes, finished: ArrayLike) -> CourseCounts:
    """Count the finished courses by the definitions of the module docstring."""
    arrays = _count_arrays(outcomes, np.asarray(finished, dtype=np.bool_))
    return CourseCounts(**{k: int(v.sum()) for k, v in arrays.items()})


def grouped_counts(
    outcomes: TalkingTherapiesOutcomes,
    finished: ArrayLike,
    group: ArrayLike,
    groups: int,
) -> list[CourseCounts]:
    """:func:`course_counts` per group, vectorised (``group[i]`` in ``0 … groups − 1``; a
    negative code leaves the course out). For breakdowns where a course belongs to several
    groups (problem areas, approaches), pass one row per (course, group) pair."""
    codes = np.asarray(group, dtype=np.int64)
    keep = codes >= 0
    arrays = _count_arrays(outcomes, np.asarray(finished, dtype=np.bool_))
    per = {
        k: np.bincount(codes[keep], weights=v[keep].astype(np.float64), minlength=groups)
        for k, v in arrays.items()
    }
    return [CourseCounts(**{k: int(round(float(per[k][g]))) for k in per}) for g in range(groups)]


# --------------------------------------------------------------------------- rates


def published_percentage(count: int, denominator: int) -> float | None:
    """``100 × count ÷ denominator`` to one decimal, halves rounded up, as the NHS Talking
    Therapies annual report publishes it; None for an empty denominator. Decimal arithmetic,
    so 0.05 is a half and not 0.04999…"""
    if denominator <= 0:
        return None
    exact = Decimal(100 * count) / Decimal(denominator)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Rates:
    """Rates in [0, 1] (None when the denominator is empty)."""

    recovery: float | None
    reliable_recovery: float | None
    improvement: float | None
    deterioration: float | None
    no_reliable_change: float | None


def _ratio(n: int, d: int) -> float | None:
    return n / d if d > 0 else None


def rates(c: CourseCounts) -> Rates:
    """The published rates of a group (denominators: module docstring)."""
    return Rates(
        recovery=_ratio(c.recovered, c.caseness_denominator),
        reliable_recovery=_ratio(c.reliably_recovered, c.caseness_denominator),
        improvement=_ratio(c.improved, c.finished),
        deterioration=_ratio(c.deteriorated, c.finished),
        no_reliable_change=_ratio(c.no_reliable_change, c.finished),
    )


# --------------------------------------------------------------------------- effect size


@dataclass(frozen=True)
class EffectSize:
    """Pre–post effect size of one measure: (mean start − mean end) ÷ SD start."""

    n: int
    mean_start: float
    mean_end: float
    sd_start: float
    value: float | None  # None with fewer than 2 pairs or no spread at the start


def effect_size(start: ArrayLike, end: ArrayLike) -> EffectSize:
    """Pre–post effect size over the pairs where both scores exist (NaN = missing).

    ``(mean(start) − mean(end)) / sd(start)``, the sample SD (n − 1): the PROMs "effect_size"
    of the NHS Talking Therapies annual report; positive = symptoms went down.
    """
    s = np.atleast_1d(np.asarray(start, dtype=np.float64))
    e = np.atleast_1d(np.asarray(end, dtype=np.float64))
    ok = ~np.isnan(s) & ~np.isnan(e)
    s, e = s[ok], e[ok]
    n = int(s.size)
    if n == 0:
        return EffectSize(0, math.nan, math.nan, math.nan, None)
    m0, m1 = float(s.mean()), float(e.mean())
    sd = float(s.std(ddof=1)) if n >= 2 else math.nan
    value = (m0 - m1) / sd if n >= 2 and sd > 0 else None
    return EffectSize(n, m0, m1, sd, value)


# --------------------------------------------------------------------------- suppression


@dataclass(frozen=True)
class SuppressionConfig:
    """Counts under ``below`` are withheld (module docstring)."""

    below: int = SUPPRESS_BELOW

    def __post_init__(self) -> None:
        if self.below < 1:
            raise ValueError("the suppression limit must be at least 1")


@dataclass(frozen=True)
class Shown:
    """What a page may print: the value, or why it is withheld."""

    value: float | int | None
    text: str
    suppressed: bool


def show_count(n: int, config: SuppressionConfig = SuppressionConfig()) -> Shown:
    """A count, or "fewer than N" when it is under the limit (0 included: a zero in a small
    practice tells as much as a one)."""
    if n < config.below:
        return Shown(None, f"fewer than {config.below}", True)
    return Shown(n, str(n), False)


def show_rate(
    numerator: int, denominator: int, config: SuppressionConfig = SuppressionConfig()
) -> Shown:
    """A percentage with one decimal (the published rounding), withheld when the numerator,
    the denominator or their difference is under the limit."""
    if denominator <= 0:
        return Shown(None, "no courses", True)
    k = config.below
    if denominator < k or numerator < k or denominator - numerator < k:
        return Shown(None, "not shown (small numbers)", True)
    pct = published_percentage(numerator, denominator)
    assert pct is not None
    return Shown(pct, f"{pct:.1f} %", False)


def group_codes(labels: list[str]) -> tuple[list[str], IntArray]:
    """Distinct labels in first-seen order and each label's code (a small helper for
    :func:`grouped_counts`)."""
    order: dict[str, int] = {}
    codes = [order.setdefault(label, len(order)) for label in labels]
    return list(order), np.asarray(codes, dtype=np.int64)
