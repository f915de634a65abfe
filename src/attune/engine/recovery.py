"""Expected-recovery curves by intake severity (PHQ-9, GAD-7): reference and practice curves.

The model is the log-session model of Finch, Lambert & Schaalje (2001), *Clin Psychol
Psychother* 8:231-242 (clinical-science.md §2.1: OQ-45 score on log(session number), mean
estimates for sessions 1-20 by intake severity, tolerance intervals around each mean)::

    expected(t) = intake + b_k * ln(t)           t = 1 at the intake measurement
    sd(t)^2     = s_e,k^2 + s_u,k^2 * ln(t)^2     spread of the score around expected(t)
    upper(t, L) = expected(t) + z_L * sd(t)       z_L = Phi^-1((1 + L) / 2): the upper limit of
                                                  the two-sided L tolerance band

with one slope ``b_k`` and one spread per intake band ``k`` (the severity bands of
clinical-science.md §1.2: PHQ-9 0-4 / 5-9 / 10-14 / 15-19 / 20-27; GAD-7 0-4 / 5-9 / 10-14 /
15-21). ``s_e`` is measurement error, ``s_u`` the spread of personal slopes (a random-slope
model: a client's own slope is b_k + u with u ~ N(0, s_u^2)).

**Reference curves** (``reference_curves``), from published figures only:

* Start and end means and SDs of courses of high-intensity psychological therapy (CBT,
  Counselling for Depression, EMDR, IPT, Couples Therapy for Depression, brief psychodynamic
  psychotherapy) in NHS Talking Therapies, England, 2024-25 (annual report PROMs, "Total"
  problem descriptor; /work/shared/datasets/nhs-talking-therapies), pooled with the courses of
  therapy as weights (pooled SD includes the spread between therapy types). PHQ-9: n = 332,995
  courses, start 14.27 (SD 6.01), end 9.47 (SD 6.49).
* Relative change r = (start - end) / start = 0.3365 (PHQ-9); 0.3490 (GAD-7: 13.03 (5.13) ->
  8.48 (5.64)).
* Typical course length T = 6.9 treatment sessions: the mean number of sessions of referrals
  that finished a course of treatment, NHS Digital IAPT annual report 2019-20 (as reported by
  psychreg.org; [V2]; the annual-report CSVs carry no session counts). ln T = 1.9315.
* Slope per band, proportional to the band's midpoint m_k (change scales with intake):
  b_k = -r * m_k / ln T. PHQ-9 (m = 2, 7, 12, 17, 23.5): b = -0.348, -1.219, -2.091, -2.962,
  -4.094 points per ln(session).
* Measurement error from the reliable-change value RC (6 PHQ-9, 4 GAD-7; §1.2):
  s_e = RC / 1.96 (= S_diff, the SD of the difference of two measurements) = 3.061 (PHQ-9).
* Residual spread at the end of a typical course from the published SDs, assuming the mean
  end score is (1 - r) * start: V_T = SD_end^2 - (1 - r)^2 * SD_start^2 = 6.486^2 -
  0.6635^2 * 6.007^2 = 26.18 (PHQ-9); then s_u = sqrt(V_T - s_e^2) / ln T = 2.123.
* Worked example (PHQ-9, intake 14, band 10-14, session 5, ln 5 = 1.6094): expected =
  14 - 2.091 * 1.6094 = 10.64; sd = sqrt(3.061^2 + (2.123 * 1.6094)^2) = 4.59; upper limit
  of the 80 % band (z = 1.2816) = 16.51.

**Practice curves** (``fit_curves``): the same model fitted on a practice's completed
episodes by least squares (slope per band through the intake; then the variance model on the
squared residuals), used instead of the reference once there are at least ``min_episodes``
(default 100) usable episodes. Sparse bands borrow a slope proportional to intake fitted
across all bands.

Pure numpy, no Django import.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from statistics import NormalDist
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from attune.engine.batch import ATTENDED, BoolArray, EpisodeBatch, FloatArray, IntArray

__all__ = [
    "FIT_SOURCE",
    "HIGH_INTENSITY",
    "MEASURES",
    "NHS_TT_2024_25",
    "REFERENCE_SOURCE",
    "Dose",
    "FitConfig",
    "Measure",
    "MeasureSpec",
    "PublishedOutcome",
    "RecoveryCurves",
    "ReferenceConfig",
    "ReferenceDerivation",
    "Trajectory",
    "derive_reference",
    "fit_curves",
    "reference_curves",
    "tolerance_z",
    "trajectory",
]

Measure = Literal["phq9", "gad7"]
Dose = Literal["attended", "scheduled"]


@dataclass(frozen=True)
class MeasureSpec:
    """Range, severity bands and reliable change of an outcome measure (clinical-science §1.2).

    PHQ-9 bands: Kroenke, Spitzer & Williams (2001); GAD-7 bands: Spitzer et al. (2006);
    reliable change 6 / 4 points: NHS Talking Therapies manual.
    """

    label: str
    max_score: float
    band_lower: tuple[float, ...]
    reliable_change: float

    @property
    def band_upper(self) -> tuple[float, ...]:
        return (*(lo - 1.0 for lo in self.band_lower[1:]), self.max_score)

    @property
    def midpoints(self) -> tuple[float, ...]:
        return tuple(
            (lo + hi) / 2.0 for lo, hi in zip(self.band_lower, self.band_upper, strict=True)
        )

    def band_labels(self) -> tuple[str, ...]:
        return tuple(
            f"{lo:g}–{hi:g}" for lo, hi in zip(self.band_lower, self.band_upper, strict=True)
        )


MEASURES: dict[str, MeasureSpec] = {
    "phq9": MeasureSpec("PHQ-9", 27.0, (0.0, 5.0, 10.0, 15.0, 20.0), 6.0),
    "gad7": MeasureSpec("GAD-7", 21.0, (0.0, 5.0, 10.0, 15.0), 4.0),
}


@dataclass(frozen=True)
class PublishedOutcome:
    """Start and end mean (SD) of one therapy type, one measure, one reporting year."""

    therapy: str
    courses: int
    start_mean: float
    start_sd: float
    end_mean: float
    end_sd: float


#: NHS Talking Therapies annual report 2024-25, England, PROMs, problem descriptor "Total";
#: ``courses_of_therapy`` and PHQ-9 / GAD-7 ``mean`` / ``sd`` at ``start`` / ``end``
#: (england_proms_annual.csv; Open Government Licence v3.0). Therapy types with >= 1,000
#: courses.
NHS_TT_2024_25: dict[str, tuple[PublishedOutcome, ...]] = {
    "phq9": (
        PublishedOutcome("Cognitive Behaviour Therapy (CBT)", 233776, 14.2, 6.1, 9.5, 6.6),
        PublishedOutcome("Counselling for Depression", 77602, 14.4, 5.7, 9.3, 6.1),
        PublishedOutcome("Eye Movement Desensitisation Reprocessing", 10730, 15.0, 6.0, 10.4, 6.8),
        PublishedOutcome("Interpersonal Psycho therapy (IPT)", 6816, 15.5, 5.5, 9.6, 6.4),
        PublishedOutcome("Couples Therapy for Depression", 2825, 10.4, 6.0, 7.3, 5.6),
        PublishedOutcome("Brief psychodynamic psychotherapy", 1246, 14.2, 5.7, 9.6, 6.2),
        PublishedOutcome("Guided Self Help (Book)", 164041, 13.5, 5.9, 9.4, 6.5),
        PublishedOutcome("Guided Self Help (Computer)", 14316, 11.7, 5.8, 8.6, 5.9),
        PublishedOutcome("Psychoeducational peer support", 40170, 12.7, 6.0, 10.0, 6.4),
        PublishedOutcome("Non-guided Self Help (Book)", 8809, 14.9, 6.0, 12.5, 6.7),
        PublishedOutcome("Collaborative care", 1912, 14.2, 5.8, 10.3, 6.7),
        PublishedOutcome("Non-Guided Self Help (Computer)", 1567, 11.3, 6.0, 8.0, 5.8),
        PublishedOutcome("Mindfulness", 1007, 11.1, 5.8, 9.2, 6.2),
    ),
    "gad7": (
        PublishedOutcome("Cognitive Behaviour Therapy (CBT)", 233776, 13.3, 5.1, 8.6, 5.7),
        PublishedOutcome("Counselling for Depression", 77602, 12.3, 5.1, 8.1, 5.4),
        PublishedOutcome("Eye Movement Desensitisation Reprocessing", 10730, 13.6, 5.2, 9.3, 5.9),
        PublishedOutcome("Interpersonal Psycho therapy (IPT)", 6816, 12.6, 5.0, 8.2, 5.6),
        PublishedOutcome("Couples Therapy for Depression", 2825, 9.4, 5.5, 6.6, 5.0),
        PublishedOutcome("Brief psychodynamic psychotherapy", 1246, 12.3, 5.1, 8.4, 5.4),
        PublishedOutcome("Guided Self Help (Book)", 164041, 12.5, 5.1, 8.5, 5.7),
        PublishedOutcome("Guided Self Help (Computer)", 14316, 11.2, 5.1, 8.0, 5.4),
        PublishedOutcome("Psychoeducational peer support", 40170, 11.6, 5.3, 9.0, 5.7),
        PublishedOutcome("Non-guided Self Help (Book)", 8809, 13.6, 5.1, 11.5, 5.9),
        PublishedOutcome("Collaborative care", 1912, 13.0, 5.0, 9.3, 5.8),
        PublishedOutcome("Non-Guided Self Help (Computer)", 1567, 10.8, 5.4, 7.6, 5.5),
        PublishedOutcome("Mindfulness", 1007, 9.9, 5.4, 8.0, 5.6),
    ),
}

#: The high-intensity psychological therapies: the reference for a psychotherapy practice.
HIGH_INTENSITY: tuple[str, ...] = (
    "Cognitive Behaviour Therapy (CBT)",
    "Counselling for Depression",
    "Eye Movement Desensitisation Reprocessing",
    "Interpersonal Psycho therapy (IPT)",
    "Couples Therapy for Depression",
    "Brief psychodynamic psychotherapy",
)

REFERENCE_SOURCE = (
    "NHS Talking Therapies annual report 2024-25 (PHQ-9/GAD-7 start and end means and SDs of "
    "high-intensity therapies, England) with a typical course of 6.9 sessions (IAPT annual "
    "report 2019-20), on the log-session model of Finch, Lambert & Schaalje (2001)."
)
FIT_SOURCE = (
    "Least-squares fit of the log-session model of Finch, Lambert & Schaalje (2001) on this "
    "practice's completed episodes."
)


def tolerance_z(level: float) -> float:
    """z of the upper limit of a two-sided ``level`` tolerance band (0.80 -> 1.2816)."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    return NormalDist().inv_cdf((1.0 + level) / 2.0)


# --------------------------------------------------------------------------------------------
# the curves
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecoveryCurves:
    """Expected course and tolerance band per intake band (Finch, Lambert & Schaalje 2001).

    ``slope[k]`` is b_k (points per ln(session); negative = improvement), ``sd_error[k]`` and
    ``sd_slope[k]`` give sd(t)^2 = sd_error^2 + sd_slope^2 * ln(t)^2. ``session`` is 1 at the
    intake measurement. ``episodes`` is 0 for the reference curves.
    """

    name: str
    measure: Measure
    slope: tuple[float, ...]
    sd_error: tuple[float, ...]
    sd_slope: tuple[float, ...]
    episodes: int = 0
    source: str = REFERENCE_SOURCE
    _arrays: tuple[FloatArray, FloatArray, FloatArray, FloatArray] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        spec = MEASURES[self.measure]
        k = len(spec.band_lower)
        for name in ("slope", "sd_error", "sd_slope"):
            if len(getattr(self, name)) != k:
                raise ValueError(f"{name} needs one value per {spec.label} band ({k})")
        if min(self.sd_error) < 0 or min(self.sd_slope) < 0:
            raise ValueError("spreads must not be negative")
        arrays = (
            np.asarray(spec.band_lower, dtype=np.float64),
            np.asarray(self.slope, dtype=np.float64),
            np.square(np.asarray(self.sd_error, dtype=np.float64)),
            np.square(np.asarray(self.sd_slope, dtype=np.float64)),
        )
        object.__setattr__(self, "_arrays", arrays)

    @property
    def spec(self) -> MeasureSpec:
        return MEASURES[self.measure]

    def band(self, intake: ArrayLike) -> IntArray:
        """Index of the intake band (NaN intake -> band 0; its curve values are NaN anyway)."""
        return _band_index(self._arrays[0], intake)

    def band_label(self, intake: float) -> str:
        return self.spec.band_labels()[int(self.band(intake))]

    def expected(self, intake: ArrayLike, session: ArrayLike) -> FloatArray:
        """Expected score at ``session`` (1 = intake) for clients starting at ``intake``."""
        x = np.asarray(intake, dtype=np.float64)
        out = x + self._arrays[1][self.band(x)] * _log_session(session)
        return np.asarray(np.clip(out, 0.0, self.spec.max_score), dtype=np.float64)

    def sd(self, intake: ArrayLike, session: ArrayLike) -> FloatArray:
        """Spread of the score around ``expected`` (NaN where intake is NaN)."""
        x = np.asarray(intake, dtype=np.float64)
        k = self.band(x)
        ln = _log_session(session)
        var = self._arrays[2][k] + self._arrays[3][k] * ln * ln
        return np.asarray(np.where(np.isnan(x), np.nan, np.sqrt(var)), dtype=np.float64)

    def upper(self, intake: ArrayLike, session: ArrayLike, level: float) -> FloatArray:
        """Upper limit of the two-sided ``level`` tolerance band (e.g. 0.80)."""
        up = self.expected(intake, session) + tolerance_z(level) * self.sd(intake, session)
        return np.asarray(up, dtype=np.float64)


def _band_index(lower: FloatArray, intake: ArrayLike) -> IntArray:
    x = np.nan_to_num(np.asarray(intake, dtype=np.float64), nan=0.0)
    idx = np.searchsorted(lower, x, side="right") - 1
    return np.asarray(np.clip(idx, 0, lower.size - 1), dtype=np.int64)


def _log_session(session: ArrayLike) -> FloatArray:
    t = np.asarray(session, dtype=np.float64)
    return np.asarray(np.log(np.maximum(t, 1.0)), dtype=np.float64)


# --------------------------------------------------------------------------------------------
# reference curves
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferenceConfig:
    """Inputs of the reference curves (module docstring: every number and its source).

    ``typical_sessions`` 6.9: mean sessions of finished courses, IAPT annual report 2019-20
    [V2]. ``therapies``: rows of ``NHS_TT_2024_25`` pooled (default: high-intensity).
    ``reliable_change`` None = the measure's (6 PHQ-9, 4 GAD-7; §1.2).
    """

    measure: Measure = "phq9"
    therapies: tuple[str, ...] = HIGH_INTENSITY
    typical_sessions: float = 6.9
    reliable_change: float | None = None


@dataclass(frozen=True)
class ReferenceDerivation:
    """Every intermediate number of a reference curve (for documentation and tests)."""

    courses: int
    start_mean: float
    start_sd: float
    end_mean: float
    end_sd: float
    relative_change: float
    log_typical: float
    midpoints: tuple[float, ...]
    slopes: tuple[float, ...]
    sd_error: float
    end_residual_var: float
    sd_slope: float


def derive_reference(config: ReferenceConfig = ReferenceConfig()) -> ReferenceDerivation:
    """Pool the published figures and derive slopes and spreads (module docstring)."""
    spec = MEASURES[config.measure]
    rows = [r for r in NHS_TT_2024_25[config.measure] if r.therapy in config.therapies]
    if not rows:
        raise ValueError("no published figures for the chosen therapies")
    if config.typical_sessions <= 1.0:
        raise ValueError("typical_sessions must be above 1")
    w = np.array([r.courses for r in rows], dtype=np.float64)

    def pooled(means: list[float], sds: list[float]) -> tuple[float, float]:
        m = np.asarray(means)
        s = np.asarray(sds)
        mean = float(np.average(m, weights=w))
        var = float(np.average(s * s + (m - mean) ** 2, weights=w))
        return mean, math.sqrt(var)

    m0, s0 = pooled([r.start_mean for r in rows], [r.start_sd for r in rows])
    m1, s1 = pooled([r.end_mean for r in rows], [r.end_sd for r in rows])
    r = (m0 - m1) / m0
    log_t = math.log(config.typical_sessions)
    slopes = tuple(-r * mid / log_t for mid in spec.midpoints)
    rc = spec.reliable_change if config.reliable_change is None else config.reliable_change
    sd_e = rc / 1.96
    v_t = s1 * s1 - (1.0 - r) ** 2 * s0 * s0
    sd_u = math.sqrt(max(v_t - sd_e * sd_e, 0.0)) / log_t
    return ReferenceDerivation(
        courses=int(w.sum()),
        start_mean=m0,
        start_sd=s0,
        end_mean=m1,
        end_sd=s1,
        relative_change=r,
        log_typical=log_t,
        midpoints=spec.midpoints,
        slopes=slopes,
        sd_error=sd_e,
        end_residual_var=v_t,
        sd_slope=sd_u,
    )


@lru_cache(maxsize=16)
def reference_curves(config: ReferenceConfig = ReferenceConfig()) -> RecoveryCurves:
    """The published-figure curves, named "NHS Talking Therapies reference" (cached)."""
    d = derive_reference(config)
    k = len(d.slopes)
    return RecoveryCurves(
        name="NHS Talking Therapies reference",
        measure=config.measure,
        slope=d.slopes,
        sd_error=(d.sd_error,) * k,
        sd_slope=(d.sd_slope,) * k,
        episodes=0,
        source=REFERENCE_SOURCE,
    )


# --------------------------------------------------------------------------------------------
# where each measurement sits on its episode's course
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Trajectory:
    """The scores of one measure laid on the curve's time axis.

    ``session`` is 1 at the intake measurement (the episode's first score) and counts the
    sessions since then (attended ones, or all scheduled ones with ``dose="scheduled"``);
    ``measured`` marks cells with a score; ``intake_col`` is -1 without any score.
    """

    scores: FloatArray  # (n, t)
    measured: BoolArray  # (n, t)
    intake: FloatArray  # (n,)
    intake_col: IntArray  # (n,)
    latest_col: IntArray  # (n,) -1 without any score
    session: FloatArray  # (n, t)


def trajectory(
    batch: EpisodeBatch, measure: Measure = "phq9", dose: Dose = "attended"
) -> Trajectory:
    """Intake, latest measurement and curve session of every cell, vectorised over rows."""
    scores = np.asarray(batch.phq9 if measure == "phq9" else batch.gad7, dtype=np.float64)
    n, t = scores.shape
    measured = ~np.isnan(scores)
    has = measured.any(axis=1)
    if t == 0:
        none = np.full(n, -1, dtype=np.int64)
        return Trajectory(scores, measured, np.full(n, np.nan), none, none, scores.copy())
    first = np.where(has, np.argmax(measured, axis=1), -1).astype(np.int64)
    last = np.where(has, t - 1 - np.argmax(measured[:, ::-1], axis=1), -1).astype(np.int64)
    rows = np.arange(n)
    intake = np.where(has, scores[rows, np.maximum(first, 0)], np.nan)
    if dose == "attended":
        count = np.cumsum(batch.attendance == ATTENDED, axis=1).astype(np.float64)
    else:
        count = np.cumsum(batch.attendance >= 0, axis=1).astype(np.float64)
    at_intake = count[rows, np.maximum(first, 0)]
    session = np.maximum(count - at_intake[:, None] + 1.0, 1.0)
    return Trajectory(
        scores=scores,
        measured=measured,
        intake=np.asarray(intake, dtype=np.float64),
        intake_col=first,
        latest_col=last,
        session=np.asarray(session, dtype=np.float64),
    )


# --------------------------------------------------------------------------------------------
# practice curves
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FitConfig:
    """Fitting practice curves.

    ``min_band_episodes``: below this, a band's slope is borrowed from the proportional model
    fitted across all bands (b_k = beta * midpoint_k) and its spread from the pooled fit.
    """

    measure: Measure = "phq9"
    dose: Dose = "attended"
    min_band_episodes: int = 20


def fit_curves(
    batch: EpisodeBatch, min_episodes: int = 100, config: FitConfig = FitConfig()
) -> RecoveryCurves | None:
    """Curves fitted on a practice's completed episodes, or None below ``min_episodes``.

    An episode is usable when it has an intake score and at least one later score. Per band
    k, least squares through the intake: b_k = sum(d * l) / sum(l^2) with d = score - intake
    and l = ln(session); then the variance model e^2 = s_e^2 + s_u^2 * l^2 by least squares
    on the squared residuals (coefficients kept non-negative). Source: Finch, Lambert &
    Schaalje (2001), fitted on local data as the OQ system recommends for local norms.
    None tells the caller to use ``reference_curves`` instead.
    """
    spec = MEASURES[config.measure]
    tr = trajectory(batch, config.measure, config.dose)
    later = tr.measured & (tr.session >= 2.0)
    later &= np.arange(tr.scores.shape[1])[None, :] > tr.intake_col[:, None]
    usable = later.any(axis=1) & ~np.isnan(tr.intake)
    n_usable = int(usable.sum())
    if n_usable < max(min_episodes, 1):
        return None

    cells = later & usable[:, None]
    rows, cols = np.nonzero(cells)
    x = tr.intake[rows]
    d = tr.scores[rows, cols] - x
    ln = np.log(tr.session[rows, cols])
    band_of_row = _band_index(np.asarray(spec.band_lower), tr.intake)
    band = band_of_row[rows]
    k = len(spec.band_lower)
    episodes_in_band = np.bincount(band_of_row[usable], minlength=k)

    # proportional model across all bands: d = beta * intake * ln
    xl = x * ln
    denom = float(np.dot(xl, xl))
    beta = float(np.dot(d, xl)) / denom if denom > 0 else 0.0
    sum_dl = np.bincount(band, weights=d * ln, minlength=k)
    sum_ll = np.bincount(band, weights=ln * ln, minlength=k)
    own = (episodes_in_band >= config.min_band_episodes) & (sum_ll > 0)
    mids = np.asarray(spec.midpoints)
    slope = np.where(own, sum_dl / np.where(sum_ll > 0, sum_ll, 1.0), beta * mids)

    resid2 = (d - slope[band] * ln) ** 2
    pooled = _variance_fit(resid2, ln * ln)
    sd_e = np.full(k, pooled[0])
    sd_u = np.full(k, pooled[1])
    for b in np.flatnonzero(own):
        pick = band == b
        sd_e[b], sd_u[b] = _variance_fit(resid2[pick], (ln * ln)[pick])
    return RecoveryCurves(
        name=f"this practice, n = {n_usable} episodes",
        measure=config.measure,
        slope=tuple(float(v) for v in slope),
        sd_error=tuple(float(v) for v in sd_e),
        sd_slope=tuple(float(v) for v in sd_u),
        episodes=n_usable,
        source=FIT_SOURCE,
    )


def _variance_fit(resid2: FloatArray, ln2: FloatArray) -> tuple[float, float]:
    """(s_e, s_u) from e^2 = s_e^2 + s_u^2 * ln^2, least squares, both non-negative."""
    if resid2.size == 0:
        return 0.0, 0.0
    design = np.column_stack([np.ones_like(ln2), ln2])
    coef, *_ = np.linalg.lstsq(design, resid2, rcond=None)
    a, c = float(coef[0]), float(coef[1])
    if c < 0:
        a, c = float(resid2.mean()), 0.0
    elif a < 0:
        a, c = 0.0, float(np.dot(ln2, resid2) / max(float(np.dot(ln2, ln2)), 1e-12))
    return math.sqrt(max(a, 0.0)), math.sqrt(max(c, 0.0))
