"""Modality review: >= 2 consecutive not-on-track measurements after session 6, one mix.

Hand computation (PHQ-9 reference, intake 14): the yellow limit (80 % band) is
expected + 1.28155 * sd with expected = 14 - 2.0905 ln t, sd = sqrt(3.0612^2 + (2.1227 ln t)^2):
session 7 -> 9.932 + 1.28155 * 5.141 = 16.52; session 8 -> 9.653 + 1.28155 * 5.372 = 16.54;
session 9 -> 16.56; session 10 -> 16.58. Scores of 19 are yellow at all of them, 12 on track.
"""

from __future__ import annotations

import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attune.engine.batch import EpisodeBatch, episode, stack
from attune.engine.modality_review import ModalityReviewConfig, detect_modality_review, runs
from attune.engine.not_on_track import assess

A = "attended"


def course(
    scores: list[float | None], mixes: list[int] | None = None, attendance: list[str] | None = None
) -> EpisodeBatch:
    n = len(scores)
    return episode(
        attendance=attendance or [A] * n,
        phq9=scores,
        modality_mix=mixes if mixes is not None else [3] * n,
    )


STALLED = [14, 14, 15, 15, 16, 16, 19, 19, 19, 19]  # sessions 1-10


def test_fires_at_the_second_stalled_measurement_after_session_6() -> None:
    b = course(STALLED)
    a = assess(b)
    assert abs(float(a.yellow_upper[0, 6]) - 16.52) < 0.01
    assert abs(float(a.yellow_upper[0, 7]) - 16.54) < 0.01
    (sig,) = detect_modality_review(b)
    assert sig.kind == "modality_review"
    assert sig.severity == "yellow"
    assert sig.key == "modality_review:mix3"
    assert sig.session_number == 8  # sessions 7 and 8
    ev = dict(sig.evidence)
    json.dumps(ev)
    assert ev["sessions"] == [7, 8]
    assert ev["scores"] == [19.0, 19.0]
    assert ev["modality_mix"] == 3
    assert ev["status"] == ["yellow", "yellow"]
    assert "Lutz" in sig.source and "PRODUCT" not in sig.source
    assert runs(b)[0].tolist() == [0, 0, 0, 0, 0, 0, 1, 2, 2, 2]


def test_sessions_up_to_6_do_not_count() -> None:
    # not on track at sessions 5, 6 and 7, then back on track
    b = course([14, 13, 13, 13, 19, 19, 19, 12, 12, 12])
    assert detect_modality_review(b) == []


def test_a_new_mix_restarts_the_count_and_gets_its_own_key() -> None:
    mixes = [1] * 7 + [2] * 3  # switch at session 8
    b = course(STALLED, mixes)
    (sig,) = detect_modality_review(b)
    assert sig.key == "modality_review:mix2"
    assert sig.evidence["sessions"] == [8, 9]
    # stalled under both mixes -> two signals
    b = course([14, 14, 15, 15, 16, 16, 19, 19, 19, 19, 19], [1] * 9 + [2] * 2)
    keys = [s.key for s in detect_modality_review(b)]
    assert keys == ["modality_review:mix1", "modality_review:mix2"]


def test_unknown_mix_never_counts() -> None:
    assert detect_modality_review(course(STALLED, [-1] * 10)) == []


def test_consecutive_measurements_skip_unmeasured_sessions() -> None:
    scores: list[float | None] = [14, 14, 15, 15, 16, 16, 19, None, 19, 12]
    (sig,) = detect_modality_review(course(scores))
    assert sig.evidence["sessions"] == [7, 9]
    # an on-track measurement in between breaks the run
    assert detect_modality_review(course([14, 14, 15, 15, 16, 16, 19, 12, 19, 12])) == []


def test_configurable_run_length() -> None:
    three = ModalityReviewConfig(consecutive=3)
    (sig,) = detect_modality_review(course(STALLED), config=three)
    assert sig.evidence["sessions"] == [7, 8, 9]
    assert runs(course(STALLED), config=three)[0, 6:].tolist() == [1, 2, 3, 3]
    assert detect_modality_review(course(STALLED[:8]), config=three) == []


# ------------------------------------------------------------------------------------------
# properties
# ------------------------------------------------------------------------------------------

cell = st.one_of(st.none(), st.integers(0, 27).map(float))


@st.composite
def episodes(draw: st.DrawFn) -> EpisodeBatch:
    t = draw(st.integers(0, 14))
    att = draw(st.lists(st.sampled_from(["attended", "no_show"]), min_size=t, max_size=t))
    phq = draw(st.lists(cell, min_size=t, max_size=t))
    mix = draw(st.lists(st.integers(-1, 2), min_size=t, max_size=t))
    return episode(attendance=att, phq9=phq, modality_mix=mix)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(episodes(), min_size=1, max_size=6))
def test_batch_equals_rows(rows: list[EpisodeBatch]) -> None:
    batch = stack(rows)
    batch.episode_ids[:] = np.arange(batch.size)
    together = detect_modality_review(batch)
    single = [s for i in range(batch.size) for s in detect_modality_review(batch.row(i))]
    assert together == single
    for s in together:
        json.dumps(dict(s.evidence))
        sessions = s.evidence["sessions"]
        assert isinstance(sessions, list) and len(sessions) == 2
        assert all(n > 6 for n in sessions)


@settings(max_examples=100, deadline=None)
@given(episodes())
def test_never_raises(b: EpisodeBatch) -> None:
    r = runs(b)
    assert r.shape == b.phq9.shape
    assert (r >= 0).all() and (r <= 2).all()
