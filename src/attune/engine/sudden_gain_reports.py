"""By-gain and by-person reports of sudden gains, as the suddengains R package builds them.

Takes the events of :func:`attune.engine.sudden_gains.identify_sudden_changes` and the
people × sessions score array they came from, and adds what the package's ``create_bysg()``,
``create_byperson()`` and ``describe_sg()`` report:

* **values around each gain** — the scores ``n−2 … n+3`` around the pre-gain session ``n``
  (``extract_values``; NaN where missing or outside the data); the pre- and post-gain means
  (mean of ``n−2..n`` and ``n+1..n+3``) are on every event already;
* **reversal** (Tang & DeRubeis 1999, p. 896: a gain is reversed when the patient later loses
  at least half of it) — the package's rule: ``sg_reversal_value = x[n+1] + magnitude / 2`` (the
  midpoint of the pre- and post-gain scores) and the gain is reversed when any later score is
  above it (below it for a sudden loss). "Later" is the package's: every column ``c`` (0-based)
  with ``c − sg_session_n ≥ 2``. With ``identify_sg_1to2 = FALSE`` the session number is the
  column + 1, so the first session after the post-gain one is not looked at — we keep that to
  reproduce the package's published figures (``create_bysg``);
* **change proportion** — ``magnitude / (first − last score)`` (``sg_change_proportion``;
  ``None`` when the overall change is 0 or a score is missing);
* **by person** — one gain per person: the ``first``, ``last``, ``smallest`` or ``largest``
  (ties: the earliest), as ``create_byperson(multiple_sg_select = …)``;
* **describe** — ``describe_sg()`` on the by-gain or by-person data: numbers, percentages,
  reversals and the mean and SD of the magnitudes (rounded to 2 places as the package prints).

Sources: Tang, T. Z., & DeRubeis, R. J. (1999), J Consult Clin Psychol 67(6):894-904;
Wiedemann, M., Thew, G. R., Stott, R., & Ehlers, A. (2020), suddengains: an R package to identify
sudden gains in longitudinal data, PLOS ONE, doi:10.1371/journal.pone.0230276
(milanwiedemann/suddengains, ``R/create_bysg.R``, ``R/create_byperson.R``, ``R/describe_sg.R``).

No Django import: this is part of :mod:`attune.engine`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike

from attune.engine.sudden_gains import SuddenChange

__all__ = [
    "MULTIPLE_SG_SELECT",
    "GainReport",
    "by_person",
    "describe_byperson",
    "describe_bysg",
    "report_gains",
]

#: ``create_byperson(multiple_sg_select = …)`` values; the package's default is ``first``.
MULTIPLE_SG_SELECT: Final[tuple[str, ...]] = ("first", "last", "smallest", "largest")
#: Offsets of the extracted values around the pre-gain session n (``extract_values``).
AROUND: Final[tuple[int, ...]] = (-2, -1, 0, 1, 2, 3)


@dataclass(frozen=True)
class GainReport:
    """One sudden gain (or loss) with the package's by-gain variables."""

    event: SuddenChange
    freq_byperson: int
    values_around: tuple[float | None, ...]
    reversal_value: float
    reversal: bool
    change_proportion: float | None

    def as_dict(self) -> dict[str, object]:
        return {
            "freq_byperson": self.freq_byperson,
            "values_around": list(self.values_around),
            "reversal_value": self.reversal_value,
            "reversal": self.reversal,
            "change_proportion": self.change_proportion,
        }


def _value(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def report_gains(scores: ArrayLike, events: Sequence[SuddenChange]) -> list[GainReport]:
    """The by-gain data (``create_bysg``): frequency per person, values ``n−2..n+3``, reversal
    and change proportion of every event, in the order of ``events``."""
    array = np.atleast_2d(np.asarray(scores, dtype=np.float64))
    n_cols = array.shape[1]
    freq: dict[int, int] = {}
    for e in events:
        freq[e.person] = freq.get(e.person, 0) + 1
    reports: list[GainReport] = []
    for e in events:
        row = array[e.person]
        around = tuple(
            _value(float(row[e.pre_column + k])) if 0 <= e.pre_column + k < n_cols else None
            for k in AROUND
        )
        midpoint = e.post_score + (e.pre_score - e.post_score) / 2.0
        later = row[max(e.session + 2, 0) :]
        later = later[~np.isnan(later)]
        reversal = bool(np.any(later < midpoint) if e.loss else np.any(later > midpoint))
        total = float(row[0] - row[-1])
        proportion: float | None = None
        if math.isfinite(total) and total != 0:
            proportion = e.magnitude / total
        reports.append(GainReport(e, freq[e.person], around, midpoint, reversal, proportion))
    return reports


def by_person(reports: Sequence[GainReport], select: str = "first") -> dict[int, GainReport]:
    """One gain per person (``create_byperson``): ``first`` / ``last`` (by session) or
    ``smallest`` / ``largest`` (by magnitude, ties to the earliest). Keys are row indices."""
    if select not in MULTIPLE_SG_SELECT:
        raise ValueError(f"multiple_sg_select must be one of {', '.join(MULTIPLE_SG_SELECT)}")
    chosen: dict[int, GainReport] = {}
    for r in reports:
        best = chosen.get(r.event.person)
        if best is None:
            chosen[r.event.person] = r
            continue
        a, b = r.event, best.event
        if select == "first":
            better = a.session < b.session
        elif select == "last":
            better = a.session > b.session
        elif select == "largest":
            better = a.magnitude > b.magnitude or (
                a.magnitude == b.magnitude and a.session < b.session
            )
        else:
            better = a.magnitude < b.magnitude or (
                a.magnitude == b.magnitude and a.session < b.session
            )
        if better:
            chosen[r.event.person] = r
    return chosen


def _r2(x: float) -> float:
    return float(round(x, 2))


def _tally(reports: Sequence[GainReport]) -> tuple[int, int, float | None, float | None]:
    """Of these reports: how many come from a person with more than one gain, how many
    reversed, and the magnitudes' mean and SD (``describe_sg``'s shared figures)."""
    multiple = sum(1 for r in reports if r.freq_byperson > 1)
    reversals = sum(1 for r in reports if r.reversal)
    values = np.array([r.event.magnitude for r in reports], dtype=np.float64)
    mean = _r2(float(values.mean())) if values.size else None
    sd = _r2(float(values.std(ddof=1))) if values.size > 1 else None
    return multiple, reversals, mean, sd


def describe_bysg(reports: Sequence[GainReport]) -> dict[str, float | int | None]:
    """``describe_sg(sg_data_structure = "bysg")`` on the by-gain data."""
    n = len(reports)
    multiple, reversals, mean, sd = _tally(reports)
    return {
        "total_n": n,
        "sg_total_n": n,
        "sg_pct": _r2(100.0) if n else None,
        "sg_multiple_pct": _r2(100.0 * multiple / n) if n else None,
        "sg_reversal_n": reversals,
        "sg_reversal_pct": _r2(100.0 * reversals / n) if n else None,
        "sg_magnitude_m": mean,
        "sg_magnitude_sd": sd,
    }


def describe_byperson(
    chosen: dict[int, GainReport], n_people: int, total_events: int
) -> dict[str, float | int | None]:
    """``describe_sg(sg_data_structure = "byperson")`` on the by-person data of ``n_people``."""
    picked = list(chosen.values())
    with_gain = len(picked)
    multiple, reversals, mean, sd = _tally(picked)
    return {
        "total_n": n_people,
        "sg_total_n": total_events,
        "sg_n": with_gain,
        "sg_pct": _r2(100.0 * with_gain / n_people) if n_people else None,
        "sg_multiple_n": multiple,
        "sg_multiple_pct": _r2(100.0 * multiple / n_people) if n_people else None,
        "sg_reversal_n": reversals,
        "sg_reversal_pct": _r2(100.0 * reversals / with_gain) if with_gain else None,
        "sg_magnitude_m": mean,
        "sg_magnitude_sd": sd,
    }
