"""Therapist outcomes framed for learning (issue 13): the funnel plot of recovery and the
therapist model of PHQ-9 change adjusted for intake, built from courses already read.

The comparison is always with **the practice**: the funnel's target is the practice's pooled
recovery rate and the model is fitted on every finished course of the practice in the period.
What a viewer is shown of it follows her scope (:func:`attune.outcomes.queries.scope_for`): the
administrator sees every therapist, a supervisor her supervisees, a therapist herself only.

Privacy: someone who does not see every therapist could subtract what she sees from a practice
figure. So the practice comparison is offered to her only when the therapists she does not see
are at least :data:`MIN_OTHER_THERAPISTS` and their own pooled recovery rate would itself pass
small-count suppression; otherwise the section says why it is not shown. The rules
(limits, minimum caseload, the model) are the engine's: :mod:`attune.engine.funnel` and
:mod:`attune.engine.therapist_effects`. Nothing is ranked: rows are in alphabetical order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np

from attune.engine.funnel import FunnelConfig, FunnelPoint, Place, funnel_points
from attune.engine.practice_outcomes import (
    CourseCounts,
    Shown,
    SuppressionConfig,
    show_count,
    show_rate,
)
from attune.engine.therapist_effects import TherapistEffect, TherapistModel, therapist_model

__all__ = [
    "BOOTSTRAP_REFITS",
    "MIN_OTHER_THERAPISTS",
    "EffectRow",
    "FunnelRow",
    "TherapistOutcomes",
    "therapist_outcomes",
]

#: The therapists a viewer does not see must be at least this many before she is shown a
#: practice figure that includes them (so no single colleague's rate can be subtracted out).
MIN_OTHER_THERAPISTS: Final = 2
#: Parametric-bootstrap refits for the interval of the share of variance between therapists.
BOOTSTRAP_REFITS: Final = 200


@dataclass(frozen=True)
class FunnelRow:
    label: str
    cases: Shown  # the recovery rate's denominator: finished courses at caseness at the start
    rate: Shown
    point: FunnelPoint
    min_cases: int

    @property
    def placed(self) -> bool:
        return self.point.place is not Place.NOT_PLACED

    @property
    def drawn(self) -> bool:
        """On the plot: placed and its rate may be shown."""
        return self.placed and not self.rate.suppressed and self.point.rate is not None

    @property
    def limits_text(self) -> str:
        lim = self.point.limits
        if lim is None:
            return "—"
        return f"{100 * lim.inner_lower:.1f} – {100 * lim.inner_upper:.1f} %"

    @property
    def place_text(self) -> str:
        if not self.placed:
            return f"not placed (fewer than {self.min_cases} courses)"
        return str(self.point.place)


@dataclass(frozen=True)
class EffectRow:
    label: str
    effect: TherapistEffect
    courses: Shown  # finished courses with a first and a last PHQ-9

    @property
    def placed(self) -> bool:
        return self.effect.effect is not None

    @property
    def effect_text(self) -> str:
        e = self.effect.effect
        return "—" if e is None else f"{e:+.1f}"

    @property
    def interval_text(self) -> str:
        lo, hi = self.effect.lower, self.effect.upper
        return "—" if lo is None or hi is None else f"{lo:+.1f} to {hi:+.1f}"

    @property
    def place_text(self) -> str:
        return self.effect.place


@dataclass(frozen=True)
class TherapistOutcomes:
    min_cases: int
    k: SuppressionConfig
    compared: bool  # False: the practice comparison is withheld (``reason`` says why)
    placeable: bool  # someone shown here has at least ``min_cases`` finished courses
    reason: str
    target: Shown  # the practice's recovery rate
    target_value: float | None
    config: FunnelConfig
    funnel: list[FunnelRow]
    model: TherapistModel | None
    model_reason: str
    effects: list[EffectRow]

    @property
    def placed_funnel(self) -> list[FunnelRow]:
        return [r for r in self.funnel if r.placed]

    @property
    def drawn_funnel(self) -> list[FunnelRow]:
        return [r for r in self.funnel if r.drawn]

    @property
    def placed_effects(self) -> list[EffectRow]:
        return [r for r in self.effects if r.placed]

    @property
    def nobody_placed(self) -> bool:
        return not self.placeable or (not self.placed_funnel and not self.placed_effects)

    @property
    def icc_text(self) -> str:
        m = self.model
        if m is None:
            return ""
        return f"{100 * m.icc:.1f} %"

    @property
    def icc_interval_text(self) -> str:
        m = self.model
        if m is None:
            return ""
        return f"{100 * m.icc_lower:.1f} – {100 * m.icc_upper:.1f} %"


def _pooled(counts: list[CourseCounts]) -> CourseCounts:
    total = CourseCounts()
    for c in counts:
        total = total + c
    return total


def therapist_outcomes(
    *,
    therapist: list[int],
    finished: np.ndarray,
    outcomes_counts: Mapping[int, CourseCounts],
    phq9_first: np.ndarray,
    phq9_last: np.ndarray,
    visible: set[int],
    names: Mapping[int, str],
    k: SuppressionConfig,
    config: FunnelConfig | None = None,
) -> TherapistOutcomes:
    """The section for a viewer who sees the therapists ``visible``, from the practice's courses
    of the period (one entry per course: its therapist, finished or not, first and last PHQ-9)
    and the practice's per-therapist counts."""
    config = config or FunnelConfig()
    everyone = sorted(outcomes_counts)
    hidden = [t for t in everyone if t not in visible]
    shown_here = [t for t in everyone if t in visible]
    practice = _pooled([outcomes_counts[t] for t in everyone])
    target = show_rate(practice.recovered, practice.caseness_denominator, k)
    reason = ""
    if hidden:
        rest = _pooled([outcomes_counts[t] for t in hidden])
        if (
            len(hidden) < MIN_OTHER_THERAPISTS
            or show_rate(rest.recovered, rest.caseness_denominator, k).suppressed
        ):
            reason = (
                "The comparison with the practice is not shown: too few other therapists or "
                "courses in this period, so their figures could be worked out from it."
            )
    if not reason and target.suppressed:
        reason = "The practice has too few finished courses in this period to compare with."

    def label(t: int) -> str:
        return names.get(t, "A former therapist")

    order = sorted(shown_here, key=lambda t: label(t).casefold())
    target_value = (
        practice.recovered / practice.caseness_denominator
        if practice.caseness_denominator
        else None
    )
    funnel: list[FunnelRow] = []
    if not reason and target_value is not None:
        units = [
            (label(t), outcomes_counts[t].recovered, outcomes_counts[t].caseness_denominator)
            for t in order
        ]
        for t, point in zip(order, funnel_points(units, target_value, config), strict=True):
            c = outcomes_counts[t]
            funnel.append(
                FunnelRow(
                    label(t),
                    show_count(c.caseness_denominator, k),
                    show_rate(c.recovered, c.caseness_denominator, k),
                    point,
                    config.min_cases,
                )
            )

    model: TherapistModel | None = None
    model_reason = reason
    effects: list[EffectRow] = []
    if not reason:
        paired = finished & ~np.isnan(phq9_first) & ~np.isnan(phq9_last)
        who = [str(t) for t, keep in zip(therapist, paired.tolist(), strict=True) if keep]
        if int(paired.sum()) < max(k.below, 3) or len(set(who)) < 2:
            model_reason = (
                "Too few finished courses with a first and a last PHQ-9, or fewer than two "
                "therapists, in this period to fit the model."
            )
        else:
            model = therapist_model(
                phq9_first[paired],
                phq9_last[paired] - phq9_first[paired],
                who,
                min_cases=config.min_cases,
                n_boot=BOOTSTRAP_REFITS,
            )
            by_id = {int(e.therapist): e for e in model.effects}
            effects = [
                EffectRow(label(t), by_id[t], show_count(by_id[t].n, k))
                for t in order
                if t in by_id
            ]
    return TherapistOutcomes(
        min_cases=config.min_cases,
        k=k,
        compared=not reason,
        placeable=any(outcomes_counts[t].finished >= config.min_cases for t in shown_here),
        reason=reason,
        target=target,
        target_value=target_value,
        config=config,
        funnel=funnel,
        model=model,
        model_reason=model_reason,
        effects=effects,
    )
