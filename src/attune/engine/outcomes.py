"""Reliable change, clinical significance and NHS Talking Therapies episode outcomes.

Three layers, all pure and vectorised over arrays (one value per person or episode):

* **Jacobson & Truax (1991)** — :func:`standard_error`, :func:`sdiff`, :func:`rci`,
  :func:`reliable_change_points`, the clinical cut-offs :func:`cutoff_a`, :func:`cutoff_b`,
  :func:`cutoff_c`, and :func:`classify_change` (recovered / improved / unchanged /
  deteriorated).
* **NHS Talking Therapies** (IAPT) outcomes of paired PHQ-9 / GAD-7 first-vs-last scores —
  :func:`talking_therapies_outcomes` with :class:`TalkingTherapiesConfig`.
* The detector :func:`detect_reliable_change`, which turns the Talking Therapies rules into
  ``reliable_deterioration`` (red) and ``reliable_improvement`` (info) signals for a batch of
  episodes.

Sources (``shared/reference/clinical-science.md``):

* Jacobson, N. S., & Truax, P. (1991). Clinical significance: a statistical approach to
  defining meaningful change in psychotherapy research. *J Consult Clin Psychol* 59(1):12-19,
  doi:10.1037/0022-006X.59.1.12 (§1.1): ``SE = s1·√(1 − rxx)``, ``Sdiff = √2·SE``,
  ``RC = (post − pre) / Sdiff``, reliable when ``|RC| > 1.96``; cut-offs a, b, c; the
  worked example (s1 7.5, rxx .80 → SE 3.354, Sdiff 4.743, RC 3.16; a/b/c = 55/45/50). The √2
  is Christensen & Mendoza's (1986) correction of Jacobson, Follette & Revenstorf (1984).
* Category rule as in the ``clinicalsignificance`` R package (pedscience; §1.1 [V2]):
  *recovered* = reliably improved **and** pre on the dysfunctional side of the cut-off **and**
  post beyond it; *improved* = reliably improved otherwise; *deteriorated* = reliable change in
  the bad direction; *unchanged* otherwise. The categories are mutually exclusive.
* NHS Talking Therapies definitions (§1.2-1.3; PHE Fingertips glossary, MindStep table, CORC):
  caseness PHQ-9 ≥ 10 or GAD-7 ≥ 8; recovery = caseness at the start and below caseness on both
  measures at the end; reliable improvement = PHQ-9 down ≥ 6 and/or GAD-7 down ≥ 4 with no
  reliable deterioration on the other measure; reliable deterioration = PHQ-9 up ≥ 6 or GAD-7
  up ≥ 4; reliable recovery = recovery and reliable improvement. Whether a deterioration also
  needs "no reliable improvement on the other measure" varies between implementations (§1.3,
  [UNVERIFIED]); it is the ``deterioration_requires_no_improvement`` switch, off by default.

Missing data: every function takes NaN for a missing score. A J&T classification of a person
without both scores is :data:`MISSING` (-1). In the Talking Therapies outcomes a measure counts
only when both its first and its last score exist: a missing GAD-7 pair means the outcome is
decided on PHQ-9 alone (and a missing PHQ-9 pair on GAD-7 alone); with neither pair, every
outcome is False and ``paired`` is False.

No Django import: this is part of :mod:`attune.engine`.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from typing import Final, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from attune.engine.batch import BoolArray, EpisodeBatch, FloatArray, IntArray
from attune.engine.numbers import rounded
from attune.engine.signals import (
    ACKNOWLEDGE_PROGRESS,
    INVITE_FEEDBACK,
    REVIEW_IN_SUPERVISION,
    REVIEW_MODALITY,
    Signal,
)

__all__ = [
    "CATEGORIES",
    "DEFAULT_TALKING_THERAPIES",
    "DETERIORATED",
    "IMPROVED",
    "MISSING",
    "RECOVERED",
    "UNCHANGED",
    "Z_RELIABLE",
    "TalkingTherapiesConfig",
    "TalkingTherapiesOutcomes",
    "category_names",
    "classify_change",
    "cutoff_a",
    "cutoff_b",
    "cutoff_c",
    "detect_reliable_change",
    "FirstLatest",
    "first_and_latest",
    "rci",
    "reliable_change_points",
    "sdiff",
    "standard_error",
    "talking_therapies_outcomes",
]

#: Two-tailed 5 % critical value of the RCI (Jacobson & Truax 1991).
Z_RELIABLE: Final = 1.96

#: Jacobson–Truax categories, in the order of their codes.
CATEGORIES: Final[tuple[str, ...]] = ("recovered", "improved", "unchanged", "deteriorated")
RECOVERED, IMPROVED, UNCHANGED, DETERIORATED = range(len(CATEGORIES))
#: Code of a person without both a pre and a post score.
MISSING: Final = -1

#: Slack for "change ≥ N points" on decimal scores (10.3 − 4.3 is 5.999999999999999 in floats).
_EPS: Final = 1e-9

_NAMES: Final = {"phq9": "PHQ-9", "gad7": "GAD-7"}

_SOURCE_TT: Final = (
    "Jacobson & Truax (1991), J Consult Clin Psychol 59:12-19 (reliable change); NHS Talking "
    "Therapies Manual (National Collaborating Centre for Mental Health): caseness PHQ-9 >= 10 / "
    "GAD-7 >= 8, reliable change 6 / 4 points."
)


# --------------------------------------------------------------------------- Jacobson & Truax


def _check(sd: float, reliability: float) -> None:
    if not (math.isfinite(sd) and sd > 0):
        raise ValueError(f"the SD must be a positive number, got {sd!r}")
    if not (math.isfinite(reliability) and 0.0 <= reliability < 1.0):
        raise ValueError(f"the reliability must be at least 0 and below 1, got {reliability!r}")


def standard_error(sd: float, reliability: float) -> float:
    """Standard error of measurement ``SE = sd·√(1 − reliability)`` (Jacobson & Truax 1991).

    ``sd`` is the SD of the pre-treatment (clinical) sample or of a normative sample;
    ``reliability`` is test–retest or internal consistency (clinical-science.md §1.1).
    """
    _check(sd, reliability)
    return float(sd * math.sqrt(1.0 - reliability))


def sdiff(sd: float, reliability: float) -> float:
    """Standard error of the difference ``Sdiff = √(2·SE²)`` (Jacobson & Truax 1991, with
    Christensen & Mendoza's 1986 √2 correction; clinical-science.md §1.1)."""
    return float(math.sqrt(2.0) * standard_error(sd, reliability))


def rci(pre: ArrayLike, post: ArrayLike, sd: float, reliability: float) -> FloatArray:
    """Reliable Change Index ``(post − pre) / Sdiff`` per person (Jacobson & Truax 1991).

    Positive means the score went up (better only when higher is better). NaN in, NaN out.
    """
    pre_a = np.asarray(pre, dtype=np.float64)
    post_a = np.asarray(post, dtype=np.float64)
    return np.asarray((post_a - pre_a) / sdiff(sd, reliability), dtype=np.float64)


def reliable_change_points(sd: float, reliability: float, z: float = Z_RELIABLE) -> float:
    """Smallest raw change that is reliable: ``z·Sdiff`` (1.96·Sdiff at p < .05 two-tailed;
    Jacobson & Truax 1991; the ``define_crit1_cutoff`` of the suddengains R package)."""
    return float(z * sdiff(sd, reliability))


def cutoff_a(
    dysfunctional_mean: float, dysfunctional_sd: float, *, higher_is_better: bool
) -> float:
    """Cut-off a: two SDs beyond the dysfunctional mean, toward health (Jacobson & Truax 1991).

    The only cut-off possible without functional norms (clinical-science.md §1.1).
    """
    sign = 1.0 if higher_is_better else -1.0
    return float(dysfunctional_mean + sign * 2.0 * dysfunctional_sd)


def cutoff_b(functional_mean: float, functional_sd: float, *, higher_is_better: bool) -> float:
    """Cut-off b: two SDs from the functional mean, toward dysfunction (Jacobson & Truax 1991)."""
    sign = 1.0 if higher_is_better else -1.0
    return float(functional_mean - sign * 2.0 * functional_sd)


def cutoff_c(
    dysfunctional_mean: float,
    dysfunctional_sd: float,
    functional_mean: float,
    functional_sd: float,
) -> float:
    """Cut-off c: the SD-weighted midpoint of the two populations (Jacobson & Truax 1991),
    ``(SD_func·M_dys + SD_dys·M_func) / (SD_func + SD_dys)``; preferred when norms exist."""
    total = functional_sd + dysfunctional_sd
    if not total > 0:
        raise ValueError("cut-off c needs positive SDs")
    return float((functional_sd * dysfunctional_mean + dysfunctional_sd * functional_mean) / total)


def classify_change(
    pre: ArrayLike,
    post: ArrayLike,
    *,
    higher_is_better: bool,
    sdiff: float | None = None,
    rc_points: float | None = None,
    z: float = Z_RELIABLE,
    cutoff: float | None = None,
) -> IntArray:
    """Jacobson–Truax category per person: codes into :data:`CATEGORIES`, :data:`MISSING` (-1)
    where a score is NaN.

    Give exactly one reliability rule: ``sdiff`` (reliable when ``|post − pre| / sdiff > z``,
    Jacobson & Truax 1991) or ``rc_points`` (reliable when ``|post − pre| ≥ rc_points``, e.g.
    the NHS Talking Therapies 6 PHQ-9 points). "Recovered" needs a ``cutoff``: reliably
    improved, pre on the dysfunctional side and post strictly beyond the cut-off (the rule of
    the ``clinicalsignificance`` R package); without a cut-off nobody is "recovered".
    """
    if (sdiff is None) == (rc_points is None):
        raise ValueError("give exactly one of sdiff or rc_points")
    pre_a, post_a = np.broadcast_arrays(
        np.asarray(pre, dtype=np.float64), np.asarray(post, dtype=np.float64)
    )
    sign = 1.0 if higher_is_better else -1.0
    better = sign * (post_a - pre_a)  # positive = changed for the better
    with np.errstate(invalid="ignore"):
        if sdiff is not None:
            if not sdiff > 0:
                raise ValueError("sdiff must be positive")
            improved = better / sdiff > z
            deteriorated = better / sdiff < -z
        else:
            assert rc_points is not None
            if not rc_points > 0:
                raise ValueError("rc_points must be positive")
            improved = better >= rc_points - _EPS
            deteriorated = better <= -rc_points + _EPS
        codes = np.full(pre_a.shape, UNCHANGED, dtype=np.int64)
        codes[improved] = IMPROVED
        codes[deteriorated] = DETERIORATED
        if cutoff is not None:
            clinical_pre = sign * pre_a < sign * cutoff
            functional_post = sign * post_a > sign * cutoff
            codes[improved & clinical_pre & functional_post] = RECOVERED
    codes[np.isnan(pre_a) | np.isnan(post_a)] = MISSING
    return codes


def category_names(codes: ArrayLike) -> list[str | None]:
    """The category name of each code (``None`` for :data:`MISSING`)."""
    return [CATEGORIES[c] if 0 <= c < len(CATEGORIES) else None for c in np.ravel(codes).tolist()]


# --------------------------------------------------------------------------- NHS Talking Therapies


@dataclass(frozen=True)
class TalkingTherapiesConfig:
    """NHS Talking Therapies thresholds (clinical-science.md §1.2-1.3).

    Caseness PHQ-9 ≥ 10, GAD-7 ≥ 8; reliable change PHQ-9 6 points, GAD-7 4 points (IAPT
    manual as restated in NCT05134103 and the MindStep table, [V2]). With
    ``deterioration_requires_no_improvement`` a reliable deterioration on one measure does not
    count when the other measure reliably improved (a variant some services use, [UNVERIFIED]).
    """

    phq9_caseness: float = 10.0
    gad7_caseness: float = 8.0
    phq9_reliable_change: float = 6.0
    gad7_reliable_change: float = 4.0
    deterioration_requires_no_improvement: bool = False


#: The defaults above, used when no configuration is given.
DEFAULT_TALKING_THERAPIES: Final = TalkingTherapiesConfig()


@dataclass(frozen=True, eq=False)
class TalkingTherapiesOutcomes:
    """Per-episode outcomes; every array has one entry per episode."""

    phq9_paired: BoolArray  # first and last PHQ-9 both present
    gad7_paired: BoolArray
    paired: BoolArray  # at least one measure paired
    phq9_change: FloatArray  # last − first (NaN when not paired); negative = better
    gad7_change: FloatArray
    phq9_improved: BoolArray  # fell by at least its reliable change
    gad7_improved: BoolArray
    phq9_deteriorated: BoolArray  # rose by at least its reliable change
    gad7_deteriorated: BoolArray
    caseness_start: BoolArray
    caseness_end: BoolArray
    recovery: BoolArray
    reliable_improvement: BoolArray
    reliable_deterioration: BoolArray
    reliable_recovery: BoolArray


def _floats(values: ArrayLike | None, like: FloatArray) -> FloatArray:
    if values is None:
        return np.full(like.shape, np.nan)
    return np.broadcast_to(np.asarray(values, dtype=np.float64), like.shape).astype(np.float64)


def talking_therapies_outcomes(
    phq9_first: ArrayLike,
    phq9_last: ArrayLike,
    gad7_first: ArrayLike | None = None,
    gad7_last: ArrayLike | None = None,
    config: TalkingTherapiesConfig = DEFAULT_TALKING_THERAPIES,
) -> TalkingTherapiesOutcomes:
    """NHS Talking Therapies outcomes of first-vs-last PHQ-9 (and GAD-7) scores, vectorised.

    Rules (clinical-science.md §1.3): caseness = PHQ-9 ≥ 10 or GAD-7 ≥ 8; recovery = caseness
    at the start and below caseness on both measures at the end; reliable improvement = PHQ-9
    down ≥ 6 and/or GAD-7 down ≥ 4, and no reliable deterioration on the other measure;
    reliable deterioration = PHQ-9 up ≥ 6 or GAD-7 up ≥ 4; reliable recovery = recovery and
    reliable improvement. A measure counts only when both its scores exist, so a missing GAD-7
    leaves the decision to PHQ-9 alone (and vice versa); NaN never raises.
    """
    p0 = np.atleast_1d(np.asarray(phq9_first, dtype=np.float64))
    p1 = _floats(phq9_last, p0)
    g0 = _floats(gad7_first, p0)
    g1 = _floats(gad7_last, p0)
    c = config
    p_ok = ~np.isnan(p0) & ~np.isnan(p1)
    g_ok = ~np.isnan(g0) & ~np.isnan(g1)
    p_change = np.where(p_ok, p1 - p0, np.nan)
    g_change = np.where(g_ok, g1 - g0, np.nan)
    with np.errstate(invalid="ignore"):
        p_imp = p_ok & (p_change <= -c.phq9_reliable_change + _EPS)
        g_imp = g_ok & (g_change <= -c.gad7_reliable_change + _EPS)
        p_det = p_ok & (p_change >= c.phq9_reliable_change - _EPS)
        g_det = g_ok & (g_change >= c.gad7_reliable_change - _EPS)
        case_start = (p_ok & (p0 >= c.phq9_caseness)) | (g_ok & (g0 >= c.gad7_caseness))
        case_end = (p_ok & (p1 >= c.phq9_caseness)) | (g_ok & (g1 >= c.gad7_caseness))
    any_imp = p_imp | g_imp
    any_det = p_det | g_det
    improvement = any_imp & ~any_det
    deterioration = any_det & ~any_imp if c.deterioration_requires_no_improvement else any_det
    recovery = case_start & ~case_end
    return TalkingTherapiesOutcomes(
        phq9_paired=p_ok,
        gad7_paired=g_ok,
        paired=p_ok | g_ok,
        phq9_change=p_change,
        gad7_change=g_change,
        phq9_improved=p_imp,
        gad7_improved=g_imp,
        phq9_deteriorated=p_det,
        gad7_deteriorated=g_det,
        caseness_start=case_start,
        caseness_end=case_end,
        recovery=recovery,
        reliable_improvement=improvement,
        reliable_deterioration=deterioration,
        reliable_recovery=recovery & improvement,
    )


# --------------------------------------------------------------------------- detector


@dataclass(frozen=True, eq=False)
class FirstLatest:
    """First and latest recorded score of each row (NaN / 0 where fewer than two exist)."""

    first: FloatArray
    latest: FloatArray
    first_session: IntArray
    latest_session: IntArray
    count: IntArray  # number of recorded scores


def first_and_latest(values: FloatArray, session_number: IntArray) -> FirstLatest:
    """First and latest non-NaN value per row, with their session numbers (vectorised).

    Rows with fewer than two values get NaN scores and session 0 (there is no change to judge).
    """
    n, t = values.shape
    has = ~np.isnan(values)
    count = has.sum(axis=1).astype(np.int64)
    if t == 0:
        nan = np.full(n, np.nan)
        zero = np.zeros(n, dtype=np.int64)
        return FirstLatest(nan, nan.copy(), zero, zero.copy(), count)
    rows = np.arange(n)
    first_idx = np.argmax(has, axis=1)
    last_idx = t - 1 - np.argmax(has[:, ::-1], axis=1)
    ok = count >= 2
    return FirstLatest(
        first=np.where(ok, values[rows, first_idx], np.nan),
        latest=np.where(ok, values[rows, last_idx], np.nan),
        first_session=np.where(ok, session_number[rows, first_idx], 0).astype(np.int64),
        latest_session=np.where(ok, session_number[rows, last_idx], 0).astype(np.int64),
        count=count,
    )


def _num(x: float) -> str:
    """A score as people write it: 18, 18.5, −7."""
    text = f"{x:.1f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))
    return text.replace("-", "−")


def _signed(x: float) -> str:
    return ("+" if x > 0 else "") + _num(x)


class _Change(NamedTuple):
    """One measure's first-to-latest change in one episode: the evidence and the sentence."""

    code: str  # "phq9" | "gad7"
    reliable: str  # "improvement" | "deterioration" | "none"
    numbers: dict[str, object]
    sentence: str


def _changes(
    code: str,
    fl: FirstLatest,
    rows: IntArray,
    threshold: float,
    improved: BoolArray,
    deteriorated: BoolArray,
) -> list[_Change]:
    """One measure's change in each episode of ``rows`` (which have both scores), in bulk."""
    first, latest = fl.first[rows], fl.latest[rows]
    change = latest - first
    threshold = float(threshold)
    rounded_threshold, threshold_text = round(threshold, 1), _num(threshold)
    name = _NAMES[code]
    out: list[_Change] = []
    for (
        first_x, latest_x, change_x, first_1, latest_1, change_1, first_session, latest_session,
        sessions, up, down,
    ) in zip(
        first.tolist(),
        latest.tolist(),
        change.tolist(),
        rounded(first, 1).tolist(),
        rounded(latest, 1).tolist(),
        rounded(change, 1).tolist(),
        fl.first_session[rows].tolist(),
        fl.latest_session[rows].tolist(),
        fl.count[rows].tolist(),
        improved[rows].tolist(),
        deteriorated[rows].tolist(),
        strict=True,
    ):  # fmt: skip
        reliable = "improvement" if up else "deterioration" if down else "none"
        numbers: dict[str, object] = {
            "first": first_1,
            "latest": latest_1,
            "change": change_1,
            "threshold": rounded_threshold,
            "first_session": first_session,
            "latest_session": latest_session,
            "sessions": sessions,
            "reliable": reliable,
        }
        verb = "rose" if change_x > 0 else "fell"
        sentence = (
            f"{name} {verb} from {_num(first_x)} at session {first_session} "
            f"to {_num(latest_x)} at session {latest_session} ({_signed(change_x)} "
            f"points; {threshold_text} or more is beyond measurement error)"
        )
        out.append(_Change(code, reliable, numbers, sentence))
    return out


def _paired_changes(
    code: str,
    fl: FirstLatest,
    rows: IntArray,
    paired: BoolArray,
    threshold: float,
    improved: BoolArray,
    deteriorated: BoolArray,
) -> list[_Change | None]:
    """:func:`_changes` for every episode of ``rows``; None where the measure is not paired."""
    pick = paired[rows]
    out: list[_Change | None] = [None] * len(rows)
    changes = _changes(code, fl, rows[pick], threshold, improved, deteriorated)
    for k, change in zip(np.flatnonzero(pick).tolist(), changes, strict=True):
        out[k] = change
    return out


def detect_reliable_change(
    batch: EpisodeBatch,
    config: TalkingTherapiesConfig = DEFAULT_TALKING_THERAPIES,
    kinds: Collection[str] = ("reliable_deterioration", "reliable_improvement"),
) -> list[Signal]:
    """Reliable improvement / deterioration from the first to the latest PHQ-9 and GAD-7.

    Each measure is compared from its first to its latest recorded score in the episode (at
    least two scores). ``reliable_deterioration`` (red) fires when PHQ-9 rose ≥ 6 or GAD-7
    rose ≥ 4; ``reliable_improvement`` (info) when PHQ-9 fell ≥ 6 and/or GAD-7 fell ≥ 4 with
    no reliable deterioration on the other measure. Both are per-episode states (keys
    ``reliable_deterioration`` / ``reliable_improvement``), so a re-evaluation updates the
    alert. Only a rise can fire a deterioration: a lower (better) score never does.

    ``kinds``: the kinds wanted (``evaluate`` asks for the improvement only).

    Source: Jacobson & Truax (1991); NHS Talking Therapies definitions
    (clinical-science.md §1.1-1.3).
    """
    if batch.size == 0 or batch.columns == 0:
        return []
    phq = first_and_latest(batch.phq9, batch.session_number)
    gad = first_and_latest(batch.gad7, batch.session_number)
    out = talking_therapies_outcomes(phq.first, phq.latest, gad.first, gad.latest, config)
    deteriorated = out.reliable_deterioration & ("reliable_deterioration" in kinds)
    improved = out.reliable_improvement & ("reliable_improvement" in kinds)
    rows = np.flatnonzero(deteriorated | improved)
    phq_changes = _paired_changes(
        "phq9",
        phq,
        rows,
        out.phq9_paired,
        config.phq9_reliable_change,
        out.phq9_improved,
        out.phq9_deteriorated,
    )
    gad_changes = _paired_changes(
        "gad7",
        gad,
        rows,
        out.gad7_paired,
        config.gad7_reliable_change,
        out.gad7_improved,
        out.gad7_deteriorated,
    )
    signals: list[Signal] = []
    for (
        episode_id, session, phq_change, gad_change, caseness, recovered, reliable_recovery,
        worse, better,
    ) in zip(
        batch.episode_ids[rows].tolist(),
        np.maximum(phq.latest_session[rows], gad.latest_session[rows]).tolist(),
        phq_changes,
        gad_changes,
        out.caseness_start[rows].tolist(),
        out.recovery[rows].tolist(),
        out.reliable_recovery[rows].tolist(),
        deteriorated[rows].tolist(),
        improved[rows].tolist(),
        strict=True,
    ):  # fmt: skip
        changes = [c for c in (phq_change, gad_change) if c is not None]
        status = (caseness, recovered, reliable_recovery)
        if worse:
            signals.append(_signal(episode_id, session, changes, status, "deterioration", config))
        if better:
            signals.append(_signal(episode_id, session, changes, status, "improvement", config))
    return signals


def _signal(
    episode_id: int,
    session: int,
    changes: list[_Change],
    status: tuple[bool, bool, bool],
    direction: str,
    config: TalkingTherapiesConfig,
) -> Signal:
    """``status``: caseness at the start, recovered, reliable recovery."""
    caseness_at_start, recovered, reliable_recovery = status
    fired = [c for c in changes if c.reliable == direction]
    main = fired[0]
    measures = {c.code: dict(c.numbers) for c in changes}
    evidence: dict[str, object] = {
        "measure": _NAMES[main.code],
        **{k: v for k, v in main.numbers.items() if k != "reliable"},
        "caseness_at_start": caseness_at_start,
        "recovered": recovered,
        "reliable_recovery": reliable_recovery,
        "measures": measures,
    }
    what = "; ".join(c.sentence for c in fired)
    if direction == "deterioration":
        return Signal(
            episode_id=episode_id,
            kind="reliable_deterioration",
            severity="red",
            session_number=session,
            key="reliable_deterioration",
            title="Reliable deterioration",
            explanation=(
                f"{what}. This is a reliable deterioration: the symptoms are worse than at the "
                "start of the episode by more than the questionnaire's measurement error."
            ),
            evidence=evidence,
            source=_SOURCE_TT,
            actions=(INVITE_FEEDBACK, REVIEW_MODALITY, REVIEW_IN_SUPERVISION),
        )
    explanation = f"{what}. This is a reliable improvement"
    if reliable_recovery:
        explanation += (
            ", and the scores are now below the clinical cut-offs (PHQ-9 "
            f"{_num(config.phq9_caseness)}, GAD-7 {_num(config.gad7_caseness)}): a reliable "
            "recovery"
        )
    return Signal(
        episode_id=episode_id,
        kind="reliable_improvement",
        severity="info",
        session_number=session,
        key="reliable_improvement",
        title="Reliable recovery" if reliable_recovery else "Reliable improvement",
        explanation=explanation + ".",
        evidence=evidence,
        source=_SOURCE_TT,
        actions=(ACKNOWLEDGE_PROGRESS,),
    )
