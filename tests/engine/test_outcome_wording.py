"""Evidence for people: the outcome-side signals cite the literature, use one decimal and plain
words (issue 9, item 5)."""

from __future__ import annotations

import json
import re

import pytest

from attune.engine.evaluate import evaluate
from attune.simulation.to_batch import simulate_batch

OUTCOME_KINDS = {"not_on_track", "dropout_risk", "as_if", "reliable_improvement", "sudden_gain"}
REPOSITORY_FILE = re.compile(r"\.md\b|PRODUCT|shared/|clinical-science|§")
AUTHOR_YEAR = re.compile(r"[A-Z][a-z]+.*\(?(19|20)\d\d\)?")
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
LONG_DECIMAL = re.compile(r"\d\.\d{2,}")


@pytest.fixture(scope="module")
def signals():
    batch, _ = simulate_batch(600, 20, seed=11)
    found = [s for s in evaluate(batch) if s.kind in OUTCOME_KINDS]
    assert {s.kind for s in found} == OUTCOME_KINDS  # every kind is exercised
    return found


def test_sources_cite_the_literature_never_a_repository_file(signals):
    for s in signals:
        assert not REPOSITORY_FILE.search(s.source), (s.kind, s.source)
        assert AUTHOR_YEAR.search(s.source), (s.kind, s.source)


def test_text_is_plain_and_numbers_have_one_decimal_at_most(signals):
    for s in signals:
        for text in (s.title, s.explanation):
            assert "True" not in text and "False" not in text, (s.kind, text)
            assert not SNAKE.search(text), (s.kind, text)
            assert not LONG_DECIMAL.search(text), (s.kind, text)
        assert not LONG_DECIMAL.search(json.dumps(s.evidence)), (s.kind, s.evidence)


def test_good_news_is_a_note(signals):
    for s in signals:
        if s.kind in {"reliable_improvement", "sudden_gain"}:
            assert s.severity == "info"
