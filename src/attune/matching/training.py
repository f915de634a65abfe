"""Fitting the problem-area reader with scikit-learn (training only; never imported at run time).

scikit-learn is a *training extra* (``pip install -e '.[train]'``, also in ``dev``): the app
scores the shipped JSON with :class:`attune.engine.classifier.Reader` in numpy. This module
builds the scikit-learn pipeline, fits it, chooses the thresholds and exports the fitted
numbers; :func:`sklearn_probabilities` lets the tests check the numpy scoring against
scikit-learn's own ``predict_proba``.

The recipe (all seeds fixed, so a run is reproducible):

* Data — CounselChat's question-level ``train`` and ``val`` splits, labels from the split file
  plus, for the same question (matched by title), the multi-label file's topics; questions found
  only in the multi-label file (no split of their own, and not matching any split question by
  title or by the start of their text) join the training part; and the hand-written seed
  sentences of ``matching/data/reader_seed.json`` join the training part of every fit. The
  ``test`` split is never used here except for the report printed at the end.
* Model — TF-IDF word and character blocks (:mod:`attune.engine.classifier`), one-vs-rest
  ``LogisticRegression`` (L2, ``C``, balanced class weights, lbfgs), each area's classifier
  wrapped in ``CalibratedClassifierCV(method="sigmoid", ensemble=False)`` over a seeded
  stratified 5-fold split (Platt scaling on out-of-fold decision values).
* Thresholds — the whole recipe is refitted 5 times on seeded folds of the CounselChat
  train + val questions (seeds always in the training part); each area's threshold maximises
  its F1 on the out-of-fold calibrated probabilities, searched on a grid from
  :data:`MIN_THRESHOLD` to 0.80; an area with fewer than :data:`MIN_POSITIVES` out-of-fold
  questions takes the threshold that maximises the pooled (micro) F1 of all areas.
* Export — the fitted numbers are rounded (IDF and calibration to 9 decimals, weights to 6) and
  written back into the scikit-learn objects before anything is scored, so the shipped JSON,
  scikit-learn and the numpy engine score with the very same numbers.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from attune.engine.classifier import (
    TOPIC_TO_AREA,
    Example,
    FloatArray,
    Reader,
    TermBlock,
    char_terms,
    evaluate,
    examples_from_rows,
    title_key,
    topic_slug,
    word_terms,
)

SEED = 20260329
SEED_PATH = Path(__file__).resolve().parent / "data" / "reader_seed.json"
#: Regularisation (inverse strength) of each area's logistic regression, chosen on the
#: out-of-fold macro-F1 of the train + val questions among 1, 3, 10 and 30.
C = 10.0
#: No area is ticked below this probability, whatever its best-F1 threshold.
MIN_THRESHOLD = 0.30
MIN_POSITIVES = 8
MAX_TICKS = 3
GRID = np.round(np.arange(MIN_THRESHOLD, 0.8001, 0.05), 2)


@dataclass(frozen=True)
class Fitted:
    """A fitted scikit-learn pipeline and the areas of its columns."""

    pipeline: Any
    areas: list[str]


def seed_examples(path: Path = SEED_PATH) -> list[Example]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        Example(f"seed-{area}-{i}", text, frozenset({area}), "train")
        for area, texts in sorted(data["sentences"].items())
        for i, text in enumerate(texts)
    ]


def _pipeline(seed: int, c: float) -> Any:
    # inline: scikit-learn is the optional `train` extra: imported only when training
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import FeatureUnion, Pipeline

    def tfidf(analyzer: Any, min_df: int, max_features: int) -> Any:
        return TfidfVectorizer(
            analyzer=analyzer,
            sublinear_tf=True,
            min_df=min_df,
            max_features=max_features,
            dtype=np.float64,
        )

    features = FeatureUnion(
        [("words", tfidf(word_terms, 2, 6000)), ("chars", tfidf(char_terms, 3, 12000))]
    )
    area = CalibratedClassifierCV(
        LogisticRegression(C=c, class_weight="balanced", max_iter=2000),
        method="sigmoid",
        cv=StratifiedKFold(5, shuffle=True, random_state=seed),
        ensemble=False,
    )
    return Pipeline([("features", features), ("areas", OneVsRestClassifier(area))])


def _matrix(examples: Sequence[Example], areas: Sequence[str]) -> Any:
    return np.array([[a in e.areas for a in areas] for e in examples], dtype=np.int64)


def fit(
    examples: Sequence[Example], areas: Sequence[str], seed: int = SEED, c: float = C
) -> Fitted:
    """Fit the pipeline and round its numbers in place (see the module docstring)."""
    # inline: threadpoolctl comes with scikit-learn (the optional `train` extra)
    from threadpoolctl import threadpool_limits

    pipeline = _pipeline(seed, c)
    # One BLAS thread: these problems are small, and more threads than cores made a fit 50
    # times slower on a busy machine.
    with threadpool_limits(limits=1):
        pipeline.fit([e.text for e in examples], _matrix(examples, areas))
    for _, vectorizer in pipeline.named_steps["features"].transformer_list:
        vectorizer.idf_ = np.round(vectorizer.idf_, 9)
    for calibrated in pipeline.named_steps["areas"].estimators_:
        (inner,) = calibrated.calibrated_classifiers_
        inner.estimator.coef_ = np.round(inner.estimator.coef_, 6)
        inner.estimator.intercept_ = np.round(inner.estimator.intercept_, 9)
        (platt,) = inner.calibrators
        platt.a_, platt.b_ = round(float(platt.a_), 9), round(float(platt.b_), 9)
    return Fitted(pipeline, list(areas))


def sklearn_probabilities(fitted: Fitted, texts: Sequence[str]) -> FloatArray:
    """scikit-learn's calibrated probability of each area (texts × areas)."""
    # inline: threadpoolctl comes with scikit-learn (the optional `train` extra)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return np.asarray(fitted.pipeline.predict_proba(list(texts)), dtype=np.float64)


def to_reader(
    fitted: Fitted, thresholds: Sequence[float], meta: dict[str, object] | None = None
) -> Reader:
    """The numbers of a fitted pipeline as an engine :class:`Reader`."""
    blocks = []
    for name, vectorizer in fitted.pipeline.named_steps["features"].transformer_list:
        vocabulary = [str(t) for t in vectorizer.get_feature_names_out()]
        assert all(vectorizer.vocabulary_[t] == i for i, t in enumerate(vocabulary))
        blocks.append(TermBlock(name, vocabulary, np.asarray(vectorizer.idf_, dtype=np.float64)))
    coef, intercept, a, b = [], [], [], []
    for calibrated in fitted.pipeline.named_steps["areas"].estimators_:
        (inner,) = calibrated.calibrated_classifiers_
        coef.append(np.asarray(inner.estimator.coef_[0], dtype=np.float64))
        intercept.append(float(inner.estimator.intercept_[0]))
        (platt,) = inner.calibrators
        a.append(float(platt.a_))
        b.append(float(platt.b_))
    return Reader(
        areas=list(fitted.areas),
        blocks=blocks,
        coef=np.vstack(coef),
        intercept=np.array(intercept),
        platt_a=np.array(a),
        platt_b=np.array(b),
        thresholds=np.asarray(thresholds, dtype=np.float64),
        max_ticks=MAX_TICKS,
        meta=dict(meta or {}),
    )


def out_of_fold(
    pool: Sequence[Example],
    always: Sequence[Example],
    areas: Sequence[str],
    seed: int = SEED,
    c: float = C,
    folds: int = 5,
) -> FloatArray:
    """Calibrated probabilities of each ``pool`` example from a fit that did not see it
    (seeded ``folds``-fold split of ``pool``; ``always`` is in every training part)."""
    # inline: scikit-learn is the optional `train` extra: imported only when training
    from sklearn.model_selection import KFold

    out = np.zeros((len(pool), len(areas)))
    for train_idx, held_idx in KFold(folds, shuffle=True, random_state=seed).split(pool):
        fitted = fit([pool[i] for i in train_idx] + list(always), areas, seed, c)
        out[held_idx] = sklearn_probabilities(fitted, [pool[i].text for i in held_idx])
    return out


def choose_thresholds(
    probs: FloatArray, gold: Sequence[frozenset[str]], areas: Sequence[str]
) -> list[float]:
    """Per-area threshold that maximises its F1 on out-of-fold probabilities (grid
    :data:`GRID`, lowest on ties); thin areas take the pooled best (module docstring)."""
    y = np.array([[a in g for a in areas] for g in gold], dtype=bool)

    def f1(tp: int, fp: int, fn: int) -> float:
        return 2 * tp / (2 * tp + fp + fn) if tp else 0.0

    def counts(col: Any, truth: Any, t: float) -> tuple[int, int, int]:
        tick = col >= t
        return (int(np.sum(tick & truth)), int(np.sum(tick & ~truth)), int(np.sum(~tick & truth)))

    pooled_scores = [
        f1(*np.sum([counts(probs[:, j], y[:, j], t) for j in range(len(areas))], axis=0))
        for t in GRID
    ]
    pooled = float(GRID[int(np.argmax(pooled_scores))])
    thresholds = []
    for j in range(len(areas)):
        if y[:, j].sum() < MIN_POSITIVES:
            thresholds.append(pooled)
            continue
        scores = [f1(*counts(probs[:, j], y[:, j], t)) for t in GRID]
        thresholds.append(float(GRID[int(np.argmax(scores))]))
    return thresholds


def ticks(probs: FloatArray, thresholds: Sequence[float], areas: Sequence[str]) -> list[set[str]]:
    """The engine's tick rule applied to a matrix of probabilities."""
    out = []
    for row in probs:
        order = np.argsort(-row, kind="stable")
        out.append({areas[i] for i in [i for i in order if row[i] >= thresholds[i]][:MAX_TICKS]})
    return out


SPLIT_FILE = "20200325_counsel_chat.csv"
MULTI_FILE = "counselchat-data.csv"


def load_counselchat(folder: Path) -> tuple[list[Example], dict[str, object]]:
    """CounselChat questions with their split (module docstring), and provenance figures.

    Questions of the split file keep its ``split``; their labels are the split file's topics
    plus the multi-label file's topics of the question with the same title. Questions found
    only in the multi-label file join ``train`` (split ``"extra"``), unless their title or the
    first 80 characters of their text match a question of the split file.
    """
    csv.field_size_limit(sys.maxsize)  # a few answers are longer than csv's default limit
    split_path, multi_path = folder / SPLIT_FILE, folder / MULTI_FILE
    with multi_path.open(encoding="utf-8", newline="") as fh:
        multi = list(csv.DictReader(fh))
    extra_labels: dict[str, set[str]] = {}
    for row in multi:
        topics = {t.strip() for t in row["topics"].split(",") if t.strip()}
        extra_labels.setdefault(title_key(row["questionTitle"]), set()).update(topics)
    with split_path.open(encoding="utf-8", newline="") as fh:
        split_rows = list(csv.DictReader(fh))
    examples = examples_from_rows(split_rows, extra_labels)

    def start(text: str) -> str:
        return title_key(text)[:80]

    known_titles = {title_key(r["questionTitle"]) for r in split_rows}
    known_starts = {start(r["questionText"]) for r in split_rows if start(r["questionText"])}
    seen: set[str] = set()
    for row in multi:
        key = title_key(row["questionTitle"])
        body = row["questionText"].strip()
        if key in known_titles or key in seen or (start(body) and start(body) in known_starts):
            continue
        seen.add(key)
        areas = {
            TOPIC_TO_AREA[topic_slug(t)]
            for t in extra_labels[key]
            if topic_slug(t) in TOPIC_TO_AREA
        }
        if areas:
            text = f"{row['questionTitle'].strip()}. {body}"
            examples.append(Example(f"extra-{row['questionID']}", text, frozenset(areas), "extra"))
    provenance: dict[str, object] = {
        "dataset": "CounselChat (nbertagnolli/counsel-chat, MIT licence; Bertagnolli 2020), "
        f"data/{SPLIT_FILE} and data/{MULTI_FILE} at commit e202e19c",
        "sha256": {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (split_path, multi_path)
        },
    }
    return examples, provenance


def split_file_examples(folder: Path) -> list[Example]:
    """The split file's questions with its own topic labels only (no multi-label enrichment):
    the gold labels behind the figure of the earlier single-label reader."""
    csv.field_size_limit(sys.maxsize)
    with (folder / SPLIT_FILE).open(encoding="utf-8", newline="") as fh:
        return examples_from_rows(csv.DictReader(fh))


def figures(reader: Reader, examples: Sequence[Example]) -> dict[str, object]:
    """Macro- and micro-F1, per-area recall and support of the reader's ticks."""
    ticked = [{a for a, _ in reader.suggest(e.text)} for e in examples]
    m = evaluate([e.areas for e in examples], ticked)
    return {
        "n": m.n,
        "macro_f1": round(m.macro_f1, 4),
        "micro_f1": round(m.micro_f1, 4),
        "nothing_ticked": round(m.nothing_ticked, 4),
        "recall": {a: round(v, 3) for a, v in m.recall.items()},
        "support": m.support,
    }


def reliability(
    probs: FloatArray, gold: Sequence[frozenset[str]], areas: Sequence[str], bins: int = 5
) -> dict[str, object]:
    """How calibrated the probabilities are, all areas pooled: the Brier score and, per
    probability bin, the mean predicted probability beside the share of questions that truly
    have the area (calibrated: the two agree)."""
    y = np.array([[a in g for a in areas] for g in gold], dtype=np.float64).ravel()
    p = probs.ravel()
    rows = []
    edges = np.linspace(0.0, 1.0, bins + 1)
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        inside = (p >= lo) & ((p < hi) if hi < 1.0 else (p <= hi))
        if inside.any():
            rows.append(
                {
                    "bin": f"{lo:.1f}-{hi:.1f}",
                    "n": int(inside.sum()),
                    "mean_p": round(float(p[inside].mean()), 3),
                    "observed": round(float(y[inside].mean()), 3),
                }
            )
    return {"brier": round(float(np.mean((p - y) ** 2)), 4), "bins": rows}
