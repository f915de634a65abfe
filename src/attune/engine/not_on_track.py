"""Not on track (yellow / red): a score worse than the expected-recovery band for the intake.

Rule (PRODUCT.md, signals table, "not on track"): at each measurement after the intake, the
score is compared with the expected-recovery curve for the client's intake band at that
session (``attune.engine.recovery``: reference curves until the practice has enough completed
episodes, then its own fitted curves):

* **yellow** -- score above the upper limit of the 80 % tolerance band ("less than expected
  progress", OQ yellow);
* **red** -- score above the upper limit of the 95 % tolerance band ("not making expected
  progress; at risk of treatment failure", OQ red).

Sources: Finch, Lambert & Schaalje (2001), *Clin Psychol Psychother* 8:231-242 (expected
recovery curves on log(session) with tolerance intervals; patients outside the interval are
flagged); OQ feedback colours (Lambert et al. 2001; Whipple et al. 2003; clinical-science.md
§2.1, detail [UNVERIFIED]); Hannan et al. (2005) for the accuracy anchor (85 % of deteriorators
flagged by session 3, 100 % by the end; therapists alone 1 of 40). The band levels are
configuration: clinical-science.md names no level, so 0.80 / 0.95 are our defaults, chosen on
the simulated accuracy study in docs/engine.md.

Only the score being judged and the intake enter the threshold, so a better (lower) score at
a session can never raise that session's status. The status is judged at every measurement
after the first one; the episode's status is the one at its latest measurement, and the
detector keeps one alert per episode (key ``not_on_track``) whose severity follows it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from attune.engine.batch import EpisodeBatch, FloatArray, IntArray
from attune.engine.recovery import (
    Dose,
    Measure,
    RecoveryCurves,
    ReferenceConfig,
    Trajectory,
    reference_curves,
    tolerance_z,
    trajectory,
)
from attune.engine.signals import (
    INVITE_FEEDBACK,
    REVIEW_IN_SUPERVISION,
    REVIEW_MODALITY,
    Severity,
    Signal,
)

__all__ = [
    "DEFAULT_CONFIG",
    "ON_TRACK",
    "RED",
    "SOURCE",
    "YELLOW",
    "Assessment",
    "NotOnTrackConfig",
    "assess",
    "detect_not_on_track",
    "session_status",
    "status",
]

ON_TRACK, YELLOW, RED = 0, 1, 2
_SEVERITY: tuple[Severity, Severity] = ("yellow", "red")

SOURCE = (
    "Finch, Lambert & Schaalje (2001), Clin Psychol Psychother 8:231-242: expected-recovery "
    "curves by intake severity on log(session), flagged outside the tolerance interval; "
    "yellow/red as in the OQ feedback system (Lambert et al. 2001; Whipple et al. 2003); "
    "accuracy anchor Hannan et al. (2005), J Clin Psychol 61:155-163."
)


@dataclass(frozen=True)
class NotOnTrackConfig:
    """Thresholds of the not-on-track rule (module docstring for the sources).

    ``yellow_level`` / ``red_level``: two-sided tolerance levels whose upper limits a score
    must exceed (0.80 -> expected + 1.28 sd; 0.95 -> expected + 1.96 sd). ``measure``: the
    outcome measure judged. ``dose``: what counts as a session on the curve's time axis
    (attended sessions since the intake, or every scheduled one).
    """

    measure: Measure = "phq9"
    yellow_level: float = 0.80
    red_level: float = 0.95
    dose: Dose = "attended"

    def __post_init__(self) -> None:
        if not 0.0 < self.yellow_level <= self.red_level < 1.0:
            raise ValueError("need 0 < yellow_level <= red_level < 1")


DEFAULT_CONFIG = NotOnTrackConfig()


@dataclass(frozen=True, eq=False)
class Assessment:
    """Every cell judged against its curve: (n, t) arrays plus the curve used."""

    curves: RecoveryCurves
    config: NotOnTrackConfig
    trajectory: Trajectory
    expected: FloatArray  # (n, t)
    yellow_upper: FloatArray  # (n, t)
    red_upper: FloatArray  # (n, t)
    status: IntArray  # (n, t) 0 on track / not judged, 1 yellow, 2 red

    @property
    def latest(self) -> IntArray:
        """(n,) status at each episode's latest measurement (0 without one)."""
        col = self.trajectory.latest_col
        if self.status.shape[1] == 0:
            return np.zeros(col.shape[0], dtype=np.int64)
        at = self.status[np.arange(col.shape[0]), np.maximum(col, 0)]
        return np.asarray(np.where(col >= 0, at, ON_TRACK), dtype=np.int64)


def _curves_for(curves: RecoveryCurves | None, config: NotOnTrackConfig) -> RecoveryCurves:
    if curves is None:
        return reference_curves(ReferenceConfig(measure=config.measure))
    if curves.measure != config.measure:
        raise ValueError(f"curves are for {curves.measure}, the rule judges {config.measure}")
    return curves


def assess(
    batch: EpisodeBatch,
    curves: RecoveryCurves | None = None,
    config: NotOnTrackConfig = DEFAULT_CONFIG,
) -> Assessment:
    """Judge every measurement after the intake against the expected-recovery band."""
    used = _curves_for(curves, config)
    tr = trajectory(batch, config.measure, config.dose)
    intake = tr.intake[:, None]
    expected = used.expected(intake, tr.session)
    sd = used.sd(intake, tr.session)
    yellow_upper = expected + tolerance_z(config.yellow_level) * sd
    red_upper = expected + tolerance_z(config.red_level) * sd
    cols = np.arange(tr.scores.shape[1])[None, :]
    judged = tr.measured & (cols > tr.intake_col[:, None])
    with np.errstate(invalid="ignore"):
        level = (tr.scores > yellow_upper).astype(np.int64) + (tr.scores > red_upper)
    st = np.where(judged, level, ON_TRACK).astype(np.int64)
    return Assessment(used, config, tr, expected, yellow_upper, red_upper, st)


def session_status(
    batch: EpisodeBatch,
    curves: RecoveryCurves | None = None,
    config: NotOnTrackConfig = DEFAULT_CONFIG,
) -> IntArray:
    """(n, t) status at every measurement: 0 on track (or nothing to judge), 1 yellow, 2 red."""
    return assess(batch, curves, config).status


def status(
    batch: EpisodeBatch,
    curves: RecoveryCurves | None = None,
    config: NotOnTrackConfig = DEFAULT_CONFIG,
) -> IntArray:
    """(n,) status at each episode's latest measurement: 0 on track, 1 yellow, 2 red."""
    return assess(batch, curves, config).latest


def detect_not_on_track(
    batch: EpisodeBatch,
    curves: RecoveryCurves | None = None,
    config: NotOnTrackConfig = DEFAULT_CONFIG,
) -> list[Signal]:
    """One ``not_on_track`` signal per episode whose latest measurement is yellow or red."""
    a = assess(batch, curves, config)
    latest = a.latest
    fired = np.flatnonzero(latest > ON_TRACK)
    if fired.size == 0:
        return []
    col = a.trajectory.latest_col[fired]
    ids = batch.episode_ids[fired].tolist()
    sessions = batch.session_number[fired, col].tolist()
    dose = a.trajectory.session[fired, col].tolist()
    scores = a.trajectory.scores[fired, col].tolist()
    intakes = a.trajectory.intake[fired].tolist()
    expected = a.expected[fired, col].tolist()
    yellow = a.yellow_upper[fired, col].tolist()
    red = a.red_upper[fired, col].tolist()
    levels = latest[fired].tolist()
    labels = a.curves.spec.band_labels()
    bands = a.curves.band(a.trajectory.intake[fired]).tolist()
    label = a.curves.spec.label
    source = f"{SOURCE} Curve: {a.curves.source}"
    y_name = _band_name(config.yellow_level)
    r_name = _band_name(config.red_level)
    out: list[Signal] = []
    for i in range(fired.size):
        lvl = int(levels[i])
        band_name = r_name if lvl == RED else y_name
        upper = red[i] if lvl == RED else yellow[i]
        score, intake = float(scores[i]), float(intakes[i])
        title = (
            "Not on track: at risk of ending without benefit"
            if lvl == RED
            else "Less progress than expected"
        )
        tail = (
            "Clients this far from the curve often end therapy without benefit unless "
            "something changes."
            if lvl == RED
            else "Progress is slower than for most clients who started at this level."
        )
        explanation = (
            f"The {label} score is {score:g} at session {sessions[i]} (it was {intake:g} at "
            f"intake). For clients starting at {labels[bands[i]]} the {a.curves.name} curve "
            f"expects about {expected[i]:.1f} by now, and {score:g} is above {upper:.1f}, the "
            f"upper limit of its {band_name}. {tail}"
        )
        out.append(
            Signal(
                episode_id=int(ids[i]),
                kind="not_on_track",
                severity=_SEVERITY[lvl - 1],
                session_number=int(sessions[i]),
                key="not_on_track",
                title=title,
                explanation=explanation,
                evidence={
                    "measure": label,
                    "intake": intake,
                    "intake_band": labels[bands[i]],
                    "session": int(sessions[i]),
                    "curve_session": int(dose[i]),
                    "score": score,
                    "expected": round(float(expected[i]), 2),
                    "upper": round(float(upper), 2),
                    "yellow_upper": round(float(yellow[i]), 2),
                    "red_upper": round(float(red[i]), 2),
                    "curve": a.curves.name,
                    "band": band_name,
                    "status": _SEVERITY[lvl - 1],
                },
                source=source,
                actions=(INVITE_FEEDBACK, REVIEW_MODALITY, REVIEW_IN_SUPERVISION),
            )
        )
    return out


def _band_name(level: float) -> str:
    return f"{level * 100:g} % tolerance band"
