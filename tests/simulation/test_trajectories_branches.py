"""Branches of :mod:`attune.simulation.trajectories` the main tests leave: bad arguments and
a batch of one-session episodes (no AR(1) path to draw, nobody an early dropout)."""

from __future__ import annotations

import numpy as np
import pytest

from attune.simulation import trajectories as tr

IMPROVER = tr.ARCHETYPES.index("improver")


@pytest.mark.parametrize(
    ("archetype", "n_sessions", "future", "message"),
    [
        ([], [], None, "at least one episode is needed"),
        ([IMPROVER, IMPROVER], [3, 0], None, "every episode needs at least one session"),
        ([IMPROVER], [1], [True], "every episode needs at least one past session"),
    ],
)
def test_generate_courses_errors(
    archetype: list[int], n_sessions: list[int], future: list[bool] | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        tr.generate_courses(
            np.random.default_rng(0),
            np.array(archetype, dtype=np.int8),
            np.array(n_sessions, dtype=np.int64),
            future=None if future is None else np.array(future),
        )


def test_simulate_needs_two_sessions() -> None:
    with pytest.raises(ValueError, match="max_sessions must be at least 2"):
        tr.simulate_phq9_courses(5, max_sessions=1)


def test_one_session_courses() -> None:
    courses = tr.generate_courses(
        np.random.default_rng(1), np.full(4, IMPROVER, dtype=np.int8), np.ones(4, dtype=np.int64)
    )
    assert courses.true_phq9.shape == (4, 1)
    assert courses.attendance[:, 0].tolist() == [tr.ATTENDED] * 4
    assert (courses.n_past == 1).all()
    observed, latent = courses.phq9[:, 0], courses.true_phq9[:, 0]
    assert np.isfinite(observed).all()
    # the measurement error is clipped at ±2 points (times at most 1) and then rounded
    assert (np.abs(observed - latent) <= 2.5).all()
    assert ((observed >= 0) & (observed <= tr.PHQ9_MAX)).all()
    assert (observed == np.rint(observed)).all()
