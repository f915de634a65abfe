"""Matching a prospective client with a therapist: measured strength by problem area,
shrunk by empirical Bayes, joined with preference fit and availability.

Everything here is pure and vectorised over a practice's therapists (rows) and problem areas
(columns); the app reads the counts from the database and renders the reasons.

Measured strength (clinical-science.md §6.1, §6.3):

* Per therapist *j* and area *a*: ``n_ja`` cases (episodes in the area, completed or with ≥ 2
  measured sessions) of which ``s_ja`` reliably improved (NHS Talking Therapies rule,
  :mod:`attune.engine.outcomes`). Raw rate ``p̂_ja = s_ja / n_ja``.
* Practice mean per area, pooled over therapists: ``p̄_a = Σ_j s_ja / Σ_j n_ja``.
* Within (sampling) variance of one case, binomial at the practice mean:
  ``σ²_a = p̄_a (1 − p̄_a)``; the sampling variance of ``p̂_ja`` is ``σ²_a / n_ja``.
* Between-therapist variance by the method of moments, floored at 0 (Morris 1983, *JASA*
  78:47-55; the DerSimonian & Laird 1986 idea with equal weights): over the ``k`` therapists
  with ``n_ja > 0``, ``τ²_a = max(0, Σ_j (p̂_ja − p̄_a)² / (k − 1) − mean_j(σ²_a / n_ja))``
  (0 when k < 2).
* Shrinkage factor ``λ_ja = τ²_a / (τ²_a + σ²_a / n_ja)`` and the empirical-Bayes estimate
  ``p̃_ja = p̄_a + λ_ja (p̂_ja − p̄_a)`` (clinical-science.md §6.3: EB/BLUP therapist effect).
* A therapist with fewer than ``min_cases`` (15; Constantino et al. 2021, *JAMA Psychiatry*
  78:960-969) cases in an area is "not enough data yet" there: the cell is not *eligible* and
  never moves the therapist's rank.

Score (defaults in :class:`MatchWeights`): ``preference · fit + strength · mean over the wanted,
eligible areas of (p̃ − p̄) + available · accepting``; ranks are by score, then by row (stable).

Hard requirements (:func:`admissible`): a preference that cannot be traded against the others.
The language is one: therapy is a conversation, and a therapist who does not speak the language
the person asked for cannot offer it, however well they fit otherwise (issue 12: a therapist
without the chosen language ranked above those with it). Accommodating stated preferences is
what the evidence supports (Swift, Callahan, Cooper & Parkin 2018, *J Clin Psychol*
74:1924-1937); the soft ones are weighed in :func:`preference_fit`, the hard ones filter.

No Django import: this is part of :mod:`attune.engine`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "MIN_CASES",
    "MatchWeights",
    "admissible",
    "Strength",
    "match_scores",
    "preference_fit",
    "rank",
    "shrink",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: Minimum cases per therapist and problem area before a therapist is rated there
#: (Constantino et al. 2021: ≥ 15 historical cases per domain).
MIN_CASES: Final = 15


@dataclass(frozen=True)
class Strength:
    """Shrunk success rates of a practice. Arrays are (therapists, areas) unless noted."""

    cases: IntArray
    successes: IntArray
    raw: FloatArray  # p̂ = s / n (NaN where n = 0)
    practice_mean: FloatArray  # (areas,) p̄, NaN for an area without cases
    tau2: FloatArray  # (areas,) between-therapist variance, ≥ 0
    sigma2: FloatArray  # (areas,) within variance of one case, p̄ (1 − p̄)
    shrinkage: FloatArray  # λ in [0, 1] (0 where n = 0)
    shrunk: FloatArray  # p̃ = p̄ + λ (p̂ − p̄); p̄ where n = 0
    eligible: BoolArray  # n ≥ min_cases

    @property
    def advantage(self) -> FloatArray:
        """p̃ − p̄: how far each therapist's shrunk rate lies from the practice mean."""
        return np.asarray(self.shrunk - np.nan_to_num(self.practice_mean), dtype=np.float64)

    @property
    def shrunk_successes(self) -> FloatArray:
        """p̃ · n: the shrunk count of clients who reliably improved (for display)."""
        return np.asarray(self.shrunk * self.cases, dtype=np.float64)


def shrink(successes: ArrayLike, cases: ArrayLike, min_cases: int = MIN_CASES) -> Strength:
    """Empirical-Bayes shrinkage of per-therapist success rates toward the practice mean.

    ``successes`` and ``cases`` are (therapists, areas) counts with ``0 ≤ s ≤ n``. See the
    module docstring for the formulas and sources.
    """
    s = np.atleast_2d(np.asarray(successes, dtype=np.int64))
    n = np.atleast_2d(np.asarray(cases, dtype=np.int64))
    if s.shape != n.shape:
        raise ValueError(f"successes {s.shape} and cases {n.shape} differ in shape")
    if np.any(n < 0) or np.any(s < 0) or np.any(s > n):
        raise ValueError("counts must satisfy 0 <= successes <= cases")
    has = n > 0
    nf = n.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = np.where(has, s / np.where(has, nf, 1.0), np.nan)
        total_n = nf.sum(axis=0)
        mean = np.where(total_n > 0, s.sum(axis=0) / np.where(total_n > 0, total_n, 1.0), np.nan)
    sigma2 = mean * (1.0 - mean)
    k = has.sum(axis=0)
    dev2 = np.where(has, (raw - mean) ** 2, 0.0)
    sampling = np.where(has, sigma2 / np.where(has, nf, 1.0), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        between = dev2.sum(axis=0) / np.maximum(k - 1, 1)
        mean_sampling = sampling.sum(axis=0) / np.maximum(k, 1)
    tau2 = np.where(k >= 2, np.maximum(between - mean_sampling, 0.0), 0.0)
    tau2 = np.nan_to_num(tau2, nan=0.0)
    denom = tau2 + sampling
    lam = np.where(has & (denom > 0), tau2 / np.where(denom > 0, denom, 1.0), 0.0)
    # σ² = 0 (every case improved, or none did): there is no sampling noise to shrink away,
    # but nor is there any spread between therapists; λ = 0 leaves everyone at the mean.
    shrunk = np.where(has, mean + lam * (np.nan_to_num(raw) - mean), mean)
    return Strength(
        cases=n,
        successes=s,
        raw=np.asarray(raw, dtype=np.float64),
        practice_mean=np.asarray(mean, dtype=np.float64),
        tau2=np.asarray(tau2, dtype=np.float64),
        sigma2=np.asarray(sigma2, dtype=np.float64),
        shrinkage=np.asarray(lam, dtype=np.float64),
        shrunk=np.asarray(shrunk, dtype=np.float64),
        eligible=np.asarray(n >= min_cases, dtype=np.bool_),
    )


def preference_fit(
    matches: ArrayLike, asked: ArrayLike, weights: ArrayLike | None = None
) -> FloatArray:
    """Weighted share of the person's stated preferences that each therapist meets.

    ``matches`` is (therapists, preferences) bool; ``asked`` (preferences,) marks the ones the
    person stated (an unstated preference counts for nobody). With nothing asked, everyone
    fits fully (1.0).
    """
    m = np.atleast_2d(np.asarray(matches, dtype=np.bool_))
    a = np.asarray(asked, dtype=np.bool_)
    w = np.ones(a.shape) if weights is None else np.asarray(weights, dtype=np.float64)
    wa = np.where(a, w, 0.0)
    total = wa.sum()
    if total <= 0:
        return np.ones(m.shape[0], dtype=np.float64)
    return np.asarray((m * wa).sum(axis=1) / total, dtype=np.float64)


@dataclass(frozen=True)
class MatchWeights:
    """How the parts of the score are joined.

    ``preference`` multiplies the preference fit (0–1); ``strength`` the mean shrunk advantage
    over the practice mean in the wanted areas (a difference of rates, e.g. +0.10 → +0.20 with
    the default 2.0); ``available`` is added for a therapist accepting new clients, so that
    therapists who are not accepting come after those who are, whatever else.
    """

    preference: float = 1.0
    strength: float = 2.0
    available: float = 10.0


def match_scores(
    fit: ArrayLike,
    advantage: ArrayLike,
    eligible: ArrayLike,
    wanted: ArrayLike,
    accepting: ArrayLike,
    weights: MatchWeights = MatchWeights(),
) -> tuple[FloatArray, FloatArray]:
    """Score each therapist; return ``(score, strength_term)``, both (therapists,).

    ``advantage`` is (therapists, areas) ``p̃ − p̄`` (:attr:`Strength.advantage`; several
    practices, each shrunk toward its own mean, can be stacked), ``eligible`` the matching
    ≥ ``min_cases`` mask, ``wanted`` (areas,) the person's problem areas. The strength term
    averages the advantage over the wanted areas in which the therapist is eligible; with none
    it is 0 — an area with too few cases never ranks a therapist.
    """
    f = np.asarray(fit, dtype=np.float64)
    adv_all = np.atleast_2d(np.asarray(advantage, dtype=np.float64))
    elig = np.atleast_2d(np.asarray(eligible, dtype=np.bool_))
    want = np.asarray(wanted, dtype=np.bool_)
    acc = np.asarray(accepting, dtype=np.bool_)
    use = elig & want[None, :]
    adv = np.where(use, np.nan_to_num(adv_all), 0.0)
    count = use.sum(axis=1)
    term = np.where(count > 0, adv.sum(axis=1) / np.maximum(count, 1), 0.0)
    score = weights.preference * f + weights.strength * term + weights.available * acc
    return np.asarray(score, dtype=np.float64), np.asarray(term, dtype=np.float64)


def admissible(met: ArrayLike, required: ArrayLike) -> BoolArray:
    """Which therapists meet every hard requirement the person stated.

    ``met`` is (therapists, requirements) bool: therapist *j* meets requirement *r* (e.g. speaks
    the language asked for); ``required`` (requirements,) marks the ones the person stated (an
    unstated requirement excludes nobody). With none stated, everyone is admissible.
    """
    m = np.atleast_2d(np.asarray(met, dtype=np.bool_))
    r = np.asarray(required, dtype=np.bool_)
    if r.shape != (m.shape[1],):
        raise ValueError(f"required {r.shape} does not fit met {m.shape}")
    return np.asarray(np.all(m | ~r[None, :], axis=1), dtype=np.bool_)


def rank(scores: ArrayLike, keep: ArrayLike | None = None) -> IntArray:
    """Row indices from the best score to the worst; ties keep the row order (stable).

    With ``keep`` (therapists,) bool (:func:`admissible`), only the kept rows are ranked: a
    therapist who fails a hard requirement is never listed, whatever the score.
    """
    sc = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-sc, kind="stable")
    if keep is not None:
        k = np.asarray(keep, dtype=np.bool_)
        if k.shape != sc.shape:
            raise ValueError(f"keep {k.shape} does not fit scores {sc.shape}")
        order = order[k[order]]
    return np.asarray(order, dtype=np.int64)
