"""Branches of :mod:`attune.engine.sudden_gains` and :mod:`attune.engine.funnel` the main tests
leave: configuration errors, Student t critical values at odd degrees of freedom (published
tables: R's ``qt(.975, df)``), and the binomial's edge cases."""

from __future__ import annotations

import math

import pytest

from attune.engine import funnel
from attune.engine import sudden_gains as sg


@pytest.mark.parametrize(
    ("df", "expected"),
    [(1, 12.706205), (5, 2.570582), (7, 2.364624), (9, 2.262157), (2, 4.302653)],
)
def test_t_critical_values_match_tables(df: int, expected: float) -> None:
    assert sg.t_critical_value(0.05, df) == pytest.approx(expected, abs=1e-6)


def test_t_critical_value_alpha_01() -> None:
    assert sg.t_critical_value(0.01, 5) == pytest.approx(4.032143, abs=1e-6)


@pytest.mark.parametrize(
    ("alpha", "df", "message"),
    [(0.05, 0, "degrees of freedom must be at least 1"), (1.0, 4, "alpha must be between")],
)
def test_t_critical_value_errors(alpha: float, df: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sg.t_critical_value(alpha, df)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"percent": 1.0}, "criterion-2 fraction must be at least 0 and below 1"),
        ({"percent": math.nan}, "criterion-2 fraction"),
        ({"alpha": 0.0}, "alpha must be between 0 and 1"),
        ({"critical_value": 0.0}, "a fixed critical value must be positive"),
    ],
)
def test_config_errors(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sg.SuddenGainConfig(**kwargs)


def test_one_session_has_no_intervals() -> None:
    assert sg.count_testable_intervals([[20.0], [15.0]]) == 0
    # six sessions: 2→3, 3→4 and 4→5 have two values or more on each side; 1→2 and 5→6 not
    assert sg.count_testable_intervals([[30, 29, 30, 10, 11, 10]]) == 3


def test_funnel_config_min_cases() -> None:
    with pytest.raises(ValueError, match="min_cases must be at least 1"):
        funnel.FunnelConfig(min_cases=0)


def test_binomial_cdf_edges_and_a_worked_value() -> None:
    assert funnel.binomial_cdf(-1, 10, 0.5) == 0.0
    assert funnel.binomial_cdf(10, 10, 0.5) == 1.0
    assert funnel.binomial_cdf(3, 10, 0.0) == 1.0
    assert funnel.binomial_cdf(3, 10, 1.0) == 0.0
    # P(R ≤ 2), R ~ Bin(10, 0.5) = (1 + 10 + 45) / 1024
    assert funnel.binomial_cdf(2, 10, 0.5) == pytest.approx(56 / 1024)


def test_control_limits_at_a_target_of_one() -> None:
    limits = funnel.control_limits(20, 1.0)
    assert (limits.inner_lower, limits.outer_upper) == (1.0, 1.0)
    zero = funnel.control_limits(20, 0.0)
    assert (zero.inner_upper, zero.outer_upper) == (0.0, 0.0)
