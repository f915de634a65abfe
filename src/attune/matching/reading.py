"""The shipped problem-area reader, loaded once (no training at run time, no network, no
scikit-learn: the numbers are scored by :class:`attune.engine.classifier.Reader`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from attune.engine.classifier import Reader

MODEL_PATH = Path(__file__).resolve().parent / "data" / "problem_area_classifier.json"


@lru_cache(maxsize=1)
def reader() -> Reader:
    return Reader.load(MODEL_PATH)


def read_areas(text: str) -> list[tuple[str, float]]:
    """The problem areas the person's own words describe, with their calibrated probabilities,
    best first; empty when the reader is unsure (no area reaches its threshold)."""
    if not text.strip():
        return []
    return reader().suggest(text)


def suggest_areas(text: str) -> list[str]:
    """Problem-area slugs to pre-tick for the person's own words (best first); empty when
    unsure: then nothing is pre-ticked and the person is asked to tick what fits."""
    return [area for area, _ in read_areas(text)]
