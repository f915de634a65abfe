"""Practice outcomes of a network of practices, counted per partition and added up exactly.

A course's figures come from its row of the batch: attended sessions, ``ended``, and the first
and last PHQ-9 and GAD-7 of the episode (a pair only with at least two scores of that measure,
as the practice outcomes page reads them, ``attune.outcomes.queries``). The rules are the
engine's one home for them (:mod:`attune.engine.practice_outcomes`): this module only gathers
the columns and adds the counts. Counts are integers, so the sum over any split into partitions
equals the count over the whole; percentages are computed only from the summed counts
(``published_percentage``), never averaged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from attune.engine.batch import EpisodeBatch, FloatArray, IntArray
from attune.engine.outcomes import DEFAULT_TALKING_THERAPIES, TalkingTherapiesConfig
from attune.engine.practice_outcomes import (
    CourseCounts,
    course_outcomes,
    finished_course,
    grouped_counts,
    published_percentage,
)

#: Practice code of the network's total in :func:`network_counts`' answer.
NETWORK = -1


def first_last(scores: FloatArray) -> tuple[FloatArray, FloatArray]:
    """First and last recorded value of each row; NaN both when fewer than two were recorded."""
    seen = ~np.isnan(scores)
    count = seen.sum(axis=1)
    t = scores.shape[1]
    first_col = np.argmax(seen, axis=1)
    last_col = t - 1 - np.argmax(seen[:, ::-1], axis=1)
    rows = np.arange(scores.shape[0])
    paired = count >= 2
    first: FloatArray = np.where(paired, scores[rows, first_col], np.nan)
    last: FloatArray = np.where(paired, scores[rows, last_col], np.nan)
    return first, last


def practice_counts(
    batch: EpisodeBatch,
    practice: IntArray,
    config: TalkingTherapiesConfig = DEFAULT_TALKING_THERAPIES,
) -> dict[int, CourseCounts]:
    """The counts of every practice code present in ``practice`` (codes ≥ 0; others are left
    out), from the finished courses of ``batch``."""
    codes = np.asarray(practice, dtype=np.int64)
    if batch.size == 0:
        return {}
    p0, p1 = first_last(batch.phq9)
    g0, g1 = first_last(batch.gad7)
    outcomes = course_outcomes(p0, p1, g0, g1, config)
    finished = finished_course(batch.attended.sum(axis=1), batch.ended)
    present: NDArray[np.int64] = np.unique(codes[codes >= 0])
    if present.size == 0:
        return {}
    dense = np.searchsorted(present, codes)
    dense = np.where(codes >= 0, dense, -1)
    counts = grouped_counts(outcomes, finished, dense, int(present.size))
    return {int(code): c for code, c in zip(present, counts, strict=True)}


def combine(parts: Iterable[Mapping[int, CourseCounts]]) -> dict[int, CourseCounts]:
    """Per-practice counts of several partitions added up, plus the network's total under
    :data:`NETWORK`; practices in ascending code order."""
    total: dict[int, CourseCounts] = {}
    for part in parts:
        for code, counts in part.items():
            total[code] = total.get(code, CourseCounts()) + counts
    out = {code: total[code] for code in sorted(total)}
    out[NETWORK] = sum(out.values(), CourseCounts())
    return out


@dataclass(frozen=True)
class Percentages:
    """The published percentages of summed counts (one decimal, halves up; None: empty)."""

    recovery: float | None
    reliable_recovery: float | None
    improvement: float | None
    deterioration: float | None


def percentages(c: CourseCounts) -> Percentages:
    """The published percentages, from counts only (the denominators of
    :mod:`attune.engine.practice_outcomes`)."""
    return Percentages(
        recovery=published_percentage(c.recovered, c.caseness_denominator),
        reliable_recovery=published_percentage(c.reliably_recovered, c.caseness_denominator),
        improvement=published_percentage(c.improved, c.finished),
        deterioration=published_percentage(c.deteriorated, c.finished),
    )


def as_dict(c: CourseCounts) -> dict[str, object]:
    """Counts and percentages as plain JSON-ready values."""
    out: dict[str, object] = {f.name: getattr(c, f.name) for f in fields(c)}
    p = percentages(c)
    out.update({f"{f.name}_percent": getattr(p, f.name) for f in fields(p)})
    return out
