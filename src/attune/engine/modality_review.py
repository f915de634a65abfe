"""Modality review: not on track at consecutive measurements after session 6 under one mix.

Rule (PRODUCT.md, signals table, "modality review"): the episode is not on track (yellow or
red, ``attune.engine.not_on_track``) at >= 2 consecutive measurements, all after session 6,
and all under the same ``modality_mix`` → suggest reviewing the approach together (combine or
switch modality). One signal per mix (key ``modality_review:mix<id>``), placed at the session
where the run first reached its length, so re-evaluating never duplicates it; a new mix that
stalls again earns a new signal. Sessions with an unknown mix (-1) never count.

Sources: the source article of PRODUCT.md ("in integrative therapy a modality that does not
help is replaced or combined with another"; "a review suggestion when progress stalls");
Lutz et al., Trier Treatment Navigator (clinical-science.md §2.2: adaptive treatment
recommendations for patients at risk of failure); Saunders et al. (2019) for waiting until
after session 6 (late responders improve from about session 6).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from attune.engine.batch import BoolArray, EpisodeBatch, IntArray
from attune.engine.not_on_track import (
    ON_TRACK,
    NotOnTrackConfig,
    assess,
)
from attune.engine.recovery import RecoveryCurves
from attune.engine.signals import (
    INVITE_FEEDBACK,
    REVIEW_IN_SUPERVISION,
    REVIEW_MODALITY,
    Signal,
)

__all__ = ["DEFAULT_CONFIG", "SOURCE", "ModalityReviewConfig", "detect_modality_review", "runs"]

SOURCE = (
    "Lutz et al. (2019), Behav Res Ther 120:103438 and Lutz et al. (2022), J Consult Clin "
    "Psychol 90:90-106 (Trier Treatment Navigator: adaptive recommendations for patients "
    "at risk of treatment failure); Saunders et al. (2019), J Affect Disord 249:327-335 (late "
    "responders around session 6)."
)


@dataclass(frozen=True)
class ModalityReviewConfig:
    """``after_session``: only measurements at sessions strictly after it count (6).
    ``consecutive``: how many consecutive not-on-track measurements under one mix (2).
    ``not_on_track``: the not-on-track rule the measurements are judged by."""

    after_session: int = 6
    consecutive: int = 2
    not_on_track: NotOnTrackConfig = field(default_factory=NotOnTrackConfig)

    def __post_init__(self) -> None:
        if self.consecutive < 1:
            raise ValueError("consecutive must be at least 1")


DEFAULT_CONFIG = ModalityReviewConfig()


def runs(
    batch: EpisodeBatch,
    curves: RecoveryCurves | None = None,
    config: ModalityReviewConfig = DEFAULT_CONFIG,
) -> IntArray:
    """(n, t) length of the current run of consecutive not-on-track measurements after
    ``after_session`` under one mix, capped at ``consecutive`` (0 where the run is broken)."""
    a = assess(batch, curves, config.not_on_track)
    return _runs(batch, a.status, a.trajectory.measured, config)


def _runs(
    batch: EpisodeBatch, status: IntArray, measured: BoolArray, config: ModalityReviewConfig
) -> IntArray:
    n, t = status.shape
    mix = batch.modality_mix
    ok = measured & (status > ON_TRACK) & (batch.session_number > config.after_session)
    ok &= mix >= 0
    cols = np.broadcast_to(np.arange(t), (n, t))
    # previous measured column of every cell (-1 if none)
    last_seen = np.where(measured, cols, -1)
    last_seen = np.maximum.accumulate(last_seen, axis=1) if t else last_seen
    prev = np.full((n, t), -1, dtype=np.int64)
    if t > 1:
        prev[:, 1:] = last_seen[:, :-1]
    rows = np.arange(n)[:, None]
    run = ok.astype(np.int64)
    pointer = prev
    for step in range(1, config.consecutive):
        valid = pointer >= 0
        p = np.maximum(pointer, 0)
        link = valid & ok[rows, p] & (mix[rows, p] == mix) & (run == step)
        run = np.where(link, step + 1, run)
        pointer = np.where(valid, prev[rows, p], -1)
    return np.asarray(run, dtype=np.int64)


def detect_modality_review(
    batch: EpisodeBatch,
    curves: RecoveryCurves | None = None,
    config: ModalityReviewConfig = DEFAULT_CONFIG,
) -> list[Signal]:
    """One ``modality_review`` signal per (episode, mix) whose stall reached the run length."""
    a = assess(batch, curves, config.not_on_track)
    run = _runs(batch, a.status, a.trajectory.measured, config)
    rows, cols = np.nonzero(run >= config.consecutive)
    if rows.size == 0:
        return []
    label = a.curves.spec.label
    scores = a.trajectory.scores
    measured = a.trajectory.measured
    seen: set[tuple[int, int]] = set()
    out: list[Signal] = []
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        mix = int(batch.modality_mix[i, j])
        if (i, mix) in seen:
            continue  # the first firing per mix is the event
        seen.add((i, mix))
        # the run's measurements, oldest first
        taken = [j]
        k = j - 1
        while len(taken) < config.consecutive and k >= 0:
            if measured[i, k]:
                taken.append(k)
            k -= 1
        taken.reverse()
        sessions = [int(batch.session_number[i, c]) for c in taken]
        values = [float(scores[i, c]) for c in taken]
        evidence: dict[str, object] = {
            "measure": label,
            "modality_mix": mix,
            "sessions": sessions,
            "scores": values,
            "expected": [round(float(a.expected[i, c]), 2) for c in taken],
            "upper": [round(float(a.yellow_upper[i, c]), 2) for c in taken],
            "status": [("yellow", "red")[int(a.status[i, c]) - 1] for c in taken],
            "intake": float(a.trajectory.intake[i]),
            "after_session": config.after_session,
            "curve": a.curves.name,
            "band": f"{config.not_on_track.yellow_level * 100:g} % tolerance band",
        }
        shown = ", ".join(f"{v:g} at session {n}" for v, n in zip(values, sessions, strict=True))
        explanation = (
            f"The {label} scores ({shown}) were above the expected-recovery band at "
            f"{len(taken)} measurements in a row after session {config.after_session}, all "
            f"with the same combination of modalities. When progress stalls under one "
            f"approach, it is worth reviewing together whether to combine or switch."
        )
        out.append(
            Signal(
                episode_id=int(batch.episode_ids[i]),
                kind="modality_review",
                severity="yellow",
                session_number=sessions[-1],
                key=f"modality_review:mix{mix}",
                title="Review the approach together",
                explanation=explanation,
                evidence=evidence,
                source=SOURCE,
                actions=(REVIEW_MODALITY, INVITE_FEEDBACK, REVIEW_IN_SUPERVISION),
            )
        )
    return out
