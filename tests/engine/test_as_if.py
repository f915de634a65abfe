"""Tests for attune.engine.as_if: ceiling ratings, nothing critical ever said, and no change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import given

from attune.engine.as_if import AsIfConfig, detect_as_if
from attune.engine.batch import EpisodeBatch, empty_batch, episode, stack
from attune.engine.signals import INVITE_FEEDBACK
from attune.simulation.to_batch import simulate_batch
from attune.simulation.trajectories import ARCHETYPES, AS_IF
from tests.engine.test_alliance import (
    PROPERTY,
    assert_batch_equals_rows,
    check_signal,
    episodes,
    practices,
    prefix,
)

TOP = [10.0, 10.0, 10.0, 10.0]


def as_if_episode(
    sessions: int = 6,
    phq9: Sequence[float | None] | None = None,
    alliance: Sequence[Sequence[float] | None] | None = None,
    **kwargs: Any,
) -> EpisodeBatch:
    attendance = kwargs.pop("attendance", ["attended"] * sessions)
    return episode(
        attendance=attendance,
        alliance=alliance if alliance is not None else [TOP] * sessions,
        phq9=phq9 if phq9 is not None else [14, 13, 14, 12, 13, 13, 14, 13][:sessions],
        rupture=["no"] * sessions,
        **kwargs,
    )


def test_fires_at_session_six_with_ceiling_ratings_and_no_change() -> None:
    (signal,) = detect_as_if(as_if_episode())
    assert signal.kind == "as_if" and signal.severity == "yellow"
    assert signal.key == "as_if:from-s6" and signal.session_number == 6
    ev = signal.evidence
    assert ev["ceiling_run"] == 6 and ev["attended_sessions"] == 6
    assert (ev["first_phq9"], ev["latest_phq9"], ev["phq9_change"]) == (14, 13, -1)
    assert ev["ruptures_reported"] == 0 and ev["critical_comments"] == 0
    assert INVITE_FEEDBACK in signal.actions
    assert "does not yet feel safe" in signal.explanation
    assert "not a judgement" in signal.explanation
    check_signal(signal)


def test_not_before_session_six() -> None:
    assert detect_as_if(as_if_episode(sessions=5)) == []


def test_session_six_counts_attended_sessions() -> None:
    attendance = ["attended", "no_show", "attended", "attended", "attended", "attended", "attended"]
    alliance: list[list[float] | None] = [TOP, None, TOP, TOP, TOP, TOP, TOP]
    batch = as_if_episode(
        7, phq9=[14, 14, 13, 14, 12, 13, 13], alliance=alliance, attendance=attendance
    )
    (signal,) = detect_as_if(batch)
    assert signal.session_number == 7 and signal.evidence["attended_sessions"] == 6


def test_needs_four_consecutive_ceiling_sessions() -> None:
    almost = [10.0, 10.0, 10.0, 9.0]
    # runs of 3: no
    three = [TOP, TOP, TOP, almost, TOP, TOP]
    assert detect_as_if(as_if_episode(alliance=three)) == []
    # a current run of exactly 4 fires
    four: list[list[float] | None] = [almost, almost, TOP, TOP, TOP, TOP]
    (signal,) = detect_as_if(as_if_episode(alliance=four))
    assert signal.evidence["ceiling_run"] == 4
    # a past run does not: the latest rating is below the ceiling
    past: list[list[float] | None] = [almost, TOP, TOP, TOP, TOP, almost]
    assert detect_as_if(as_if_episode(alliance=past)) == []


def test_sessions_without_feedback_do_not_break_the_run() -> None:
    alliance: list[list[float] | None] = [[9.0] * 4, TOP, None, TOP, TOP, TOP]
    (signal,) = detect_as_if(as_if_episode(alliance=alliance))
    assert signal.evidence["ceiling_run"] == 4


def test_any_reported_rupture_ever_silences_it() -> None:
    for answer in ("a_little", "yes"):
        batch = as_if_episode()
        batch.rupture[0, 1] = ("no", "a_little", "yes").index(answer)
        assert detect_as_if(batch) == []


def test_any_critical_comment_ever_silences_it() -> None:
    batch = as_if_episode(critical_text=[False, False, True])
    assert detect_as_if(batch) == []


def test_only_a_flat_course_at_the_boundary() -> None:
    # within 3 points of the first score (half the reliable change): flat, fires
    assert len(detect_as_if(as_if_episode(phq9=[14, 13, 12, 13, 12, 12]))) == 1
    assert len(detect_as_if(as_if_episode(phq9=[14, 15, 16, 15, 16, 16]))) == 1
    # 3 points better or worse: not flat, quiet
    assert detect_as_if(as_if_episode(phq9=[14, 13, 12, 11, 10, 11])) == []
    assert detect_as_if(as_if_episode(phq9=[14, 15, 16, 16, 17, 17])) == []


def test_needs_two_phq9_scores() -> None:
    assert detect_as_if(as_if_episode(phq9=[14])) == []
    assert len(detect_as_if(as_if_episode(phq9=[14, None, None, None, None, 14]))) == 1


def test_thresholds_are_configuration() -> None:
    config = AsIfConfig(min_ceiling_run=6, by_session=8, flat_within=2)
    assert detect_as_if(as_if_episode(), config) == []
    batch = as_if_episode(sessions=8)
    assert len(detect_as_if(batch, config)) == 1
    improving = as_if_episode(sessions=8, phq9=[14, 13, 12, 11, 12, 12, 12, 12])
    assert detect_as_if(improving, config) == []


def test_key_and_session_stay_the_same_as_sessions_are_added() -> None:
    batch = as_if_episode(sessions=8)
    (early,) = detect_as_if(prefix(batch, 6))
    (late,) = detect_as_if(batch)
    assert early.key == late.key == "as_if:from-s6"
    assert early.session_number == late.session_number == 6


def test_empty_and_all_missing() -> None:
    assert detect_as_if(empty_batch(3, 6)) == []
    assert detect_as_if(empty_batch(0, 0)) == []


def test_fires_for_nearly_every_simulated_as_if_client_with_enough_sessions() -> None:
    batch, courses = simulate_batch(600, seed=7)
    fired = {s.episode_id for s in detect_as_if(batch)}
    arch = np.asarray(courses.archetype)
    attended = batch.attended.sum(axis=1)
    as_if = set(np.flatnonzero((arch == AS_IF) & (attended >= 6)).tolist())
    # a flat course is within 3 points: a few as-if clients drift just past it by the end
    assert as_if and len(as_if & fired) >= 0.95 * len(as_if)
    others = fired - as_if
    assert len(others) <= 0.02 * len(arch), [ARCHETYPES[arch[i]] for i in others]


@PROPERTY
@given(episodes())
def test_no_exception_and_clean_evidence(batch: EpisodeBatch) -> None:
    for signal in detect_as_if(batch):
        check_signal(signal)


@PROPERTY
@given(practices())
def test_batch_equals_per_row(rows: list[EpisodeBatch]) -> None:
    assert_batch_equals_rows(detect_as_if, rows)


def test_single_session() -> None:
    assert detect_as_if(as_if_episode(sessions=1)) == []
    assert detect_as_if(stack([as_if_episode(sessions=1), as_if_episode()])) != []
