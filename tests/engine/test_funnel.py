"""Funnel-plot control limits (Spiegelhalter 2005) with worked values, and who is placed."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attune.engine.funnel import (
    MIN_CASES,
    FunnelConfig,
    Place,
    binomial_cdf,
    control_limits,
    funnel_points,
)


def test_exact_limits_worked_by_hand_for_100_cases_around_a_half():
    # Binomial(100, 0.5): P(R <= 59) = 0.97156, P(R <= 60) = 0.98240, so r_0.975 = 60 and
    # alpha = (0.98240 - 0.975) / (0.98240 - 0.97156) = 0.6824: upper 95 % limit 0.5932;
    # P(R <= 39) = 0.01760, P(R <= 40) = 0.02844: lower limit (40 - 0.3176) / 100 = 0.3968.
    lim = control_limits(100, 0.5)
    assert lim.inner_upper == pytest.approx(0.5932, abs=5e-5)
    assert lim.inner_lower == pytest.approx(0.3968, abs=5e-5)
    assert lim.outer_upper == pytest.approx(0.6488, abs=5e-5)
    assert lim.outer_lower == pytest.approx(0.3412, abs=5e-5)


def test_normal_approximation_worked_values():
    # 0.5 +/- 1.95996 * sqrt(0.25 / 100) = 0.5 +/- 0.0980; 99.8 %: z = 3.0902 -> +/- 0.1545
    lim = control_limits(100, 0.5, FunnelConfig(exact=False))
    assert (lim.inner_lower, lim.inner_upper) == pytest.approx((0.4020, 0.5980), abs=5e-5)
    assert (lim.outer_lower, lim.outer_upper) == pytest.approx((0.3455, 0.6545), abs=5e-5)
    # 0.3 over 50 courses: 0.3 +/- 1.96 * 0.0648 = [0.1730, 0.4270]
    lim = control_limits(50, 0.3, FunnelConfig(exact=False))
    assert (lim.inner_lower, lim.inner_upper) == pytest.approx((0.1730, 0.4270), abs=5e-5)


@pytest.mark.parametrize(
    ("r", "n", "p"), [(0, 10, 0.3), (3, 10, 0.3), (59, 100, 0.5), (12, 40, 0.45)], ids=str
)
def test_binomial_cdf_matches_scipy(r, n, p):
    # here, not at the top: every pytest worker collects this file, and scipy.stats costs ~2 s
    from scipy.stats import binom

    assert binomial_cdf(r, n, p) == pytest.approx(float(binom.cdf(r, n, p)), abs=1e-12)


@given(
    n=st.integers(min_value=1, max_value=300),
    target=st.floats(min_value=0.01, max_value=0.99),
    exact=st.booleans(),
)
def test_limits_nest_around_the_target(n, target, exact):
    lim = control_limits(n, target, FunnelConfig(exact=exact))
    assert 0.0 <= lim.outer_lower <= lim.inner_lower <= lim.inner_upper <= lim.outer_upper <= 1.0
    assert lim.inner_lower <= target + 1.0 / n and lim.inner_upper >= target - 1.0 / n


@given(target=st.floats(min_value=0.05, max_value=0.95), n=st.integers(15, 200))
def test_the_funnel_narrows_as_cases_grow(target, n):
    small, large = control_limits(n, target), control_limits(4 * n, target)
    assert large.inner_upper - large.inner_lower < small.inner_upper - small.inner_lower


def test_placing_against_the_inner_limits_and_nobody_under_15_cases():
    assert MIN_CASES == 15
    points = funnel_points(
        [("B", 78, 100), ("A", 20, 100), ("C", 50, 100), ("D", 14, 14), ("E", 55, 100)], 0.5
    )
    assert [p.label for p in points] == ["B", "A", "C", "D", "E"]  # input order, no ranking
    assert [p.place for p in points] == [
        Place.ABOVE,
        Place.BELOW,
        Place.WITHIN,
        Place.NOT_PLACED,
        Place.WITHIN,
    ]
    assert points[3].rate is None and points[3].limits is None
    assert points[0].rate == 0.78 and points[0].limits is not None
    assert funnel_points([("D", 14, 14)], 0.5, FunnelConfig(min_cases=10))[0].place == Place.ABOVE


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        control_limits(0, 0.5)
    with pytest.raises(ValueError):
        control_limits(10, 1.5)
    with pytest.raises(ValueError):
        funnel_points([("A", 11, 10)], 0.5)
    with pytest.raises(ValueError):
        FunnelConfig(inner=0.999, outer=0.95)
    assert math.isclose(control_limits(10, 0.0).inner_upper, 0.0)
