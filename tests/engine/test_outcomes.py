"""Tests for attune.engine.outcomes: Jacobson–Truax, NHS Talking Therapies, reliable-change signals.

Expected values: /work/shared/reference/clinical-science.md §1.1 (the J&T worked example) and
§1.3 (the Talking Therapies test vectors). Package results on the shared datasets are checked
through the command line in test_research_cli.py.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attune.engine.batch import EpisodeBatch, episode, stack
from attune.engine.outcomes import (
    DETERIORATED,
    IMPROVED,
    MISSING,
    RECOVERED,
    UNCHANGED,
    TalkingTherapiesConfig,
    TalkingTherapiesOutcomes,
    category_names,
    classify_change,
    cutoff_a,
    cutoff_b,
    cutoff_c,
    detect_reliable_change,
    first_and_latest,
    rci,
    reliable_change_points,
    sdiff,
    standard_error,
    talking_therapies_outcomes,
)
from attune.engine.signals import ACKNOWLEDGE_PROGRESS, INVITE_FEEDBACK, Signal

# --------------------------------------------------------------------------- J&T worked example


def test_jacobson_truax_worked_example() -> None:
    # §1.1: s1 = 7.5, rxx = .80; client 32.5 -> 47.5 on a higher-is-better measure.
    assert standard_error(7.5, 0.80) == pytest.approx(3.354, abs=5e-4)
    assert sdiff(7.5, 0.80) == pytest.approx(4.743, abs=5e-4)
    assert float(rci(32.5, 47.5, 7.5, 0.80)) == pytest.approx(3.16, abs=5e-3)
    assert reliable_change_points(7.5, 0.80) == pytest.approx(9.30, abs=5e-3)
    assert reliable_change_points(7.5, 0.80, z=1.645) == pytest.approx(7.80, abs=5e-3)


def test_jacobson_truax_cutoffs() -> None:
    # Dysfunctional M 40 (SD 7.5), functional M 60 (SD 7.5): a/b/c = 55/45/50.
    assert cutoff_a(40, 7.5, higher_is_better=True) == pytest.approx(55.0)
    assert cutoff_b(60, 7.5, higher_is_better=True) == pytest.approx(45.0)
    assert cutoff_c(40, 7.5, 60, 7.5) == pytest.approx(50.0)
    # Lower is better: the same distances, the other way.
    assert cutoff_a(40, 7.5, higher_is_better=False) == pytest.approx(25.0)
    assert cutoff_b(10, 5, higher_is_better=False) == pytest.approx(20.0)
    # c weights by the SDs: nearer the population with the smaller SD.
    assert cutoff_c(35.48, 8.16, 8, 8) == pytest.approx(21.6, abs=0.005)


def test_worked_example_client_is_improved_not_recovered_under_c() -> None:
    s = sdiff(7.5, 0.80)
    under = {
        name: category_names(
            classify_change(32.5, 47.5, higher_is_better=True, sdiff=s, cutoff=cut)
        )[0]
        for name, cut in (("a", 55.0), ("b", 45.0), ("c", 50.0), ("none", None))
    }
    assert under == {"a": "improved", "b": "recovered", "c": "improved", "none": "improved"}


def test_classification_categories_and_direction() -> None:
    s = sdiff(7.5, 0.80)  # reliable beyond 9.30 points
    pre = [20.0, 20.0, 20.0, 20.0, np.nan, 20.0]
    post = [8.0, 15.0, 30.0, 10.5, 5.0, np.nan]
    lower = classify_change(pre, post, higher_is_better=False, sdiff=s, cutoff=10.0)
    assert lower.tolist() == [RECOVERED, UNCHANGED, DETERIORATED, IMPROVED, MISSING, MISSING]
    # The same numbers on a higher-is-better scale: falls are deteriorations.
    higher = classify_change(pre, post, higher_is_better=True, sdiff=s)
    assert higher.tolist() == [DETERIORATED, UNCHANGED, IMPROVED, DETERIORATED, MISSING, MISSING]
    assert category_names(lower) == [
        "recovered", "unchanged", "deteriorated", "improved", None, None,
    ]  # fmt: skip


def test_recovered_needs_pre_on_the_dysfunctional_side() -> None:
    # Already beyond the cut-off at pre: a reliable improvement, not a recovery.
    codes = classify_change([10.0], [0.0], higher_is_better=False, rc_points=6, cutoff=12.0)
    assert codes.tolist() == [IMPROVED]


def test_points_rule_uses_at_least() -> None:
    codes = classify_change([20, 20, 20], [14, 15, 26], higher_is_better=False, rc_points=6)
    assert codes.tolist() == [IMPROVED, UNCHANGED, DETERIORATED]
    # Decimal scores: 10.3 - 4.3 is 5.999999999999999 in floating point, still "6 or more".
    assert classify_change([10.3], [4.3], higher_is_better=False, rc_points=6).tolist() == [
        IMPROVED
    ]


def test_without_cutoff_nobody_is_recovered() -> None:
    codes = classify_change([30, 30], [0, 5], higher_is_better=False, rc_points=6)
    assert RECOVERED not in codes.tolist()


@pytest.mark.parametrize(
    ("sd", "reliability"), [(0.0, 0.8), (-1.0, 0.8), (7.5, 1.0), (7.5, -0.1), (math.nan, 0.8)]
)
def test_bad_sd_or_reliability_is_refused(sd: float, reliability: float) -> None:
    with pytest.raises(ValueError):
        sdiff(sd, reliability)


def test_exactly_one_reliability_rule() -> None:
    with pytest.raises(ValueError):
        classify_change([1.0], [2.0], higher_is_better=True)
    with pytest.raises(ValueError):
        classify_change([1.0], [2.0], higher_is_better=True, sdiff=1.0, rc_points=2.0)


# --------------------------------------------------------------------------- NHS Talking Therapies

# §1.3 test vectors: (PHQ-9 pre, post, GAD-7 pre, post) -> expected flags.
TT_VECTORS = [
    # 18 -> 11, 9 -> 8: reliable improvement (PHQ -7); not recovered (PHQ 11 >= 10, GAD 8 >= 8).
    ((18, 11, 9, 8), {"improvement": True, "recovery": False, "case_start": True,
                      "deterioration": False, "reliable_recovery": False}),
    # 12 -> 9, 9 -> 7: recovered, but no reliable improvement, so not reliably recovered.
    ((12, 9, 9, 7), {"improvement": False, "recovery": True, "case_start": True,
                     "deterioration": False, "reliable_recovery": False}),
    # 16 -> 8, 12 -> 6: reliable improvement + recovery = reliable recovery.
    ((16, 8, 12, 6), {"improvement": True, "recovery": True, "case_start": True,
                      "deterioration": False, "reliable_recovery": True}),
    # 8 -> 14, 6 -> 6: reliable deterioration; not a case at the start (out of the denominator).
    ((8, 14, 6, 6), {"improvement": False, "recovery": False, "case_start": False,
                     "deterioration": True, "reliable_recovery": False}),
    # 15 -> 9, 8 -> 12: PHQ -6 but GAD +4, so not reliably improved; deteriorated (default rule).
    ((15, 9, 8, 12), {"improvement": False, "recovery": False, "case_start": True,
                      "deterioration": True, "reliable_recovery": False}),
    # 10 -> 5, no GAD-7: -5 is not reliable (needs 6); decided on PHQ-9 alone.
    ((10, 5, None, None), {"improvement": False, "recovery": True, "case_start": True,
                           "deterioration": False, "reliable_recovery": False}),
]  # fmt: skip


def _flags(out: TalkingTherapiesOutcomes, i: int = 0) -> dict[str, bool]:
    return {
        "improvement": bool(out.reliable_improvement[i]),
        "recovery": bool(out.recovery[i]),
        "case_start": bool(out.caseness_start[i]),
        "deterioration": bool(out.reliable_deterioration[i]),
        "reliable_recovery": bool(out.reliable_recovery[i]),
    }


def _nan(x: float | None) -> float:
    return math.nan if x is None else float(x)


@pytest.mark.parametrize(("scores", "expected"), TT_VECTORS)
def test_talking_therapies_vectors(scores: tuple[float | None, ...], expected: dict[str, bool]):
    p0, p1, g0, g1 = (_nan(x) for x in scores)
    out = talking_therapies_outcomes([p0], [p1], [g0], [g1])
    assert _flags(out) == expected


def test_talking_therapies_vectors_in_one_vectorised_call() -> None:
    columns = list(zip(*[[_nan(x) for x in s] for s, _ in TT_VECTORS], strict=True))
    out = talking_therapies_outcomes(*columns)
    for i, (_, expected) in enumerate(TT_VECTORS):
        assert _flags(out, i) == expected


def test_deterioration_variant_needing_no_improvement_on_the_other_measure() -> None:
    # Vector 5 under the stricter variant: PHQ reliably improved, so GAD +4 does not count.
    config = TalkingTherapiesConfig(deterioration_requires_no_improvement=True)
    out = talking_therapies_outcomes([15], [9], [8], [12], config)
    assert not out.reliable_deterioration[0]
    assert not out.reliable_improvement[0]


def test_minus_five_is_not_reliable_but_minus_six_is() -> None:
    out = talking_therapies_outcomes([10, 10, 20], [5, 4, 26])
    assert out.reliable_improvement.tolist() == [False, True, False]
    assert out.reliable_deterioration.tolist() == [False, False, True]


def test_missing_measures_decide_on_the_other_or_not_at_all() -> None:
    out = talking_therapies_outcomes(
        [np.nan, 12, np.nan], [np.nan, np.nan, np.nan], [12, 9, np.nan], [6, 9, np.nan]
    )
    # Row 0: PHQ-9 missing, GAD-7 12 -> 6 decides (reliable recovery on GAD-7 alone).
    assert bool(out.reliable_recovery[0]) and bool(out.paired[0])
    # Row 1: PHQ-9 has no last score; GAD-7 9 -> 9 is a case that did not recover.
    assert bool(out.caseness_start[1]) and not bool(out.recovery[1])
    # Row 2: nothing paired: every outcome False.
    assert not out.paired[2]
    assert not (out.recovery[2] or out.reliable_improvement[2] or out.reliable_deterioration[2])


# --------------------------------------------------------------------------- detector


def _ep(phq9: list[float | None], gad7: list[float | None] = (), **kw: object) -> EpisodeBatch:
    return episode(attendance=["attended"] * len(phq9), phq9=phq9, gad7=list(gad7), **kw)  # type: ignore[arg-type]


def _plain(value: object) -> bool:
    """True when ``value`` is built only of JSON's plain Python types (no numpy scalars)."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or type(value) in (bool, int, float, str)


def test_reliable_deterioration_signal() -> None:
    signals = detect_reliable_change(_ep([8, 10, 12, 14], [6, 6, 6, 6], episode_id=7))
    assert [s.kind for s in signals] == ["reliable_deterioration"]
    s = signals[0]
    assert (s.episode_id, s.severity, s.key, s.session_number) == (7, "red", s.kind, 4)
    ev = s.evidence
    assert (ev["measure"], ev["first"], ev["latest"], ev["change"], ev["threshold"]) == (
        "PHQ-9", 8.0, 14.0, 6.0, 6.0,
    )  # fmt: skip
    assert (ev["first_session"], ev["latest_session"], ev["sessions"]) == (1, 4, 4)
    assert ev["caseness_at_start"] is False
    assert INVITE_FEEDBACK in s.actions
    assert "8" in s.explanation and "14" in s.explanation and "+6" in s.explanation
    assert "Jacobson" in s.source and "Talking Therapies" in s.source
    assert _plain(dict(ev)) and json.dumps(dict(ev))


def test_reliable_improvement_and_recovery_signal() -> None:
    signals = detect_reliable_change(_ep([16, 14, 10, 8], [12, 10, 8, 6]))
    assert [(s.kind, s.severity) for s in signals] == [("reliable_improvement", "info")]
    s = signals[0]
    assert s.title == "Reliable recovery"
    assert s.evidence["reliable_recovery"] is True
    assert s.evidence["measures"] == {  # type: ignore[comparison-overlap]
        "phq9": {"first": 16.0, "latest": 8.0, "change": -8.0, "threshold": 6.0,
                 "first_session": 1, "latest_session": 4, "sessions": 4,
                 "reliable": "improvement"},
        "gad7": {"first": 12.0, "latest": 6.0, "change": -6.0, "threshold": 4.0,
                 "first_session": 1, "latest_session": 4, "sessions": 4,
                 "reliable": "improvement"},
    }  # fmt: skip
    assert s.actions == (ACKNOWLEDGE_PROGRESS,)
    assert _plain(dict(s.evidence))


def test_gad7_alone_can_fire_and_mixed_change_is_a_deterioration() -> None:
    # PHQ-9 missing throughout; GAD-7 up 5.
    only_gad = detect_reliable_change(_ep([None, None, None], [5, 7, 10]))
    assert [(s.kind, s.evidence["measure"]) for s in only_gad] == [
        ("reliable_deterioration", "GAD-7")
    ]
    # Vector 5 of §1.3: PHQ-9 -6 and GAD-7 +4 -> deterioration only, never an improvement.
    mixed = detect_reliable_change(_ep([15, 12, 9], [8, 10, 12]))
    assert [s.kind for s in mixed] == ["reliable_deterioration"]
    assert mixed[0].evidence["measure"] == "GAD-7"


def test_first_and_latest_skip_missing_sessions() -> None:
    batch = episode(
        attendance=["attended", "no_show", "attended", "attended", "scheduled"],
        phq9=[None, None, 18, 11, None],
    )
    fl = first_and_latest(batch.phq9, batch.session_number)
    assert (fl.first[0], fl.latest[0], fl.first_session[0], fl.latest_session[0]) == (
        18.0, 11.0, 3, 4,
    )  # fmt: skip
    s = detect_reliable_change(batch)[0]
    assert (s.kind, s.session_number, s.evidence["first_session"]) == ("reliable_improvement", 4, 3)


def test_nothing_to_judge_gives_no_signal() -> None:
    assert detect_reliable_change(_ep([20])) == []
    assert detect_reliable_change(_ep([None, None])) == []
    assert detect_reliable_change(episode(attendance=[])) == []
    assert detect_reliable_change(stack([])) == []


def test_custom_thresholds_are_configuration() -> None:
    config = TalkingTherapiesConfig(phq9_reliable_change=3.0)
    assert [s.kind for s in detect_reliable_change(_ep([12, 9]), config)] == [
        "reliable_improvement"
    ]
    assert detect_reliable_change(_ep([12, 9])) == []


# --------------------------------------------------------------------------- properties

score = st.one_of(st.none(), st.integers(min_value=0, max_value=27).map(float))
gad_score = st.one_of(st.none(), st.integers(min_value=0, max_value=21).map(float))
trajectory = st.lists(score, min_size=0, max_size=10)


@st.composite
def episodes(draw: st.DrawFn) -> EpisodeBatch:
    phq = draw(st.lists(score, min_size=1, max_size=10))
    gad = draw(st.lists(gad_score, min_size=0, max_size=len(phq)))
    attendance = draw(
        st.lists(
            st.sampled_from(["attended", "attended", "cancelled", "no_show", "scheduled"]),
            min_size=len(phq),
            max_size=len(phq),
        )
    )
    return episode(
        attendance=attendance, phq9=phq, gad7=gad, episode_id=draw(st.integers(0, 10_000))
    )


@given(st.lists(st.tuples(score, score, gad_score, gad_score), max_size=20))
def test_outcomes_never_raise_on_missing_values(rows: list[tuple[float | None, ...]]) -> None:
    cols = [[_nan(r[k]) for r in rows] for k in range(4)]
    out = talking_therapies_outcomes(*cols)
    assert out.recovery.shape == (len(rows),)
    # Internal consistency of the definitions.
    assert not np.any(out.reliable_recovery & ~out.recovery)
    assert not np.any(out.recovery & ~out.caseness_start)
    assert not np.any(out.reliable_improvement & out.reliable_deterioration)


@given(st.lists(episodes(), min_size=0, max_size=6))
@settings(max_examples=150, deadline=None)
def test_batch_equals_per_row_evaluation(rows: list[EpisodeBatch]) -> None:
    per_row: list[Signal] = []
    for row in rows:
        per_row.extend(detect_reliable_change(row))
    assert detect_reliable_change(stack(rows)) == per_row


@given(episodes())
@settings(max_examples=200, deadline=None)
def test_signals_are_plain_and_deteriorations_only_come_from_rises(batch: EpisodeBatch) -> None:
    for s in detect_reliable_change(batch):
        assert _plain(dict(s.evidence))
        json.dumps(dict(s.evidence), allow_nan=False)
        measures = s.evidence["measures"]
        assert isinstance(measures, dict)
        if s.kind == "reliable_deterioration":
            assert any(m["change"] > 0 for m in measures.values())
            assert float(s.evidence["change"]) > 0  # type: ignore[arg-type]
        else:
            assert float(s.evidence["change"]) < 0  # type: ignore[arg-type]


@given(
    st.lists(st.integers(0, 27).map(float), min_size=1, max_size=10),
    st.lists(st.integers(0, 21).map(float), min_size=0, max_size=10),
)
def test_a_course_that_never_worsens_never_deteriorates(phq: list[float], gad: list[float]):
    phq, gad = sorted(phq, reverse=True), sorted(gad, reverse=True)  # never rising
    gad = gad[: len(phq)]
    kinds = {s.kind for s in detect_reliable_change(_ep(list(phq), list(gad)))}
    assert "reliable_deterioration" not in kinds


@given(episodes(), st.integers(1, 27))
@settings(max_examples=200, deadline=None)
def test_a_better_latest_score_never_creates_a_deterioration(batch: EpisodeBatch, drop: int):
    before = {s.kind for s in detect_reliable_change(batch)}
    has = np.flatnonzero(~np.isnan(batch.phq9[0]))
    if has.size == 0:
        return
    last = has[-1]
    better = batch.phq9.copy()
    better[0, last] = max(0.0, better[0, last] - drop)
    improved = EpisodeBatch(**{**batch.__dict__, "phq9": better})
    after = {s.kind for s in detect_reliable_change(improved)}
    if "reliable_deterioration" not in before:
        assert "reliable_deterioration" not in after
