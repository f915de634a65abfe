"""Funnel plots of a proportion (recovery) against its denominator, with control limits.

Source: D. J. Spiegelhalter, "Funnel plots for comparing institutional performance",
*Statistics in Medicine* 24 (2005) 1185–1202. A funnel plot draws each unit's rate against its
number of cases, with control limits around the **target** (here the practice's pooled rate,
"the practice mean") at two levels: p = 0.025 / 0.975 ("95 %", about 2 SD) and p = 0.001 /
0.999 ("99.8 %", about 3 SD). A unit outside the 95 % limits is "above" or "below the expected
range"; inside them it is "within the expected range" — random variation alone puts about one
unit in twenty outside the 95 % limits, which is why the plot is for learning, not a ranking.

Limits for a proportion (Spiegelhalter 2005, §2 and Appendix A.1.1):

* **exact binomial** (the default, as he recommends for small denominators): with ``r_p`` the
  p-quantile of Binomial(n, θ0) — the smallest r with P(R ≤ r) ≥ p — and the interpolation
  ``α = (P(R ≤ r_p) − p) / (P(R ≤ r_p) − P(R ≤ r_p − 1))``, the limit is ``(r_p − α) / n``;
  it makes the limits smooth in n instead of stepped;
* **normal approximation**: ``θ0 ± z_p √(θ0 (1 − θ0) / n)``, clipped to [0, 1].

Nobody is **placed** (drawn, or called above / below) on fewer than ``FunnelConfig.min_cases``
cases, by default 15 (Constantino et al. 2021 classified therapists from ≥ 15 cases;
clinical-science.md §6.1). Pure Python, no Django.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from statistics import NormalDist
from typing import Final

__all__ = [
    "MIN_CASES",
    "FunnelConfig",
    "FunnelPoint",
    "Limits",
    "Place",
    "binomial_cdf",
    "control_limits",
    "funnel_points",
]

#: Cases a unit needs before it is placed on the funnel (Constantino et al. 2021).
MIN_CASES: Final = 15


class Place(StrEnum):
    WITHIN = "within the expected range"
    ABOVE = "above the expected range"
    BELOW = "below the expected range"
    NOT_PLACED = "not placed"


@dataclass(frozen=True)
class FunnelConfig:
    """Thresholds as data: the levels of the inner and outer limits and the minimum caseload."""

    inner: float = 0.95  # two-sided coverage of the inner limits (p = 0.025 / 0.975)
    outer: float = 0.998  # the outer limits (p = 0.001 / 0.999)
    min_cases: int = MIN_CASES
    exact: bool = True  # exact binomial with interpolation; False: the normal approximation

    def __post_init__(self) -> None:
        if not 0 < self.inner < self.outer < 1:
            raise ValueError("need 0 < inner < outer < 1")
        if self.min_cases < 1:
            raise ValueError("min_cases must be at least 1")


@dataclass(frozen=True)
class Limits:
    n: int
    inner_lower: float
    inner_upper: float
    outer_lower: float
    outer_upper: float


@dataclass(frozen=True)
class FunnelPoint:
    label: str
    cases: int
    events: int
    rate: float | None  # None when not placed
    place: Place
    limits: Limits | None = field(default=None)


def binomial_cdf(r: int, n: int, p: float) -> float:
    """P(R ≤ r) for R ~ Binomial(n, p), summed in log space (exact for the n of a practice)."""
    if r < 0:
        return 0.0
    if r >= n:
        return 1.0
    if p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 0.0
    lp, lq = math.log(p), math.log1p(-p)
    total = 0.0
    for k in range(r + 1):
        total += math.exp(
            math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * lp + (n - k) * lq
        )
    return min(total, 1.0)


def _exact_limit(p: float, n: int, theta: float) -> float:
    """Spiegelhalter (2005) Appendix A.1.1: the interpolated binomial p-quantile, divided by n."""
    if theta <= 0.0:
        return 0.0
    if theta >= 1.0:
        return 1.0
    # P(R ≤ r) for r = 0, 1, …, kept as binomial_cdf's running sum: the same terms added in the
    # same order give the same floats, one term a step (summing from 0 again for every r made a
    # limit quadratic in n: ~0.1 s at n = 800, four limits a therapist on the outcomes page).
    lp, lq = math.log(theta), math.log1p(-theta)
    total = 0.0

    def add(k: int) -> float:
        nonlocal total
        total += math.exp(
            math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * lp + (n - k) * lq
        )
        return min(total, 1.0)

    r = 0
    below, cdf = 0.0, add(0)  # binomial_cdf(-1), binomial_cdf(0); n ≥ 1 (control_limits)
    while cdf < p and r < n:
        r += 1
        below, cdf = cdf, (1.0 if r >= n else add(r))
    alpha = (cdf - p) / (cdf - below) if cdf > below else 0.0
    return min(max((r - alpha) / n, 0.0), 1.0)


def _normal_limit(p: float, n: int, theta: float) -> float:
    z = NormalDist().inv_cdf(p)
    return min(max(theta + z * math.sqrt(theta * (1.0 - theta) / n), 0.0), 1.0)


def control_limits(n: int, target: float, config: FunnelConfig = FunnelConfig()) -> Limits:
    """The inner and outer control limits for a proportion with denominator ``n``."""
    if n < 1:
        raise ValueError("n must be at least 1")
    if not 0.0 <= target <= 1.0:
        raise ValueError("the target is a proportion")
    limit = _exact_limit if config.exact else _normal_limit
    a_in = (1.0 - config.inner) / 2
    a_out = (1.0 - config.outer) / 2
    return Limits(
        n=n,
        inner_lower=limit(a_in, n, target),
        inner_upper=limit(1.0 - a_in, n, target),
        outer_lower=limit(a_out, n, target),
        outer_upper=limit(1.0 - a_out, n, target),
    )


def funnel_points(
    units: list[tuple[str, int, int]],
    target: float,
    config: FunnelConfig = FunnelConfig(),
) -> list[FunnelPoint]:
    """Place each ``(label, events, cases)``: against the inner limits at its own ``cases``;
    "not placed" under ``config.min_cases``. The output keeps the input's order (no ranking)."""
    out = []
    for label, events, cases in units:
        if not 0 <= events <= cases:
            raise ValueError("events must be between 0 and cases")
        if cases < config.min_cases:
            out.append(FunnelPoint(label, cases, events, None, Place.NOT_PLACED))
            continue
        lim = control_limits(cases, target, config)
        rate = events / cases
        place = (
            Place.ABOVE
            if rate > lim.inner_upper
            else Place.BELOW
            if rate < lim.inner_lower
            else Place.WITHIN
        )
        out.append(FunnelPoint(label, cases, events, rate, place, lim))
    return out
