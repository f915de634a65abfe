"""Evaluate a batch of episodes: every signal of the product, each in one vectorised pass.

A single episode is a batch of one row, so single and batch evaluation share every line of code
and cannot disagree. Thresholds come from ``EngineConfig`` (defaults from
shared/reference/clinical-science.md; a practice overrides them with ``EngineConfig.from_mapping``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from attune.engine.alliance import (
    DEFAULT_LOW_ALLIANCE,
    DEFAULT_RUPTURE,
    LowAllianceConfig,
    RuptureConfig,
    detect_low_alliance,
    detect_repairs,
    detect_repeated_ruptures,
    detect_ruptures,
    rupture_course,
)
from attune.engine.as_if import DEFAULT_AS_IF, AsIfConfig, detect_as_if
from attune.engine.batch import EpisodeBatch, FloatArray
from attune.engine.dropout import DEFAULT_DROPOUT, DropoutConfig, detect_dropout_risk
from attune.engine.fit import DEFAULT_FIT_CHECK, FitCheckConfig, detect_fit_check
from attune.engine.not_on_track_card import (
    DEFAULT_CARD,
    NotOnTrackCardConfig,
    card_runs,
    detect_not_on_track_card,
)
from attune.engine.outcomes import (
    DEFAULT_TALKING_THERAPIES,
    TalkingTherapiesConfig,
    detect_reliable_change,
)
from attune.engine.recovery import RecoveryCurves, reference_curves
from attune.engine.safety import DEFAULT_SAFETY, SafetyConfig, detect_safety
from attune.engine.signals import KINDS, Signal
from attune.engine.sudden_gains import (
    PHQ9_SUDDEN_CHANGES,
    SuddenGainConfig,
    identify_sudden_changes,
    measured_sessions,
    sudden_change_signals,
)


@dataclass(frozen=True)
class EngineConfig:
    """Every threshold of every signal, one section per signal (see each config's docstring)."""

    safety: SafetyConfig = DEFAULT_SAFETY
    reliable_change: TalkingTherapiesConfig = DEFAULT_TALKING_THERAPIES
    not_on_track: NotOnTrackCardConfig = DEFAULT_CARD
    low_alliance: LowAllianceConfig = DEFAULT_LOW_ALLIANCE
    rupture: RuptureConfig = DEFAULT_RUPTURE
    as_if: AsIfConfig = DEFAULT_AS_IF
    fit_check: FitCheckConfig = DEFAULT_FIT_CHECK
    dropout: DropoutConfig = DEFAULT_DROPOUT
    sudden_changes: SuddenGainConfig = PHQ9_SUDDEN_CHANGES

    @classmethod
    def from_mapping(cls, overrides: Mapping[str, Mapping[str, Any]]) -> EngineConfig:
        """Defaults with a practice's overrides, e.g. ``{"rupture": {"z": 2.0}}``.

        Unknown sections or fields raise ``ValueError`` naming them, so a typo in the settings
        fails at start-up instead of silently keeping a default.
        """
        config = cls()
        sections = {f.name for f in fields(cls)}
        for section, values in overrides.items():
            if section not in sections:
                raise ValueError(f"Unknown engine section {section!r}; known: {sorted(sections)}")
            current = getattr(config, section)
            known = {f.name for f in fields(current)}
            unknown = set(values) - known
            if unknown:
                raise ValueError(
                    f"Unknown {section} setting(s) {sorted(unknown)}; known: {sorted(known)}"
                )
            config = replace(config, **{section: replace(current, **values)})
        return config


DEFAULT_CONFIG = EngineConfig()


def evaluate(
    batch: EpisodeBatch,
    *,
    curves: RecoveryCurves | None = None,
    config: EngineConfig = DEFAULT_CONFIG,
    as_of: FloatArray | None = None,
) -> list[Signal]:
    """All signals for all episodes of ``batch``, ordered by episode, kind, then session.

    ``curves``: expected-recovery curves (the practice's own once fitted; the NHS Talking
    Therapies reference curves otherwise). ``as_of``: days since each episode's start at the
    time of evaluation, for the gap contributor of the dropout model.
    """
    if batch.size == 0 or batch.columns == 0:
        return []
    with _cycle_collector_paused():
        return _evaluate(batch, curves, config, as_of)


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the signals are built.

    Evaluating a practice makes hundreds of thousands of small dicts, lists and signals that
    hold no reference cycles (reference counting frees them); the collector would still walk
    every live container again and again as they pile up, which was a third of ``evaluate``'s
    time at 100,000 episodes (issue 13). It is switched back on afterwards if it was on, also
    when the evaluation fails.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _evaluate(
    batch: EpisodeBatch,
    curves: RecoveryCurves | None,
    config: EngineConfig,
    as_of: FloatArray | None,
) -> list[Signal]:
    curves = curves if curves is not None else reference_curves()
    # The sudden changes are identified once: the losses are a reason of the card, the gains a
    # note (``detect_sudden_changes`` would find the losses a second time, as signals that are
    # not kept).
    values, sessions = measured_sessions(batch)
    gains = identify_sudden_changes(values, config.sudden_changes, losses=False)
    losses = identify_sudden_changes(values, config.sudden_changes, losses=True)
    runs = card_runs(
        batch,
        curves,
        config.not_on_track,
        sudden_loss=config.sudden_changes,
        sudden_losses=losses,
    )
    off_track = np.asarray(runs.run_start >= 0)
    course = rupture_course(batch, config.rupture)  # one course for the three rupture detectors
    found = [
        *detect_safety(batch, config.safety),
        *detect_not_on_track_card(batch, curves, config.not_on_track, runs=runs),
        # deterioration is a reason of the not-on-track card; improvement is a note
        *detect_reliable_change(batch, config.reliable_change, kinds=("reliable_improvement",)),
        *detect_ruptures(batch, config.rupture, course),
        *detect_repairs(batch, config.rupture, course),
        *detect_repeated_ruptures(batch, config.rupture, course),
        *detect_low_alliance(batch, config.low_alliance),
        *detect_dropout_risk(batch, config.dropout, off_track=off_track, as_of=as_of),
        *detect_as_if(batch, config.as_if),
        *detect_fit_check(batch, config.fit_check),
        # a sudden loss is a reason of the not-on-track card; a sudden gain is a note
        *sudden_change_signals(batch, gains, sessions, config.sudden_changes),
    ]
    order = {kind: i for i, kind in enumerate(KINDS)}
    found.sort(key=lambda s: (s.episode_id, order.get(s.kind, len(order)), s.session_number, s.key))
    return found
