"""The shipped problem-area classifier (attune.engine.classifier)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import attune
from attune.engine.classifier import (
    DROPPED_TOPICS,
    TOPIC_TO_AREA,
    TextClassifier,
    evaluate,
    examples_from_rows,
    tokens,
    train,
)

MODEL = Path(attune.__file__).parent / "matching" / "data" / "problem_area_classifier.json"
AREAS = {
    e["slug"]
    for e in json.loads((MODEL.parents[2] / "practice" / "data" / "problem_areas.json").read_text())
}


@pytest.fixture(scope="module")
def model() -> TextClassifier:
    return TextClassifier.load(MODEL)


def test_the_shipped_model_is_small_and_speaks_our_problem_areas(model):
    assert MODEL.stat().st_size < 2 * 1024 * 1024
    assert set(model.classes) <= AREAS
    assert set(TOPIC_TO_AREA.values()) <= AREAS
    assert not set(TOPIC_TO_AREA) & DROPPED_TOPICS
    assert model.weights.shape == (len(model.vocabulary), len(model.classes))
    assert "MIT" in str(model.meta["dataset"])


@pytest.mark.parametrize(
    ("text", "area"),
    [
        ("I feel down and hopeless every day and nothing I used to enjoy matters", "depression"),
        ("I worry all the time and my heart races, I think I'm having panic attacks", "anxiety"),
        ("My husband and I argue constantly and I think our marriage is over", "relationships"),
        ("I get so angry that I yell and throw things, I can't control my temper", "anger"),
        ("My boss overloads me at work and I'm exhausted and burned out", "stress-burnout"),
        ("I hate myself and feel worthless and not good enough", "self-esteem"),
    ],
)
def test_it_suggests_sensible_areas(model, text, area):
    suggested = [a for a, _ in model.suggest(text)]
    assert suggested and suggested[0] == area


def test_it_is_deterministic_and_suggests_nothing_from_nothing(model):
    text = "My parents keep fighting and my teenage son won't talk to me"
    assert model.suggest(text) == model.suggest(text)
    assert model.probabilities([text]).sum() == pytest.approx(1.0)
    assert model.suggest("") == []
    assert model.suggest("zzzz qqqq") == []
    assert len(model.suggest(text, threshold=0.0, max_areas=3)) == 3


def test_training_is_deterministic_and_round_trips_through_json():
    rows = [
        {
            "questionID": str(i),
            "questionTitle": t,
            "questionText": "",
            "topic": topic,
            "split": "train",
        }
        for i, (t, topic) in enumerate(
            [
                ("sad empty hopeless", "depression"),
                ("sad hopeless tired", "depression"),
                ("worry panic fear", "anxiety"),
                ("panic worry racing", "anxiety"),
                ("priest church faith", "spirituality"),  # dropped topic
            ]
        )
    ]
    examples = examples_from_rows(rows)
    assert [e.area for e in examples] == ["depression", "depression", "anxiety", "anxiety"]
    texts, labels = [e.text for e in examples], [e.area for e in examples]
    a = train(texts, labels)
    b = train(texts, labels)
    assert a.to_json() == b.to_json()
    again = TextClassifier.from_json(a.to_json())
    assert again.predict(["so sad and hopeless", "panic!"]) == ["depression", "anxiety"]


def test_tokens_and_metrics():
    assert tokens("I can't sleep at night") == [
        "can't",
        "sleep",
        "night",
        "can't sleep",
        "sleep night",
    ]
    m = evaluate(["a", "a", "b", "c"], ["a", "b", "b", "b"])
    assert m.accuracy == pytest.approx(0.5)
    # F1: a = 2·1/(2+0+1) = 2/3; b = 2·1/(2+2+0) = 1/2; c = 0 → macro = 7/18
    assert m.macro_f1 == pytest.approx(7 / 18)
