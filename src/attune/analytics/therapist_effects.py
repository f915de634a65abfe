"""Therapist outcomes framed for learning: a multilevel model of change adjusted for intake.

Model (clinical-science.md §6.3; Wampold & Brown 2005; Johns, Barkham, Kellett & Saxon 2019)::

    change_ij = b0 + b1 * (intake_ij - mean intake) + u_j + e_ij
    u_j ~ N(0, tau^2)   e_ij ~ N(0, sigma^2)

fitted by REML with statsmodels' ``MixedLM`` (courses i nested in therapists j; change = last −
first score, negative = improvement). The **share of variance between therapists** is
``ICC = tau^2 / (tau^2 + sigma^2)``; its interval is a parametric bootstrap (simulate from the
fitted model, refit, percentile interval) because the sampling distribution of a variance ratio
near zero is far from normal. A therapist's effect is the empirical-Bayes (BLUP) ``u_j`` with
its conditional interval ``u_j ± z * sqrt(tau^2 sigma^2 / (n_j tau^2 + sigma^2))``; shrinkage
pulls small caseloads to the mean.

**Nobody is placed under 15 finished courses** (Constantino et al. 2021 classified therapists
from ≥ 15 cases; clinical-science.md §6.1): those therapists still inform tau^2 and sigma^2, but
get no effect, no interval and no place. A therapist is "above" or "below" the practice only when
her interval excludes 0 — otherwise "within the range". Nobody is ranked: the output is in the
order given.

statsmodels (with scipy and pandas, about 260 MB installed) is the optional ``analytics`` extra,
not a runtime dependency of the web application; it is imported here only.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Final

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["MIN_CASES", "TherapistEffect", "TherapistModel", "therapist_model"]

#: Finished courses a therapist needs before she is placed (Constantino et al. 2021).
MIN_CASES: Final = 15


@dataclass(frozen=True)
class TherapistEffect:
    therapist: str
    n: int
    effect: float | None  # BLUP u_j in score points; negative = more improvement
    lower: float | None
    upper: float | None
    place: str


@dataclass(frozen=True)
class TherapistModel:
    courses: int
    therapists: int
    intercept: float
    intake_slope: float
    tau2: float
    sigma2: float
    icc: float
    icc_lower: float
    icc_upper: float
    level: float
    effects: list[TherapistEffect]


def _fit(y: np.ndarray, x: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, float, float, Any]:
    from statsmodels.regression.mixed_linear_model import MixedLM  # type: ignore[import-untyped]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # boundary (tau^2 = 0) and convergence notices
        result = MixedLM(y, x, groups=groups).fit(reml=True)
    tau2 = max(float(np.asarray(result.cov_re)[0, 0]), 0.0)
    return np.asarray(result.fe_params, dtype=np.float64), tau2, float(result.scale), result


def therapist_model(
    intake: ArrayLike,
    change: ArrayLike,
    therapist: list[str],
    *,
    min_cases: int = MIN_CASES,
    level: float = 0.95,
    n_boot: int = 200,
    seed: int = 0,
) -> TherapistModel:
    """Fit the model on finished courses (one entry each) and summarise it (module docstring)."""
    x0 = np.asarray(intake, dtype=np.float64)
    y = np.asarray(change, dtype=np.float64)
    if not (x0.shape == y.shape == (len(therapist),)):
        raise ValueError("intake, change and therapist need one entry per course")
    ok = ~np.isnan(x0) & ~np.isnan(y)
    x0, y = x0[ok], y[ok]
    labels = [t for t, keep in zip(therapist, ok.tolist(), strict=True) if keep]
    names, groups = np.unique(np.asarray(labels, dtype=object), return_inverse=True)
    if len(names) < 2 or y.size < 3:
        raise ValueError("the model needs at least two therapists and three courses")
    x = np.column_stack([np.ones_like(x0), x0 - x0.mean()])
    beta, tau2, sigma2, result = _fit(y, x, groups)

    rng = np.random.default_rng(seed)
    iccs = []
    for _ in range(n_boot):
        u = rng.normal(0.0, math.sqrt(tau2), len(names))
        y_b = x @ beta + u[groups] + rng.normal(0.0, math.sqrt(sigma2), y.size)
        _, t_b, s_b, _ = _fit(y_b, x, groups)
        iccs.append(t_b / (t_b + s_b) if t_b + s_b > 0 else 0.0)
    alpha = 1.0 - level
    lo, hi = (
        (float(np.quantile(iccs, alpha / 2)), float(np.quantile(iccs, 1 - alpha / 2)))
        if iccs
        else (math.nan, math.nan)
    )

    z = NormalDist().inv_cdf(1 - alpha / 2)
    counts = np.bincount(groups, minlength=len(names))
    blups = result.random_effects
    effects = []
    for j, name in enumerate(names.tolist()):
        n = int(counts[j])
        if n < min_cases:
            effects.append(
                TherapistEffect(
                    str(name), n, None, None, None, f"not placed (fewer than {min_cases} courses)"
                )
            )
            continue
        u_j = float(np.asarray(blups[j])[0]) if j in blups else 0.0
        half = z * math.sqrt(tau2 * sigma2 / (n * tau2 + sigma2)) if tau2 > 0 else 0.0
        lower, upper = u_j - half, u_j + half
        place = (
            "better than the practice"
            if upper < 0
            else "worse than the practice"
            if lower > 0
            else "within the range"
        )
        effects.append(TherapistEffect(str(name), n, u_j, lower, upper, place))
    return TherapistModel(
        courses=int(y.size),
        therapists=len(names),
        intercept=float(beta[0]),
        intake_slope=float(beta[1]),
        tau2=tau2,
        sigma2=sigma2,
        icc=tau2 / (tau2 + sigma2) if tau2 + sigma2 > 0 else 0.0,
        icc_lower=lo,
        icc_upper=hi,
        level=level,
        effects=effects,
    )
