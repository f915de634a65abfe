"""Clinical significance beyond Jacobson–Truax, as in the ``clinicalsignificance`` R package.

Pure, typed and vectorised over numpy arrays (one value per person, complete cases). Each
approach returns boolean category masks per person and :func:`summarise` turns them into the
package's group summary (category, n, percent).

``direction`` is the package's: ``1`` when higher scores are better, ``-1`` when lower are.

Sources:

* Package: ``clinicalsignificance`` R package (B. B. Claus; github.com/pedscience/
  clinicalsignificance, CRAN), functions ``cs_distribution()``, ``cs_percentage()``,
  ``cs_statistical()``, ``cs_combined()``, ``cs_anchor()``; internals ``.calc_rci_jt/gln/en/
  ha/hll/nk``, ``calc_percentage``, ``calc_anchor.cs_anchor_individual_within``,
  ``.calc_cutoff``, ``create_summary_table.cs_statistical`` / ``.cs_combined``.
* RCI methods (the package's references, ``vignettes/references.bib``; compared in Bauer,
  Lambert & Nielsen 2004, J Pers Assess 82:60-70):

  - ``jt``  Jacobson & Truax (1991), J Consult Clin Psychol 59:12-19:
    ``RCI = (post − pre) / √(2·SE²)``, ``SE = SD_pre·√(1 − r)``; critical value 1.96.
  - ``gln`` Gulliksen (1950), Lord & Novick (1968) — Hsu (1989):
    ``RCI = ((post − M_pre) − r·(pre − M_pre)) / (SD_pre·√(1 − r²))``; 1.96.
  - ``en``  Edwards, Yarvis, Mueller, Zingale & Wagman (1978), Speer (1992) reformulation:
    ``RCI = (post − (r·(pre − M_pre) + M_pre)) / SE``; 1.96.
  - ``ha``  Hageman & Arrindell (1999), Behav Res Ther 37:1169-1193:
    ``RCI = ((post − pre)·r_dd + (M_post − M_pre)·(1 − r_dd)) / (√r_dd·√(2·SE²))`` with
    ``r_xx,t = (SD_t² − SE²)/SD_t²`` and
    ``r_dd = (SD_pre²·r_xx,1 + SD_post²·r_xx,2 − 2·SD_pre·SD_post·r_12) /
    (SD_pre² + SD_post² − 2·SD_pre·SD_post·r_12)``; critical value 1.65 (one-sided).
  - ``hll`` Hsu (1989, 1995), Linn & Slinde (1977), Lord (1956):
    ``RCI = ((post − M_post) − r·(pre − M_pre)) / (SD_pre·√(1 − r²))``; 1.96.
  - ``nk``  Nunnally & Kotsch (1983):
    ``RCI = (post − (r_pre·(pre − M_pre) + M_pre)) /
    √(r_pre²·SD_pre²·(1 − r_pre) + SD_pre²·(1 − r_post))``; 1.96.

  ``M_pre``, ``SD_pre``, ``M_post``, ``SD_post`` are the sample mean and SD (``ddof=1``) of the
  complete cases, as the package computes them.
* Percentage change: improved when ``direction·(post − pre)/pre ≥ pct_improvement``,
  deteriorated when ``≤ −pct_deterioration``; no change is unchanged (``calc_percentage``).
* Anchor-based (individual, within): improved when ``direction·change ≥ mid_improvement``,
  deteriorated when ``direction·change ≤ −mid_deterioration`` (``calc_anchor``).
* Statistical (population cut-offs, Jacobson & Truax 1991 a/b/c): improved = pre on the
  clinical side and post on the functional side; deteriorated = pre not clinical and post not
  functional; unchanged otherwise (``create_summary_table.cs_statistical``).
* Combined: RCI and cut-off. recovered = clinical pre, functional post and reliably improved;
  improved = reliably improved otherwise; harmed = not clinical pre, not functional post and
  reliably deteriorated; deteriorated = reliably deteriorated otherwise
  (``create_summary_table.cs_combined``).

No Django import: this is part of :mod:`attune.engine`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
from numpy.typing import ArrayLike

from attune.engine.batch import BoolArray, FloatArray

__all__ = [
    "APPROACHES",
    "CRITICAL_VALUES",
    "CUTOFF_TYPES",
    "RCI_METHODS",
    "CategoryCount",
    "Categories",
    "Cutoff",
    "HaCombined",
    "RciResult",
    "anchor_categories",
    "combined_categories",
    "cutoff_from_data",
    "distribution_categories",
    "ha_combined",
    "percentage_categories",
    "rci_by_method",
    "statistical_categories",
    "summarise",
]

RciMethod = Literal["jt", "gln", "en", "ha", "hll", "nk"]
Approach = Literal["distribution", "percentage", "anchor", "statistical", "combined"]
CutoffType = Literal["a", "b", "c"]

#: The package's ``rci_method`` values (lower case here; HLM needs a mixed model, not offered).
RCI_METHODS: Final[tuple[str, ...]] = ("jt", "gln", "en", "ha", "hll", "nk")
#: The package's approaches (``cs_distribution`` … ``cs_combined``, ``cs_anchor``).
APPROACHES: Final[tuple[str, ...]] = (
    "distribution",
    "percentage",
    "anchor",
    "statistical",
    "combined",
)
CUTOFF_TYPES: Final[tuple[str, ...]] = ("a", "b", "c")
#: Critical value of each method's RCI (1.65 for Hageman & Arrindell, else 1.96).
CRITICAL_VALUES: Final[dict[str, float]] = {m: (1.65 if m == "ha" else 1.96) for m in RCI_METHODS}


def _pair(pre: ArrayLike, post: ArrayLike) -> tuple[FloatArray, FloatArray]:
    pre_a = np.asarray(pre, dtype=np.float64)
    post_a = np.asarray(post, dtype=np.float64)
    if pre_a.shape != post_a.shape or pre_a.ndim != 1:
        raise ValueError("pre and post must be one-dimensional arrays of the same length")
    if pre_a.size == 0:
        raise ValueError("no complete cases")
    if np.isnan(pre_a).any() or np.isnan(post_a).any():
        raise ValueError("complete cases only: pre and post must not contain NaN")
    return pre_a, post_a


def _check_direction(direction: int) -> None:
    if direction not in (1, -1):
        raise ValueError(f"direction must be 1 (higher is better) or -1, got {direction!r}")


def _check_reliability(name: str, value: float) -> None:
    if not (math.isfinite(value) and 0.0 <= value < 1.0):
        raise ValueError(f"{name} must be at least 0 and below 1, got {value!r}")


# --------------------------------------------------------------------------- categories


@dataclass(frozen=True)
class Categories:
    """Boolean masks per person; ``order`` names them in the package's summary order."""

    masks: dict[str, BoolArray]
    order: tuple[str, ...]

    def names(self) -> list[str]:
        """The single category of each person (the masks are mutually exclusive)."""
        n = len(next(iter(self.masks.values())))
        out = ["unchanged"] * n
        for name in self.order:
            for i in np.flatnonzero(self.masks[name]).tolist():
                out[i] = name
        return out


@dataclass(frozen=True)
class CategoryCount:
    """One row of the package's summary table."""

    category: str
    n: int
    percent: float

    def as_dict(self) -> dict[str, object]:
        return {"category": self.category, "n": self.n, "percent": self.percent}


def summarise(categories: Categories) -> list[CategoryCount]:
    """The package's group summary: n and percent (of all complete cases, 0–100) per category,
    in the package's order (``create_summary_table``)."""
    total = len(next(iter(categories.masks.values())))
    rows = []
    for name in categories.order:
        n = int(np.count_nonzero(categories.masks[name]))
        rows.append(CategoryCount(name, n, 100.0 * n / total if total else math.nan))
    return rows


def _three(improved: BoolArray, deteriorated: BoolArray) -> Categories:
    unchanged = ~improved & ~deteriorated
    return Categories(
        {"improved": improved, "unchanged": unchanged, "deteriorated": deteriorated},
        ("improved", "unchanged", "deteriorated"),
    )


# --------------------------------------------------------------------------- distribution


@dataclass(frozen=True)
class RciResult:
    """RCI per person for one method, with the constants the package reports."""

    method: str
    rci: FloatArray
    critical_value: float
    m_pre: float
    sd_pre: float
    m_post: float
    sd_post: float
    reliability: float
    reliability_post: float | None
    se_measurement: float | None
    s_diff: float | None
    se_prediction: float | None
    r_dd: float | None

    def constants(self) -> dict[str, float | None]:
        return {
            "critical_value": self.critical_value,
            "m_pre": self.m_pre,
            "sd_pre": self.sd_pre,
            "m_post": self.m_post,
            "sd_post": self.sd_post,
            "reliability": self.reliability,
            "reliability_post": self.reliability_post,
            "se_measurement": self.se_measurement,
            "s_diff": self.s_diff,
            "se_prediction": self.se_prediction,
            "r_dd": self.r_dd,
        }


def rci_by_method(
    pre: ArrayLike,
    post: ArrayLike,
    method: str,
    reliability: float,
    *,
    reliability_post: float | None = None,
    significance_level: float | None = None,
) -> RciResult:
    """RCI of every person by one of the package's distribution-based methods.

    Formulas and sources in the module docstring (``.calc_rci_<method>`` in the
    ``clinicalsignificance`` R package). ``reliability_post`` is only used by ``nk`` (default:
    ``reliability``, as ``cs_distribution()``). Means and SDs come from the complete cases.
    The critical value is 1.96 (1.65 for ``ha``, one-sided) as in the package's published
    results; with ``significance_level`` α it is the normal quantile ``Φ⁻¹(1 − α/2)``
    (``Φ⁻¹(1 − α)`` for ``ha``), the package's ``significance_level`` argument.
    """
    critical = CRITICAL_VALUES.get(method, 1.96)
    if significance_level is not None:
        if not 0 < significance_level < 1:
            raise ValueError("the significance level must be between 0 and 1")
        tail = significance_level if method == "ha" else significance_level / 2.0
        # inline: statistics imports fractions and decimal; only this option needs it, and
        #   `attune outcomes` counts its start-up time
        from statistics import NormalDist

        critical = NormalDist().inv_cdf(1.0 - tail)
    if method not in RCI_METHODS:
        raise ValueError(f"unknown RCI method {method!r}; choose from {', '.join(RCI_METHODS)}")
    _check_reliability("reliability", reliability)
    r = float(reliability)
    pre_a, post_a = _pair(pre, post)
    if pre_a.size < 2:
        raise ValueError("the distribution-based methods need at least two complete cases")
    m_pre, sd_pre = float(pre_a.mean()), float(pre_a.std(ddof=1))
    m_post, sd_post = float(post_a.mean()), float(post_a.std(ddof=1))
    if not sd_pre > 0:
        raise ValueError("the pre scores all have the same value (SD 0)")
    se_m: float | None = sd_pre * math.sqrt(1.0 - r)
    s_diff: float | None = None
    se_pred: float | None = None
    r_dd: float | None = None
    r_post: float | None = None
    change = post_a - pre_a
    if method == "jt":
        assert se_m is not None
        s_diff = math.sqrt(2.0 * se_m**2)
        values = change / s_diff
    elif method == "gln":
        se_pred = sd_pre * math.sqrt(1.0 - r**2)
        values = ((post_a - m_pre) - r * (pre_a - m_pre)) / se_pred
    elif method == "hll":
        se_pred = sd_pre * math.sqrt(1.0 - r**2)
        values = ((post_a - m_post) - r * (pre_a - m_pre)) / se_pred
    elif method == "en":
        assert se_m is not None
        values = (post_a - (r * (pre_a - m_pre) + m_pre)) / se_m
    elif method == "nk":
        r_post = r if reliability_post is None else float(reliability_post)
        _check_reliability("reliability_post", r_post)
        se_m = None
        denominator = math.sqrt(r**2 * sd_pre**2 * (1.0 - r) + sd_pre**2 * (1.0 - r_post))
        values = (post_a - (r * (pre_a - m_pre) + m_pre)) / denominator
    else:  # ha
        assert se_m is not None
        if not sd_post > 0:
            raise ValueError("the post scores all have the same value (SD 0)")
        r1 = (sd_pre**2 - se_m**2) / sd_pre**2
        r2 = (sd_post**2 - se_m**2) / sd_post**2
        r12 = float(np.corrcoef(pre_a, post_a)[0, 1])
        cross = 2.0 * sd_pre * sd_post * r12
        var_change = sd_pre**2 + sd_post**2 - cross
        if not var_change > 1e-12 * sd_pre**2:
            raise ValueError("the changes all have the same value (SD 0)")
        r_dd = (sd_pre**2 * r1 + sd_post**2 * r2 - cross) / var_change
        if not r_dd > 0:
            raise ValueError("the reliability of the difference scores is not positive")
        values = (change * r_dd + (m_post - m_pre) * (1.0 - r_dd)) / (
            math.sqrt(r_dd) * math.sqrt(2.0 * se_m**2)
        )
    return RciResult(
        method=method,
        rci=np.asarray(values, dtype=np.float64),
        critical_value=critical,
        m_pre=m_pre,
        sd_pre=sd_pre,
        m_post=m_post,
        sd_post=sd_post,
        reliability=r,
        reliability_post=r_post,
        se_measurement=se_m,
        s_diff=s_diff,
        se_prediction=se_pred,
        r_dd=r_dd,
    )


def _reliable(result: RciResult, direction: int) -> tuple[BoolArray, BoolArray]:
    _check_direction(direction)
    scaled = direction * result.rci
    return scaled > result.critical_value, scaled < -result.critical_value


def distribution_categories(result: RciResult, direction: int) -> Categories:
    """Improved / unchanged / deteriorated by the RCI (``.calc_improvement``:
    ``direction·RCI`` beyond ± the method's critical value; ``cs_distribution()``)."""
    improved, deteriorated = _reliable(result, direction)
    return _three(improved, deteriorated)


# --------------------------------------------------------------------------- percentage, anchor


def percentage_categories(
    pre: ArrayLike,
    post: ArrayLike,
    pct_improvement: float,
    pct_deterioration: float | None = None,
    *,
    direction: int,
) -> Categories:
    """Percentage-change approach (``cs_percentage()`` / ``calc_percentage``).

    Improved when ``direction·(post − pre)/pre ≥ pct_improvement`` (a fraction: 0.5 is 50 %),
    deteriorated when ``≤ −pct_deterioration`` (default ``pct_improvement``), unchanged when
    neither or when ``post == pre``. With ``pre == 0`` the percentage is undefined: the package
    counts any rise as improved whatever the direction; here a change from 0 is improved when
    it is in the better direction and deteriorated otherwise (a deliberate deviation).
    """
    _check_direction(direction)
    pct_det = pct_improvement if pct_deterioration is None else pct_deterioration
    if not (pct_improvement > 0 and pct_det > 0):
        raise ValueError("the percentages must be positive fractions (0.5 = 50 %)")
    pre_a, post_a = _pair(pre, post)
    change = post_a - pre_a
    zero = pre_a == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(zero, 0.0, change / np.where(zero, 1.0, pre_a))
    same = change == 0
    improved = (direction * pct >= pct_improvement - 1e-12) & ~zero
    deteriorated = (direction * pct <= -pct_det + 1e-12) & ~zero
    improved |= zero & (direction * change > 0)
    deteriorated |= zero & (direction * change < 0)
    return _three(improved & ~same, deteriorated & ~same)


def anchor_categories(
    pre: ArrayLike,
    post: ArrayLike,
    mid_improvement: float,
    mid_deterioration: float | None = None,
    *,
    direction: int,
) -> Categories:
    """Anchor-based approach, individual level (``cs_anchor(target = "individual")``).

    Improved when ``direction·(post − pre) ≥ mid_improvement`` (the minimal important
    difference), deteriorated when ``≤ −mid_deterioration`` (default ``mid_improvement``).
    """
    _check_direction(direction)
    mid_det = mid_improvement if mid_deterioration is None else mid_deterioration
    if not (mid_improvement >= 0 and mid_det >= 0):
        raise ValueError("the MIDs must not be negative")
    pre_a, post_a = _pair(pre, post)
    better = direction * (post_a - pre_a)
    return _three(better >= mid_improvement - 1e-9, better <= -mid_det + 1e-9)


# --------------------------------------------------------------------------- cut-offs


@dataclass(frozen=True)
class Cutoff:
    """A population cut-off with the descriptives it came from (``cs_get_cutoff()``)."""

    type: str
    value: float
    m_clinical: float | None
    sd_clinical: float | None
    m_functional: float | None
    sd_functional: float | None

    def as_dict(self) -> dict[str, object]:
        return {
            "type": self.type,
            "value": self.value,
            "m_clinical": self.m_clinical,
            "sd_clinical": self.sd_clinical,
            "m_functional": self.m_functional,
            "sd_functional": self.sd_functional,
        }


def cutoff_from_data(
    pre: ArrayLike,
    cutoff_type: str,
    *,
    direction: int,
    m_functional: float | None = None,
    sd_functional: float | None = None,
) -> Cutoff:
    """Jacobson & Truax (1991) cut-off a, b or c with the clinical M and SD from the pre scores
    (complete cases), as ``.calc_cutoff`` of the package:

    a = ``M_clin + direction·2·SD_clin``; b = ``M_func − direction·2·SD_func``;
    c = ``(SD_clin·M_func + SD_func·M_clin) / (SD_clin + SD_func)``.
    """
    _check_direction(direction)
    pre_a = np.asarray(pre, dtype=np.float64)
    if pre_a.size < 2:
        raise ValueError("a cut-off from the data needs at least two complete cases")
    m_c, sd_c = float(pre_a.mean()), float(pre_a.std(ddof=1))
    if cutoff_type == "a":
        return Cutoff("a", m_c + direction * 2.0 * sd_c, m_c, sd_c, None, None)
    if m_functional is None or sd_functional is None:
        raise ValueError(f"cut-off {cutoff_type} needs the functional mean and SD")
    if not sd_functional > 0:
        raise ValueError("the functional SD must be positive")
    if cutoff_type == "b":
        value = m_functional - direction * 2.0 * sd_functional
    elif cutoff_type == "c":
        value = (sd_c * m_functional + sd_functional * m_c) / (sd_c + sd_functional)
    else:
        raise ValueError(f"unknown cut-off type {cutoff_type!r}; choose a, b or c")
    return Cutoff(cutoff_type, float(value), m_c, sd_c, m_functional, sd_functional)


def _sides(
    pre_a: FloatArray, post_a: FloatArray, cutoff: float, direction: int
) -> tuple[BoolArray, BoolArray]:
    clinical_pre = direction * pre_a < direction * cutoff
    functional_post = direction * post_a > direction * cutoff
    return clinical_pre, functional_post


def statistical_categories(
    pre: ArrayLike, post: ArrayLike, cutoff: float, *, direction: int
) -> Categories:
    """Statistical approach (``cs_statistical()``, non-HA cut-offs): improved = pre clinical
    and post functional; deteriorated = pre not clinical and post not functional; else
    unchanged (``create_summary_table.cs_statistical``)."""
    _check_direction(direction)
    pre_a, post_a = _pair(pre, post)
    clinical_pre, functional_post = _sides(pre_a, post_a, cutoff, direction)
    return _three(clinical_pre & functional_post, ~clinical_pre & ~functional_post)


def combined_categories(
    pre: ArrayLike, post: ArrayLike, result: RciResult, cutoff: float, *, direction: int
) -> Categories:
    """Combined approach (``cs_combined()``, non-HA methods): recovered / improved / unchanged
    / deteriorated / harmed (``create_summary_table.cs_combined``)."""
    pre_a, post_a = _pair(pre, post)
    improved, deteriorated = _reliable(result, direction)
    clinical_pre, functional_post = _sides(pre_a, post_a, cutoff, direction)
    recovered = clinical_pre & functional_post & improved
    harmed = ~clinical_pre & ~functional_post & deteriorated
    return Categories(
        {
            "recovered": recovered,
            "improved": improved & ~recovered,
            "unchanged": ~improved & ~deteriorated,
            "deteriorated": deteriorated & ~harmed,
            "harmed": harmed,
        },
        ("recovered", "improved", "unchanged", "deteriorated", "harmed"),
    )


# --------------------------------------------------------------------------- Hageman & Arrindell


@dataclass(frozen=True)
class HaCombined:
    """The Hageman & Arrindell (1999) combined analysis: categories, the true-score cut-off and
    the group-level proportions (``cs_combined(rci_method = "HA")``)."""

    categories: Categories
    cutoff: Cutoff
    cs_indiv: FloatArray
    changed: float
    functional: float


def ha_combined(
    result: RciResult,
    pre: ArrayLike,
    post: ArrayLike,
    cutoff_type: str,
    *,
    direction: int,
    m_functional: float | None = None,
    sd_functional: float | None = None,
) -> HaCombined:
    """Hageman & Arrindell (1999, Behav Res Ther 37:1169-1193) combined approach, as
    ``cs_combined(rci_method = "HA")`` (``.calc_cutoff_ha_data``, ``.calc_cutoff_ha``,
    ``create_summary_table.cs_combined``).

    With ``SE = SD_pre·√(1 − r)`` and the reliabilities ``r_t = (SD_t² − SE²)/SD_t²`` of the
    clinical (pre), post and functional distributions, the *true-score* cut-offs are
    a = ``M_clin + direction·2·SD_clin·√r_clin``, b = ``M_func − direction·2·SD_func·√r_func``
    (the package writes ``SD_clin·√r_clin`` here; we keep Jacobson & Truax's functional SD),
    c = ``(SD_clin√r_clin·M_func + SD_func√r_func·M_clin) / (SD_clin√r_clin + SD_func√r_func)``.
    A person is functional after treatment when ``direction·CS_indiv`` exceeds the HA critical
    value, ``CS_indiv = (M_post + (post − M_post)·r_post − cutoff) / (√r_post·SE)``.
    Recovered = clinical before (the raw pre score on the clinical side of the cut-off),
    functional after and reliably improved — this reproduces the package's published snapshot
    (``tests/testthat/_snaps/cs_combined.md``: 23 recovered on claus_2020 HAMD); later package
    code drops the "clinical before" condition. Nobody is "harmed". Group level:
    ``changed = Φ(−M_change / (SD_change·√r_dd))`` and ``functional = Φ((cutoff − M_post) /
    (SD_post·√r_post))`` for lower-is-better (1 − Φ for higher-is-better).
    """
    if result.method != "ha" or result.r_dd is None or result.se_measurement is None:
        raise ValueError("the HA combined analysis needs an RCI by the 'ha' method")
    _check_direction(direction)
    pre_a, post_a = _pair(pre, post)
    se = result.se_measurement
    m_c, sd_c = result.m_pre, result.sd_pre
    m_post, sd_post = result.m_post, result.sd_post

    def rel(sd: float) -> float:
        return (sd**2 - se**2) / sd**2

    r_c, r_post = rel(sd_c), rel(sd_post)
    if not r_post > 0:
        raise ValueError("the post scores' reliability (HA) is not positive")
    r_f: float | None = None
    if cutoff_type == "a":
        value = m_c + direction * 2.0 * sd_c * math.sqrt(r_c)
    else:
        if m_functional is None or sd_functional is None or not sd_functional > 0:
            raise ValueError(f"cut-off {cutoff_type} needs the functional mean and a positive SD")
        r_f = rel(sd_functional)
        if not r_f > 0:
            raise ValueError("the functional SD is smaller than the standard error of measurement")
        if cutoff_type == "b":
            value = m_functional - direction * 2.0 * sd_functional * math.sqrt(r_f)
        elif cutoff_type == "c":
            w_c, w_f = sd_c * math.sqrt(r_c), sd_functional * math.sqrt(r_f)
            value = (w_c * m_functional + w_f * m_c) / (w_c + w_f)
        else:
            raise ValueError(f"unknown cut-off type {cutoff_type!r}; choose a, b or c")
    cutoff = Cutoff(f"{cutoff_type}_true", float(value), m_c, sd_c, m_functional, sd_functional)
    cs_indiv = (m_post + (post_a - m_post) * r_post - value) / (math.sqrt(r_post) * se)
    functional_post = direction * cs_indiv > result.critical_value
    improved, deteriorated = _reliable(result, direction)
    clinical_pre = direction * pre_a < direction * value
    recovered = clinical_pre & functional_post & improved
    categories = Categories(
        {
            "recovered": recovered,
            "improved": improved & ~recovered,
            "unchanged": ~improved & ~deteriorated,
            "deteriorated": deteriorated,
            "harmed": np.zeros(pre_a.shape, dtype=np.bool_),
        },
        ("recovered", "improved", "unchanged", "deteriorated", "harmed"),
    )
    change = post_a - pre_a
    # inline: as in rci_by_method, statistics only when this analysis runs
    from statistics import NormalDist

    normal = NormalDist()
    z_changed = (0.0 - float(change.mean())) / (float(change.std(ddof=1)) * math.sqrt(result.r_dd))
    z_functional = (value - m_post) / (sd_post * math.sqrt(r_post))
    if direction == -1:
        changed, functional = normal.cdf(z_changed), normal.cdf(z_functional)
    else:
        changed, functional = 1.0 - normal.cdf(z_changed), 1.0 - normal.cdf(z_functional)
    return HaCombined(categories, cutoff, np.asarray(cs_indiv), changed, functional)
