"""Therapist outcomes framed for learning: a multilevel model of change adjusted for intake.

Model (clinical-science.md §6.3; Wampold & Brown 2005; Johns, Barkham, Kellett & Saxon 2019)::

    change_ij = b0 + b1 * (intake_ij - mean intake) + u_j + e_ij
    u_j ~ N(0, tau^2)   e_ij ~ N(0, sigma^2)

(courses i nested in therapists j; change = last − first score, negative = improvement), fitted
by **REML**. With one random intercept the REML likelihood profiles to one parameter, the
variance ratio ``lambda = tau^2 / sigma^2`` (Harville 1977; Searle, Casella & McCulloch 1992,
§6.8): per therapist ``V_j / sigma^2 = I + lambda 11'`` has the closed-form inverse
``I − w_j 11'`` with ``w_j = lambda / (1 + n_j lambda)`` and ``log det = log(1 + n_j lambda)``,
so every term is a sum over therapists and the fit is a search over ``ICC = lambda /
(1 + lambda)`` in [0, 1). It is checked against statsmodels' ``MixedLM`` (REML) in the tests.

The **share of outcome variance between therapists** is ``ICC = tau^2 / (tau^2 + sigma^2)``;
its interval is a **parametric bootstrap** (simulate from the fitted model, refit, percentile
interval; 200 refits by default) because the sampling distribution of a variance ratio near zero
is far from normal. A therapist's effect is the empirical-Bayes (BLUP) ``u_j = w_j Σ_i r_ij``
with its conditional interval ``u_j ± z sqrt(tau^2 sigma^2 / (n_j tau^2 + sigma^2))``;
shrinkage pulls small caseloads towards the practice.

**Nobody is placed under ``min_cases`` finished courses** (default 15, Constantino et al. 2021
classified therapists from ≥ 15 cases; clinical-science.md §6.1): those therapists still inform
tau^2 and sigma^2, but get no effect, no interval and no place. A therapist's change differs from
the practice's only when her interval excludes 0 — otherwise "within the expected range".
Nobody is ranked: the output is in the therapists' label order. Pure numpy, no Django.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from attune.engine.funnel import MIN_CASES

__all__ = [
    "MIN_CASES",
    "MORE_IMPROVEMENT",
    "LESS_IMPROVEMENT",
    "WITHIN",
    "TherapistEffect",
    "TherapistModel",
    "reml_fit",
    "therapist_model",
]

WITHIN: Final = "within the expected range"
MORE_IMPROVEMENT: Final = "more improvement than expected"
LESS_IMPROVEMENT: Final = "less improvement than expected"

#: The ICC grid of the profile search (refined by golden section for the point estimate).
_GRID: Final = np.linspace(0.0, 0.98, 491)

Floats = NDArray[np.float64]


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
    min_cases: int
    effects: list[TherapistEffect]


@dataclass(frozen=True)
class _Design:
    x: Floats  # N x p
    groups: NDArray[np.int64]
    n: Floats  # per group
    sx: Floats  # G x p: the column sums of X per group
    xtx: Floats  # p x p


def _design(x: Floats, groups: NDArray[np.int64], g: int) -> _Design:
    z = np.zeros((x.shape[0], g))
    z[np.arange(x.shape[0]), groups] = 1.0
    return _Design(x, groups, z.sum(axis=0), z.T @ x, x.T @ x)


def _profile(d: _Design, y: Floats, rho: Floats) -> tuple[Floats, Floats, Floats]:
    """REML log-likelihood (up to a constant) on a grid of ICC values, for each row of ``y``
    (B x N): returns (loglik B x L, beta B x L x p, sigma^2 B x L)."""
    big_n, p = d.x.shape
    lam = rho / (1.0 - rho)
    w = lam[:, None] / (1.0 + d.n[None, :] * lam[:, None])  # L x G
    sy = np.zeros((y.shape[0], d.sx.shape[0]))
    np.add.at(sy.T, d.groups, y.T)  # B x G group sums
    a = d.xtx[None] - np.einsum("lg,gk,gm->lkm", w, d.sx, d.sx)  # L x p x p
    b = (y @ d.x)[:, None, :] - np.einsum("lg,gk,bg->blk", w, d.sx, sy)  # B x L x p
    c = (y * y).sum(axis=1)[:, None] - np.einsum("lg,bg->bl", w, sy * sy)  # B x L
    beta = np.linalg.solve(np.broadcast_to(a, b.shape[:2] + a.shape[1:]), b[..., None])[..., 0]
    q = np.maximum(c - (b * beta).sum(axis=2), 1e-300)
    logdet = np.linalg.slogdet(a)[1]  # L
    ll = -0.5 * (
        (big_n - p) * np.log(q) + np.log1p(d.n[None, :] * lam[:, None]).sum(axis=1) + logdet
    )
    return ll, beta, q / (big_n - p)


def _best(d: _Design, y: Floats) -> tuple[float, Floats, float]:
    """The REML ICC of one outcome vector: the best grid point, refined by golden section."""
    ll, _, _ = _profile(d, y[None], _GRID)
    i = int(np.argmax(ll[0]))
    lo, hi = _GRID[max(i - 1, 0)], _GRID[min(i + 1, _GRID.size - 1)]
    phi = (math.sqrt(5.0) - 1.0) / 2.0
    for _ in range(40):
        m1, m2 = hi - phi * (hi - lo), lo + phi * (hi - lo)
        f = _profile(d, y[None], np.asarray([m1, m2]))[0][0]
        if f[0] >= f[1]:
            hi = m2
        else:
            lo = m1
    candidates = np.asarray([_GRID[i], (lo + hi) / 2.0])
    ll2, beta, s2 = _profile(d, y[None], candidates)
    k = int(np.argmax(ll2[0]))
    return float(candidates[k]), beta[0, k], float(s2[0, k])


def reml_fit(
    intake: ArrayLike, change: ArrayLike, groups: ArrayLike
) -> tuple[float, float, float, float]:
    """(intercept, intake slope, tau^2, sigma^2) of the model by REML; ``groups`` are integer
    codes 0 … G−1. For checking against other implementations."""
    x0 = np.asarray(intake, dtype=np.float64)
    y = np.asarray(change, dtype=np.float64)
    g = np.asarray(groups, dtype=np.int64)
    x = np.column_stack([np.ones_like(x0), x0 - x0.mean()])
    rho, beta, sigma2 = _best(_design(x, g, int(g.max()) + 1), y)
    return float(beta[0]), float(beta[1]), sigma2 * rho / (1.0 - rho), sigma2


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
    """Fit the model on finished courses (one entry each) and summarise it (module docstring).
    Courses with a missing intake or change are left out. Raises ValueError with fewer than
    two therapists or three courses."""
    x0 = np.asarray(intake, dtype=np.float64)
    y = np.asarray(change, dtype=np.float64)
    if not (x0.shape == y.shape == (len(therapist),)):
        raise ValueError("intake, change and therapist need one entry per course")
    ok = ~np.isnan(x0) & ~np.isnan(y)
    x0, y = x0[ok], y[ok]
    labels = [t for t, keep in zip(therapist, ok.tolist(), strict=True) if keep]
    names = sorted(set(labels))
    if len(names) < 2 or y.size < 3:
        raise ValueError("the model needs at least two therapists and three courses")
    code = {name: j for j, name in enumerate(names)}
    groups = np.asarray([code[t] for t in labels], dtype=np.int64)
    xc = x0 - x0.mean()
    x = np.column_stack([np.ones_like(x0), xc]) if np.ptp(xc) > 0 else np.ones((y.size, 1))
    d = _design(x, groups, len(names))
    rho, beta, sigma2 = _best(d, y)
    tau2 = sigma2 * rho / (1.0 - rho)

    alpha = 1.0 - level
    lo = hi = math.nan
    if n_boot > 0:
        rng = np.random.default_rng(seed)
        u = rng.normal(0.0, math.sqrt(tau2), (n_boot, len(names)))
        e = rng.normal(0.0, math.sqrt(sigma2), (n_boot, y.size))
        y_b = (x @ beta)[None, :] + u[:, groups] + e
        ll, _, _ = _profile(d, y_b, _GRID)
        iccs = _GRID[np.argmax(ll, axis=1)]
        lo, hi = float(np.quantile(iccs, alpha / 2)), float(np.quantile(iccs, 1 - alpha / 2))

    z = NormalDist().inv_cdf(1 - alpha / 2)
    lam = rho / (1.0 - rho)
    effects = []
    for j, name in enumerate(names):
        n = int(d.n[j])
        if n < min_cases:
            effects.append(
                TherapistEffect(
                    name, n, None, None, None, f"not placed (fewer than {min_cases} courses)"
                )
            )
            continue
        w = lam / (1.0 + n * lam)
        u_j = float(w * (y[groups == j].sum() - d.sx[j] @ beta))
        half = z * math.sqrt(tau2 * sigma2 / (n * tau2 + sigma2)) if tau2 > 0 else 0.0
        lower, upper = u_j - half, u_j + half
        place = MORE_IMPROVEMENT if upper < 0 else LESS_IMPROVEMENT if lower > 0 else WITHIN
        effects.append(TherapistEffect(name, n, u_j, lower, upper, place))
    return TherapistModel(
        courses=int(y.size),
        therapists=len(names),
        intercept=float(beta[0]),
        intake_slope=float(beta[1]) if beta.size > 1 else 0.0,
        tau2=tau2,
        sigma2=sigma2,
        icc=rho,
        icc_lower=lo,
        icc_upper=hi,
        level=level,
        min_cases=min_cases,
        effects=effects,
    )
