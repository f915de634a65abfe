"""The problem-area reader's engine (attune.engine.classifier).

Rewritten with the multi-label reader (issue 12): the single-label ``TextClassifier``, its
gradient-descent ``train`` and ``predict`` are gone; scikit-learn fits the model
(``tests/test_reader_sklearn_parity.py``) and the everyday-sentence regression test is
``tests/test_reader_everyday.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import attune
from attune.engine.classifier import (
    DROPPED_TOPICS,
    TOPIC_TO_AREA,
    Reader,
    TermBlock,
    char_terms,
    evaluate,
    examples_from_rows,
    topic_slug,
    word_terms,
)

MODEL = Path(attune.__file__).parent / "matching" / "data" / "problem_area_classifier.json"
AREAS = {
    e["slug"]
    for e in json.loads((MODEL.parents[2] / "practice" / "data" / "problem_areas.json").read_text())
}


@pytest.fixture(scope="module")
def model() -> Reader:
    return Reader.load(MODEL)


def test_the_shipped_model_is_small_and_speaks_our_problem_areas(model):
    assert MODEL.stat().st_size < 4 * 1024 * 1024
    assert set(model.areas) <= AREAS
    assert set(TOPIC_TO_AREA.values()) <= AREAS
    assert not set(TOPIC_TO_AREA) & DROPPED_TOPICS
    assert model.coef.shape == (len(model.areas), sum(len(b.vocabulary) for b in model.blocks))
    assert "MIT" in str(model.meta["dataset"])
    assert {"sleep", "addiction", "grief"} <= set(model.areas)


def test_it_is_deterministic_and_suggests_nothing_from_nothing(model):
    text = "My parents keep fighting and my teenage son won't talk to me"
    assert model.suggest(text) == model.suggest(text)
    assert model.suggest("") == []
    assert model.suggest("!!! 123") == []


def tiny_reader() -> Reader:
    words = TermBlock("words", ["drink", "sleep"], np.array([1.5, 2.0]))
    chars = TermBlock("chars", [" dr", "eep"], np.array([1.0, 1.0]))
    return Reader(
        areas=["addiction", "sleep"],
        blocks=[words, chars],
        coef=np.array([[3.0, 0.0, 2.0, 0.0], [0.0, 3.0, 0.0, 2.0]]),
        intercept=np.array([-1.0, -1.0]),
        platt_a=np.array([-1.0, -1.0]),
        platt_b=np.array([0.0, 0.0]),
        thresholds=np.array([0.5, 0.5]),
        max_ticks=3,
    )


def test_scoring_by_hand_and_a_json_round_trip():
    r = tiny_reader()
    # "drink": words block [1.5, 0] → [1, 0]; chars block [1, 0] → [1, 0]; f = 3 + 2 - 1 = 4
    # for addiction, -1 for sleep; p = 1 / (1 + e^(-f)).
    p = r.probabilities(["drink"])[0]
    assert p == pytest.approx([1 / (1 + np.exp(-4)), 1 / (1 + np.exp(1))])
    assert [a for a, _ in r.suggest("drink")] == ["addiction"]
    assert [a for a, _ in r.suggest("drink, sleep")] == ["addiction", "sleep"] or [
        a for a, _ in r.suggest("drink, sleep")
    ] == ["sleep", "addiction"]
    assert r.suggest("nothing known here") == []
    again = Reader.from_json(r.to_json())
    assert again.to_json() == r.to_json()
    np.testing.assert_array_equal(
        again.probabilities(["drink sleep"]), r.probabilities(["drink sleep"])
    )
    with pytest.raises(ValueError):
        Reader.from_json('{"format": "attune-tfidf-logreg/1"}')


def test_examples_are_multi_label_and_drop_unmappable_topics():
    def row(qid: str, title: str, topic: str, split: str) -> dict[str, str]:
        return {
            "questionID": qid,
            "questionTitle": title,
            "questionText": "",
            "topic": topic,
            "split": split,
        }

    rows = [
        row("2", "Can't sleep", "sleep-improvement", "train"),
        row("2", "Can't sleep", "substance-abuse", "train"),
        row("1", "Faith", "spirituality", "test"),
        row("3", "Work", "stress", "val"),
    ]
    examples = examples_from_rows(rows, {"work": ["Grief and Loss", "Legal & Regulatory"]})
    assert [(e.question_id, sorted(e.areas), e.split) for e in examples] == [
        ("2", ["addiction", "sleep"], "train"),
        ("3", ["grief", "stress-burnout"], "val"),
    ]
    assert topic_slug("Grief and Loss") == "grief-and-loss"
    assert topic_slug("Legal & Regulatory") == "legal-regulatory"


def test_terms_and_metrics():
    assert word_terms("I can\u2019t sleep at night") == [
        "can't",
        "sleep",
        "night",
        "can't sleep",
        "sleep night",
    ]
    assert char_terms("Ox") == [" ox", "ox ", " ox "]
    # Single-label gold and one tick each: the earlier single-label macro-F1.
    m = evaluate([{"a"}, {"a"}, {"b"}, {"c"}], [{"a"}, {"b"}, {"b"}, {"b"}])
    # F1: a = 2·1/(2+0+1) = 2/3; b = 2·1/(2+2+0) = 1/2; c = 0 → macro = 7/18
    assert m.macro_f1 == pytest.approx(7 / 18)
    assert m.recall == {"a": 0.5, "b": 1.0, "c": 0.0}
    # Multi-label, and an empty tick set counts as nothing ticked.
    m = evaluate([{"a", "b"}, {"b"}], [{"a"}, set()])
    assert m.recall == {"a": 1.0, "b": 0.0}
    assert m.nothing_ticked == 0.5
    assert m.micro_f1 == pytest.approx(2 * 1 / (2 * 1 + 0 + 2))
