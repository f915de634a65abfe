"""Empirical-Bayes strength by problem area and the match score (attune.engine.matching)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from attune.engine.matching import (
    MIN_CASES,
    MatchWeights,
    admissible,
    match_scores,
    preference_fit,
    rank,
    shrink,
)

# Three therapists (rows) × two areas (columns).
#   area 0: T1 15/20, T2 5/20, T3 5/10     area 1: T1 10/20, T2 10/20, T3 5/10
SUCCESSES = [[15, 10], [5, 10], [5, 5]]
CASES = [[20, 20], [20, 20], [10, 10]]


def test_shrinkage_equals_the_hand_computed_values():
    s = shrink(SUCCESSES, CASES)
    # Area 0.
    # p̂ = 0.75, 0.25, 0.50; practice mean p̄ = (15 + 5 + 5) / (20 + 20 + 10) = 25/50 = 0.5
    # σ² = p̄(1 − p̄) = 0.25; sampling variances σ²/n = 0.0125, 0.0125, 0.025; mean = 0.05/3
    # between = ((0.25)² + (−0.25)² + 0²) / (3 − 1) = 0.0625
    # τ² = 0.0625 − 0.0166667 = 0.0458333 (= 11/240)
    # λ1 = λ2 = (11/240) / (11/240 + 3/240) = 11/14 = 0.785714;  λ3 = 11/(11 + 6) = 11/17
    # p̃1 = 0.5 + 11/14 · 0.25 = 0.696429;  p̃2 = 0.5 − 11/14 · 0.25 = 0.303571;  p̃3 = 0.5
    assert s.practice_mean[0] == pytest.approx(0.5)
    assert s.sigma2[0] == pytest.approx(0.25)
    assert s.tau2[0] == pytest.approx(11 / 240)
    assert s.shrinkage[:, 0] == pytest.approx([11 / 14, 11 / 14, 11 / 17])
    assert s.shrunk[:, 0] == pytest.approx([0.696429, 0.303571, 0.5], abs=1e-6)
    # shown as "of 20 clients, 14 reliably improved" (0.696429 · 20 = 13.93)
    assert s.shrunk_successes[0, 0] == pytest.approx(13.928571, abs=1e-6)
    # Area 1: every rate is 0.5, between = 0 < mean sampling variance → τ² floored at 0,
    # λ = 0 and everyone sits at the practice mean.
    assert s.tau2[1] == 0.0
    assert s.shrinkage[:, 1] == pytest.approx([0, 0, 0])
    assert s.shrunk[:, 1] == pytest.approx([0.5, 0.5, 0.5])
    # Fewer than 15 cases: not eligible.
    assert s.eligible.tolist() == [[True, True], [True, True], [False, False]]
    assert MIN_CASES == 15


def test_a_therapist_without_cases_sits_at_the_mean_with_no_weight():
    s = shrink([[15, 0], [5, 0], [0, 0]], [[20, 0], [20, 0], [0, 0]])
    assert s.shrunk[2, 0] == pytest.approx(0.5)
    assert s.shrinkage[2, 0] == 0.0
    assert np.isnan(s.practice_mean[1])  # an area nobody has seen
    assert not s.eligible[:, 1].any()


def test_an_area_with_fewer_than_15_cases_never_ranks_a_therapist():
    # T3 has 10 cases in area 0, all hypothetically perfect: she must not gain from them.
    s = shrink([[10, 0], [10, 0], [10, 0]], [[20, 0], [20, 0], [10, 0]])
    wanted = np.array([True, False])
    scores, term = match_scores([1.0, 1.0, 1.0], s.advantage, s.eligible, wanted, [1, 1, 1])
    assert term[2] == 0.0
    assert scores[2] == pytest.approx(1.0 + 10.0)


def test_score_adds_preference_strength_and_availability():
    s = shrink(SUCCESSES, CASES)
    wanted = np.array([True, False])
    scores, term = match_scores([0.5, 1.0, 1.0], s.advantage, s.eligible, wanted, [1, 1, 0])
    w = MatchWeights()
    assert term == pytest.approx([0.196429, -0.196429, 0.0], abs=1e-6)
    assert scores[0] == pytest.approx(w.preference * 0.5 + w.strength * 0.196429 + 10, abs=1e-5)
    assert rank(scores).tolist() == [0, 1, 2]  # the one not accepting comes last


def test_preference_fit_is_the_weighted_share_of_what_was_asked():
    matches = [[True, False, True], [False, False, False]]
    assert preference_fit(matches, [True, True, False]).tolist() == [0.5, 0.0]
    assert preference_fit(matches, [False, False, False]).tolist() == [1.0, 1.0]
    assert preference_fit(matches, [True, True, True], [2, 1, 1]).tolist() == [0.75, 0.0]


def test_rank_is_stable_on_ties():
    assert rank([1.0, 2.0, 1.0, 2.0]).tolist() == [1, 3, 0, 2]


def test_bad_counts_are_refused():
    with pytest.raises(ValueError):
        shrink([[3]], [[2]])
    with pytest.raises(ValueError):
        shrink([[1, 2]], [[2]])


@st.composite
def tables(draw):
    t = draw(st.integers(1, 6))
    a = draw(st.integers(1, 4))
    n = draw(hnp.arrays(np.int64, (t, a), elements=st.integers(0, 60)))
    frac = draw(hnp.arrays(np.float64, (t, a), elements=st.floats(0, 1)))
    s = np.floor(frac * n).astype(np.int64)
    return s, n


@settings(max_examples=200, deadline=None)
@given(tables())
def test_properties_of_the_shrinkage(table):
    s_counts, n = table
    s = shrink(s_counts, n)
    assert np.all((s.shrinkage >= 0) & (s.shrinkage <= 1))
    assert np.all(s.tau2 >= 0)
    has = n > 0
    # The estimate lies between the practice mean and the raw rate.
    lo = np.minimum(s.raw, s.practice_mean)
    hi = np.maximum(s.raw, s.practice_mean)
    assert np.all(~has | ((s.shrunk >= lo - 1e-12) & (s.shrunk <= hi + 1e-12)))
    # Within an area, more cases never means more shrinkage (λ grows with n).
    for j in range(n.shape[1]):
        order = np.argsort(n[:, j], kind="stable")
        lam = s.shrinkage[order, j][n[order, j] > 0]
        assert np.all(np.diff(lam) >= -1e-12)
    assert np.array_equal(s.eligible, n >= MIN_CASES)


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(np.float64, (5, 3), elements=st.floats(-1, 1)),
    hnp.arrays(np.float64, (5, 3), elements=st.floats(-1, 1)),
    hnp.arrays(np.bool_, (5, 3)),
    hnp.arrays(np.bool_, (3,)),
)
def test_ineligible_cells_never_change_a_score(adv, other, eligible, wanted):
    fit = np.linspace(0, 1, 5)
    acc = np.ones(5, dtype=bool)
    changed = np.where(eligible, adv, other)  # only the ineligible cells differ
    a, _ = match_scores(fit, adv, eligible, wanted, acc)
    b, _ = match_scores(fit, changed, eligible, wanted, acc)
    assert np.array_equal(a, b)


def test_a_hard_requirement_filters_whatever_the_score():
    # Three therapists; only the second speaks the language asked for.
    speaks = [[False], [True], [False]]
    keep = admissible(speaks, [True])
    assert keep.tolist() == [False, True, False]
    assert rank([9.0, 1.0, 5.0], keep).tolist() == [1]
    assert rank([9.0, 1.0, 5.0]).tolist() == [0, 2, 1]
    # Not asked for: nobody is excluded.
    assert admissible(speaks, [False]).tolist() == [True, True, True]
    # Several requirements: every stated one must be met.
    met = [[True, False], [True, True]]
    assert admissible(met, [True, True]).tolist() == [False, True]
    assert admissible(met, [True, False]).tolist() == [True, True]
    with pytest.raises(ValueError):
        admissible(met, [True])
    with pytest.raises(ValueError):
        rank([1.0, 2.0], [True])
