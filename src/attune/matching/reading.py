"""The shipped problem-area classifier, loaded once (no training at runtime, no network)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from attune.engine.classifier import TextClassifier

MODEL_PATH = Path(__file__).resolve().parent / "data" / "problem_area_classifier.json"


@lru_cache(maxsize=1)
def classifier() -> TextClassifier:
    return TextClassifier.load(MODEL_PATH)


def suggest_areas(text: str) -> list[str]:
    """Problem-area slugs to pre-tick for the person's own words (best first)."""
    if not text.strip():
        return []
    return [area for area, _ in classifier().suggest(text)]
