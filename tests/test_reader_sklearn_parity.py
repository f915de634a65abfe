"""The numpy engine scores exactly as scikit-learn does (skipped without scikit-learn, which
the ``dev`` extra installs, so CI runs it).

A reader is fitted with the training recipe (:mod:`attune.matching.training`) on part of
CounselChat's train split plus the seed sentences (or on the seed sentences alone when the
dataset is not beside the checkout), exported through JSON like the shipped file, and scored by
:class:`attune.engine.classifier.Reader` on CounselChat's test split: the probabilities equal
scikit-learn's ``predict_proba`` to 1e-9.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pytest

from attune.engine.classifier import Reader
from attune.matching import training

# Asked without importing it: every pytest worker collects this file, and importing
# scikit-learn costs a worker ~2 s that only the one running these tests needs.
pytestmark = pytest.mark.skipif(find_spec("sklearn") is None, reason="scikit-learn not installed")

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "counsel-chat"


@pytest.fixture(scope="module")
def fitted_and_texts():
    seeds = training.seed_examples()
    if (DATA / training.SPLIT_FILE).is_file():
        examples, _ = training.load_counselchat(DATA)
        fit_on = [e for e in examples if e.split == "train"][:250] + seeds
        texts = [e.text for e in examples if e.split == "test"]
    else:  # pragma: no cover - CI without the shared datasets
        fit_on = seeds
        texts = [e.text for e in seeds[::3]] + ["", "hello", "I can't sleep and I drink"]
    counts: dict[str, int] = {}
    for e in fit_on:
        for a in e.areas:
            counts[a] = counts.get(a, 0) + 1
    areas = sorted(a for a, n in counts.items() if n >= 5)  # stratified 5-fold calibration
    fitted = training.fit(fit_on, areas)
    return fitted, texts + ["", "zzzz qqqq", "I can't sleep and I drink every night"]


def test_numpy_scoring_equals_sklearn_predict_proba(fitted_and_texts):
    fitted, texts = fitted_and_texts
    reader = Reader.from_json(training.to_reader(fitted, [0.5] * len(fitted.areas)).to_json())
    ours = reader.probabilities(texts)
    theirs = training.sklearn_probabilities(fitted, texts)
    assert ours.shape == theirs.shape == (len(texts), len(fitted.areas))
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9)


def test_the_features_equal_sklearn_tfidf(fitted_and_texts):
    fitted, texts = fitted_and_texts
    reader = training.to_reader(fitted, [0.5] * len(fitted.areas))
    theirs = fitted.pipeline.named_steps["features"].transform(texts).toarray()
    np.testing.assert_allclose(reader.features(texts), theirs, rtol=0, atol=1e-12)


def test_the_training_command_says_what_is_missing(tmp_path):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="no CounselChat data"):
        call_command("train_classifier", "--data", str(tmp_path), "--out", str(tmp_path / "m"))
    assert not (tmp_path / "m").exists()
