"""The simulator's alliance ratings: the default (the yardstick) stays exactly as it was; the
ceiling variant crowds at the top of the scale as real session ratings do; the later repair
confirmation and the fit check-in answers are drawn without moving anything else."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from attune.engine.batch import ATTENDED
from attune.simulation.to_batch import FIT_AT_SESSION, simulate_batch
from attune.simulation.trajectories import ALLIANCE_STYLES

#: Every array the default simulator produced before the alliance styles, the later repair
#: confirmation and the fit answers existed (seed 5, 300 episodes; computed on the code before
#: them). Changing the yardstick must
#: be a deliberate decision with figures before and after, never a side effect.
YARDSTICK = "4291e49486961ed4a60c553af0ba39da242d910a9af6568d4558c2b73f41a760"
OLD_FIELDS = (
    "alliance", "ended", "session_number", "attendance", "days", "phq9", "gad7", "phq9_item9",
    "rupture", "resolved", "stopping", "critical_text", "modality_mix",
)  # fmt: skip


def digest(batch, courses) -> str:
    h = hashlib.sha256()
    for name in OLD_FIELDS:
        h.update(np.ascontiguousarray(getattr(batch, name)).tobytes())
    h.update(courses.outcome.tobytes())
    return h.hexdigest()


def ratings(batch) -> np.ndarray:
    a = batch.alliance[batch.attended]
    return a[np.isfinite(a).all(axis=1)]


def within_client_sd(batch) -> float:
    totals = np.where(batch.attended, batch.alliance_total, np.nan)
    enough = np.isfinite(totals).sum(axis=1) >= 3
    return float(np.nanmedian(np.nanstd(totals[enough], axis=1, ddof=1)))


def test_the_default_is_the_yardstick_unchanged():
    batch, courses = simulate_batch(300, 20, seed=5)
    assert digest(batch, courses) == YARDSTICK
    again, same = simulate_batch(300, 20, seed=5, alliance="default")
    assert digest(again, same) == YARDSTICK


def test_ceiling_ratings_crowd_at_the_top():
    default, _ = simulate_batch(3000, 20, seed=1)
    ceiling, _ = simulate_batch(3000, 20, seed=1, alliance="ceiling")
    d, c = ratings(default), ratings(ceiling)
    assert 8.5 <= d.mean() <= 8.9
    assert 8.9 <= c.mean() <= 9.3  # SRS/WAI item means of about 8.5-9, strong ceiling
    assert (c == 10).mean() > 0.4 > (d == 10).mean()
    assert within_client_sd(ceiling) < within_client_sd(default)


def test_the_ceiling_keeps_the_symptom_courses():
    default, truth = simulate_batch(500, 20, seed=2)
    ceiling, same = simulate_batch(500, 20, seed=2, alliance="ceiling")
    for name in ("attendance", "phq9", "gad7"):
        np.testing.assert_array_equal(getattr(default, name), getattr(ceiling, name))
    np.testing.assert_array_equal(truth.outcome, same.outcome)
    np.testing.assert_array_equal(truth.archetype, same.archetype)


def test_an_unknown_style_is_refused():
    assert set(ALLIANCE_STYLES) == {"default", "ceiling"}
    with pytest.raises(ValueError, match="alliance must be one of"):
        simulate_batch(10, 20, seed=0, alliance="flat")


@pytest.mark.parametrize("style", ["default", "ceiling"])
def test_fit_answers_come_after_the_fit_session_only(style):
    batch, _ = simulate_batch(800, 20, seed=3, alliance=style)
    seen = np.cumsum(batch.attended, axis=1)
    fit_cell = batch.attended & (seen == FIT_AT_SESSION)
    for field in ("fit_client", "fit_client_match", "fit_therapist", "fit_therapist_match"):
        answered = np.isfinite(getattr(batch, field))
        assert not (answered & ~fit_cell).any(), field
    reached = fit_cell.any(axis=1)
    assert 0.7 < np.isfinite(batch.fit_client).any(axis=1)[reached].mean() < 0.9
    assert 0.8 < np.isfinite(batch.fit_therapist).any(axis=1)[reached].mean() < 1.0
    ratings_given = batch.fit_client[np.isfinite(batch.fit_client)]
    assert ((ratings_given >= 0) & (ratings_given <= 10)).all()


def test_talked_through_is_asked_only_after_an_unresolved_tension():
    batch, _ = simulate_batch(800, 20, seed=4)
    asked = np.isfinite(batch.talked_through)
    assert asked.any()
    assert (batch.attendance[asked] == ATTENDED).all()
    tension = (np.nan_to_num(batch.rupture, nan=0) >= 1) & ~(
        np.nan_to_num(batch.resolved, nan=-1) >= 2
    )
    earlier = np.cumsum(tension, axis=1) - tension  # tensions strictly before
    assert (earlier[asked] >= 1).all()
