"""Expected-recovery curves: the reference derivation by hand, and practice curves.

Hand-computed numbers come from the 2024-25 NHS Talking Therapies figures in
``attune.engine.recovery.NHS_TT_2024_25`` (high-intensity therapies, weights = courses):
PHQ-9 start 14.2668 (SD 6.0069), end 9.4661 (SD 6.4858), r = 0.33649, T = 6.9 sessions.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attune.engine.batch import ATTENDED, EpisodeBatch, empty_batch
from attune.engine.recovery import (
    HIGH_INTENSITY,
    FitConfig,
    RecoveryCurves,
    ReferenceConfig,
    derive_reference,
    fit_curves,
    reference_curves,
    tolerance_z,
    trajectory,
)

LN5 = math.log(5.0)


# ------------------------------------------------------------------------------------------
# the reference derivation, by hand
# ------------------------------------------------------------------------------------------


def test_pooled_published_figures() -> None:
    d = derive_reference()
    # weights 233776, 77602, 10730, 6816, 2825, 1246 -> 332995 courses
    assert d.courses == 332995
    start = (
        233776 * 14.2 + 77602 * 14.4 + 10730 * 15.0 + 6816 * 15.5 + 2825 * 10.4 + 1246 * 14.2
    ) / 332995
    assert d.start_mean == pytest.approx(start)
    assert d.start_mean == pytest.approx(14.2668, abs=1e-4)
    assert d.end_mean == pytest.approx(9.4661, abs=1e-4)
    assert d.start_sd == pytest.approx(6.0069, abs=1e-4)
    assert d.end_sd == pytest.approx(6.4858, abs=1e-4)
    assert d.relative_change == pytest.approx((14.2668 - 9.4661) / 14.2668, abs=1e-5)


def test_reference_slopes_and_spreads() -> None:
    d = derive_reference()
    r, ln_t = 0.336489, math.log(6.9)
    assert d.log_typical == pytest.approx(1.93152, abs=1e-5)
    assert d.midpoints == (2.0, 7.0, 12.0, 17.0, 23.5)
    expected = [-r * m / ln_t for m in (2.0, 7.0, 12.0, 17.0, 23.5)]
    assert d.slopes == pytest.approx(expected, abs=1e-4)
    assert d.slopes == pytest.approx([-0.3484, -1.2195, -2.0905, -2.9616, -4.0939], abs=1e-4)
    assert d.sd_error == pytest.approx(6.0 / 1.96)  # 3.0612
    # V_T = 6.4858^2 - (1 - 0.33649)^2 * 6.0069^2 = 42.066 - 15.885 = 26.181
    assert d.end_residual_var == pytest.approx(26.181, abs=1e-2)
    # s_u = sqrt(26.181 - 9.371) / 1.9315 = 4.1000 / 1.9315 = 2.1227
    assert d.sd_slope == pytest.approx(2.1227, abs=1e-3)


def test_reference_worked_example() -> None:
    c = reference_curves()
    assert c.name == "NHS Talking Therapies reference"
    assert c.episodes == 0
    # intake 14 (band 10-14), session 5
    assert float(c.expected(14, 5)) == pytest.approx(14 - 2.0905 * LN5, abs=1e-3)  # 10.635
    assert float(c.expected(14, 5)) == pytest.approx(10.635, abs=1e-3)
    assert float(c.sd(14, 5)) == pytest.approx(
        math.sqrt(3.0612**2 + (2.1227 * LN5) ** 2), abs=1e-3
    )  # 4.587
    assert float(c.upper(14, 5, 0.80)) == pytest.approx(10.635 + 1.28155 * 4.5872, abs=2e-3)
    assert float(c.upper(14, 5, 0.80)) == pytest.approx(16.514, abs=2e-3)
    assert float(c.upper(14, 5, 0.95)) == pytest.approx(10.635 + 1.95996 * 4.5872, abs=2e-3)


def test_bands_and_shape() -> None:
    c = reference_curves()
    assert c.band([0, 4, 4.5, 5, 9, 10, 14, 15, 19, 20, 27]).tolist() == [
        0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4,
    ]  # fmt: skip
    assert c.band_label(12) == "10–14"
    # session 1 is the intake itself
    assert c.expected([3.0, 12.0, 25.0], 1).tolist() == [3.0, 12.0, 25.0]
    # slope of band 15-19 (midpoint 17) at session 10
    assert float(c.expected(17, 10)) == pytest.approx(17 - 2.9616 * math.log(10), abs=1e-3)
    # broadcasting: (3, 1) intakes x (4,) sessions
    out = c.upper(np.array([[5.0], [12.0], [22.0]]), np.arange(1, 5), 0.8)
    assert out.shape == (3, 4)
    # never below 0 or above the maximum
    assert float(c.expected(1, 1000)) >= 0.0
    assert np.isnan(c.expected(np.nan, 3))
    assert np.isnan(c.upper(np.nan, 3, 0.8))


def test_tolerance_z() -> None:
    assert tolerance_z(0.80) == pytest.approx(1.28155, abs=1e-5)
    assert tolerance_z(0.95) == pytest.approx(1.95996, abs=1e-5)
    with pytest.raises(ValueError):
        tolerance_z(1.0)
    with pytest.raises(ValueError):
        tolerance_z(0.0)


def test_gad7_reference() -> None:
    d = derive_reference(ReferenceConfig(measure="gad7"))
    assert d.midpoints == (2.0, 7.0, 12.0, 18.0)
    assert d.start_mean == pytest.approx(13.0255, abs=1e-4)
    assert d.end_mean == pytest.approx(8.4801, abs=1e-4)
    assert d.sd_error == pytest.approx(4.0 / 1.96)
    c = reference_curves(ReferenceConfig(measure="gad7"))
    assert c.measure == "gad7"
    assert float(c.expected(12, 5)) == pytest.approx(12 + d.slopes[2] * LN5)


def test_reference_config_choices() -> None:
    only_cbt = derive_reference(ReferenceConfig(therapies=(HIGH_INTENSITY[0],)))
    assert only_cbt.start_mean == pytest.approx(14.2)
    assert only_cbt.end_sd == pytest.approx(6.6)
    longer = derive_reference(ReferenceConfig(typical_sessions=12.0))
    assert longer.slopes[2] == pytest.approx(-0.336489 * 12 / math.log(12), abs=1e-4)
    with pytest.raises(ValueError):
        derive_reference(ReferenceConfig(therapies=("no such therapy",)))
    with pytest.raises(ValueError):
        RecoveryCurves("x", "phq9", (0.0,), (1.0,), (1.0,))


# ------------------------------------------------------------------------------------------
# practice curves
# ------------------------------------------------------------------------------------------

TRUE_SLOPES = (-0.5, -1.5, -2.5, -3.5, -4.5)


def synthetic(
    n: int, t: int = 12, seed: int = 0, s_e: float = 2.0, s_u: float = 1.5
) -> EpisodeBatch:
    """Scores = intake + b_k ln(t) + u ln(t) + e, weekly attended sessions, known truth."""
    rng = np.random.default_rng(seed)
    batch = empty_batch(n, t)
    batch.attendance[:] = ATTENDED
    batch.session_number[:] = np.arange(1, t + 1)
    intake = rng.uniform(0.0, 27.0, n)
    band = np.searchsorted([0.0, 5.0, 10.0, 15.0, 20.0], intake, side="right") - 1
    ln = np.log(np.arange(1, t + 1))[None, :]
    u = rng.normal(0.0, s_u, n)[:, None]
    e = rng.normal(0.0, s_e, (n, t))
    scores = intake[:, None] + (np.array(TRUE_SLOPES)[band][:, None] + u) * ln + e
    scores[:, 0] = intake
    batch.phq9[:] = scores
    return batch


def test_fit_recovers_known_parameters() -> None:
    curves = fit_curves(synthetic(20000), min_episodes=100)
    assert curves is not None
    assert curves.name == "this practice, n = 20000 episodes"
    assert curves.episodes == 20000
    assert curves.slope == pytest.approx(TRUE_SLOPES, abs=0.1)
    assert curves.sd_error == pytest.approx((2.0,) * 5, abs=0.08)
    assert curves.sd_slope == pytest.approx((1.5,) * 5, abs=0.08)


def test_too_few_episodes_gives_none() -> None:
    assert fit_curves(synthetic(99), min_episodes=100) is None
    assert fit_curves(synthetic(99)) is None  # default minimum is 100
    fitted = fit_curves(synthetic(100))
    assert fitted is not None and fitted.name == "this practice, n = 100 episodes"
    # episodes with only an intake score do not count
    batch = synthetic(150)
    batch.phq9[:60, 1:] = np.nan
    assert fit_curves(batch) is None
    assert fit_curves(empty_batch(0, 0)) is None


def test_sparse_band_borrows_proportional_slope() -> None:
    batch = synthetic(600, s_e=0.5, s_u=0.2)
    intake = batch.phq9[:, 0]
    keep = ~(intake >= 20.0)
    keep[np.flatnonzero(intake >= 20.0)[:3]] = True  # three severe episodes only
    rows = np.flatnonzero(keep)
    small = empty_batch(rows.size, batch.columns)
    for name in ("attendance", "session_number", "phq9"):
        getattr(small, name)[:] = getattr(batch, name)[rows]
    curves = fit_curves(small, config=FitConfig(min_band_episodes=20))
    assert curves is not None
    # the severe band's slope is beta * 23.5, beta fitted over all bands, not its own -4.5
    x = small.phq9[:, 0]
    ln = np.log(np.arange(1, small.columns + 1))[None, :]
    d = (small.phq9 - x[:, None])[:, 1:]
    xl = (x[:, None] * ln)[:, 1:]
    beta = float((d * xl).sum() / (xl * xl).sum())
    assert curves.slope[4] == pytest.approx(beta * 23.5, rel=1e-6)


def test_trajectory_counts_attended_sessions_since_intake() -> None:
    batch = empty_batch(1, 6)
    batch.attendance[0] = [3, 0, 1, 0, 0, 0]  # no-show, attended, cancelled, attended...
    batch.session_number[0] = np.arange(1, 7)
    batch.phq9[0] = [np.nan, 15, np.nan, 14, 13, np.nan]
    tr = trajectory(batch)
    assert int(tr.intake_col[0]) == 1 and float(tr.intake[0]) == 15.0
    assert int(tr.latest_col[0]) == 4
    assert tr.session[0].tolist() == [1.0, 1.0, 1.0, 2.0, 3.0, 4.0]
    sched = trajectory(batch, dose="scheduled")
    assert sched.session[0].tolist() == [1.0, 1.0, 2.0, 3.0, 4.0, 5.0]


# ------------------------------------------------------------------------------------------
# properties
# ------------------------------------------------------------------------------------------

score = st.one_of(st.none(), st.floats(0, 27, allow_nan=False)).map(
    lambda v: np.nan if v is None else v
)


@given(st.lists(score, min_size=1, max_size=6), st.lists(st.floats(-3, 40), min_size=1, max_size=6))
def test_curves_never_raise(intakes: list[float], sessions: list[float]) -> None:
    c = reference_curves()
    x = np.array(intakes)[:, None]
    t = np.array(sessions)[None, :]
    e, lo, hi = c.expected(x, t), c.upper(x, t, 0.5), c.upper(x, t, 0.9)
    assert e.shape == (len(intakes), len(sessions))
    ok = ~np.isnan(x[:, 0])
    assert (hi[ok] >= lo[ok]).all() and (lo[ok] >= e[ok]).all()
    assert np.isnan(e[~ok]).all()


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 8), st.floats(0.0, 0.7))
def test_fit_never_raises(seed: int, t: int, missing: float) -> None:
    batch = synthetic(120, t=t, seed=seed)
    rng = np.random.default_rng(seed)
    batch.phq9[rng.random(batch.phq9.shape) < missing] = np.nan
    curves = fit_curves(batch)
    if curves is not None:
        assert curves.episodes >= 100
        assert all(math.isfinite(v) for v in curves.slope + curves.sd_error + curves.sd_slope)
