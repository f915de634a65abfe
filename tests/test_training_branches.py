"""Branches of :mod:`attune.matching.training` the main tests leave: the threshold choice, the
tick rule, the reliability table and the out-of-fold probabilities, on hand-made inputs."""

from __future__ import annotations

import numpy as np
import pytest

from attune.engine.classifier import Example
from attune.matching import training


def test_choose_thresholds_own_and_pooled() -> None:
    """Area a: 8 positives at 0.9, 2 negatives at 0.6 — F1 is 1 above 0.6, so 0.65 (lowest of
    the ties). Area b has one positive (fewer than 8): it takes the pooled best, 0.65 too,
    though on its own 0.30 would do (its positive is at 0.4, its negatives at 0.2)."""
    a = [0.9] * 8 + [0.6, 0.6]
    b = [0.4] + [0.2] * 9
    probs = np.column_stack([a, b])
    gold = [frozenset({"a", "b"})] + [frozenset({"a"})] * 7 + [frozenset(), frozenset()]
    assert training.choose_thresholds(probs, gold, ["a", "b"]) == [0.65, 0.65]
    # with eight positives of its own, b's threshold is its own best: the lowest, 0.30
    many_b = np.column_stack([a, [0.4] * 8 + [0.2, 0.2]])
    gold_b = [frozenset({"a", "b"})] * 8 + [frozenset(), frozenset()]
    assert training.choose_thresholds(many_b, gold_b, ["a", "b"]) == [0.65, 0.3]


def test_ticks_at_most_three_by_probability() -> None:
    probs = np.array([[0.9, 0.5, 0.8, 0.7], [0.2, 0.35, 0.1, 0.1]])
    areas = ["a", "b", "c", "d"]
    assert training.ticks(probs, [0.3, 0.3, 0.3, 0.3], areas) == [{"a", "c", "d"}, {"b"}]
    assert training.ticks(probs, [0.95, 0.4, 0.3, 0.3], areas) == [{"b", "c", "d"}, set()]


def test_reliability_by_hand() -> None:
    probs = np.array([[1.0, 0.0], [0.5, 0.5]])
    gold = [frozenset({"a"}), frozenset({"b"})]
    table = training.reliability(probs, gold, ["a", "b"])
    # squared errors 0, 0, 0.25, 0.25
    assert table == {
        "brier": 0.125,
        "bins": [
            {"bin": "0.0-0.2", "n": 1, "mean_p": 0.0, "observed": 0.0},
            {"bin": "0.4-0.6", "n": 2, "mean_p": 0.5, "observed": 0.5},
            {"bin": "0.8-1.0", "n": 1, "mean_p": 1.0, "observed": 1.0},
        ],
    }


SLEEP = [
    "I cannot sleep at night",
    "insomnia keeps me awake",
    "my sleep is broken every night",
    "I wake at 3am and cannot sleep",
    "nightmares wake me and I lie awake",
    "sleepless nights again",
]
WORRY = [
    "I panic in crowds",
    "constant worry and panic attacks",
    "anxious heart racing worry",
    "worry about everything panic",
    "panic attack at work",
    "nervous and worried all day",
]


def test_out_of_fold_ranks_held_out_questions() -> None:
    pytest.importorskip("sklearn")
    always = [Example(f"s{i}", t, frozenset({"sleep"}), "train") for i, t in enumerate(SLEEP)]
    always += [Example(f"w{i}", t, frozenset({"anxiety"}), "train") for i, t in enumerate(WORRY)]
    pool = [
        Example("p1", "awake all night cannot sleep", frozenset({"sleep"}), "val"),
        Example("p2", "panic and worry", frozenset({"anxiety"}), "val"),
        Example("p3", "sleep broken by nightmares", frozenset({"sleep"}), "val"),
        Example("p4", "worried anxious panic", frozenset({"anxiety"}), "val"),
    ]
    probs = training.out_of_fold(pool, always, ["anxiety", "sleep"], folds=2)
    assert probs.shape == (4, 2)
    assert ((probs >= 0) & (probs <= 1)).all()
    # each held-out question is most likely its own area
    assert probs.argmax(axis=1).tolist() == [1, 0, 1, 0]
