"""Evaluate episodes session by session, as the therapist lives them (one routine for all
benchmarks).

After each of an episode's past sessions (attended or not), the app re-evaluates the episode
with the data up to then: step ``k`` is the batch truncated to its first ``k`` columns, for the
episodes that have a ``k``-th past session, with ``ended=False`` (the episode is still open)
and ``as_of`` = the days at that session. ``step_signals`` yields every step's signals.

The simulators are named here so every benchmark offers the same ``--simulator`` choice; each
is a function ``(n_episodes, max_sessions, seed) -> (EpisodeBatch, Courses)``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from attune.engine.batch import NONE, SCHEDULED, EpisodeBatch  # noqa: E402
from attune.engine.evaluate import evaluate  # noqa: E402
from attune.engine.signals import Signal  # noqa: E402
from attune.simulation.to_batch import simulate_batch  # noqa: E402
from attune.simulation.trajectories import Courses  # noqa: E402

Simulator = Callable[[int, int, int], tuple[EpisodeBatch, Courses]]

#: ``--simulator`` choices. "current": today's simulator (attune.simulation.to_batch);
#: "ceiling": the same courses with session feedback that crowds at the top of the scale, as
#: real alliance ratings do (``simulate_batch(alliance="ceiling")``).
SIMULATORS: dict[str, Simulator] = {
    "current": lambda n, t, seed: simulate_batch(n, t, seed),
    "ceiling": lambda n, t, seed: simulate_batch(n, t, seed, alliance="ceiling"),
}


def simulate(
    name: str, episodes: int, seed: int, max_sessions: int = 20
) -> tuple[EpisodeBatch, Courses]:
    if name not in SIMULATORS:
        raise SystemExit(f"unknown simulator {name!r}; known: {sorted(SIMULATORS)}")
    return SIMULATORS[name](episodes, max_sessions, seed)


def past_sessions(batch: EpisodeBatch) -> np.ndarray:
    """(n, t) columns that are past sessions (attended, cancelled or missed; not scheduled)."""
    att = batch.attendance
    return np.asarray((att != NONE) & (att != SCHEDULED))


def truncate(batch: EpisodeBatch, rows: np.ndarray, k: int) -> EpisodeBatch:
    """The episodes ``rows`` with their first ``k`` columns, still open (``ended=False``).

    Generic over the batch's fields, so a field added later is truncated too.
    """
    n, t = batch.attendance.shape
    values: dict[str, object] = {}
    for f in fields(batch):
        a = getattr(batch, f.name)
        if f.name == "ended":
            values[f.name] = np.zeros(rows.size, dtype=bool)
        elif a.ndim >= 2 and a.shape[:2] == (n, t):
            values[f.name] = a[rows, :k]
        else:
            values[f.name] = a[rows]
    return EpisodeBatch(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Step:
    """One evaluation round: session column ``k`` (1-based) of the episodes ``rows``."""

    k: int
    rows: np.ndarray
    signals: list[Signal]


def step_signals(
    batch: EpisodeBatch, evaluator: Callable[..., list[Signal]] = evaluate
) -> Iterator[Step]:
    """Every episode evaluated after each of its past sessions with the data up to then."""
    past = past_sessions(batch)
    for k in range(1, batch.columns + 1):
        rows = np.flatnonzero(past[:, k - 1])
        if rows.size == 0:
            continue
        sub = truncate(batch, rows, k)
        as_of = np.asarray(batch.days[rows, k - 1], dtype=np.float64)
        yield Step(k, rows, evaluator(sub, as_of=as_of))
