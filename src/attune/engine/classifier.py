"""Reading a prospective client's own words: which problem areas do they describe?

A small, transparent text classifier in numpy: TF-IDF features (word unigrams and bigrams,
sublinear term frequency, smoothed IDF, L2-normalised rows; Salton & Buckley 1988; the
``TfidfVectorizer`` conventions of scikit-learn) and a multinomial logistic regression with an
L2 penalty fitted by full-batch gradient descent with Nesterov momentum from zero weights, so a
fit is deterministic. It only *suggests* problem areas: the person sees the ticks and changes
them; nothing clinical is decided from it.

Training data: CounselChat (``nbertagnolli/counsel-chat``, MIT licence; Bertagnolli 2020),
questions people asked on counselchat.com with the site's single topic label, and the dataset's
own question-level ``split`` column (train / val / test; answers of one question never straddle
splits). The site's topics are mapped onto Attune's problem areas by :data:`TOPIC_TO_AREA`;
topics without a clear counterpart are dropped (:data:`DROPPED_TOPICS`). Attune's ``ocd`` has no
CounselChat topic, so the classifier never suggests it.

The shipped model is a JSON file (vocabulary, IDF, weights, bias, classes, provenance). Loading
it needs no network and no training. No Django import: this is part of :mod:`attune.engine`.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "DROPPED_TOPICS",
    "TOPIC_TO_AREA",
    "Example",
    "Metrics",
    "TextClassifier",
    "TrainConfig",
    "evaluate",
    "examples_from_rows",
    "tokens",
    "train",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: CounselChat topic slug → Attune problem-area slug (question counts in the dataset's README).
#: Several site topics fold into one area; the comments give the reason where it is not obvious.
TOPIC_TO_AREA: Final[Mapping[str, str]] = {
    "depression": "depression",
    "anxiety": "anxiety",
    "trauma": "trauma",
    "domestic-violence": "trauma",  # abuse by a partner: a difficult, often traumatic experience
    "relationships": "relationships",
    "intimacy": "relationships",  # closeness and sex within a couple
    "marriage": "relationships",
    "relationship-dissolution": "relationships",
    "family-conflict": "family",
    "parenting": "family",
    "self-esteem": "self-esteem",
    "stress": "stress-burnout",
    "workplace-relationships": "stress-burnout",  # strain at work
    "anger-management": "anger",
    "substance-abuse": "addiction",
    "addiction": "addiction",
    "grief-and-loss": "grief",
    "sleep-improvement": "sleep",
    "eating-disorders": "eating",
    "lgbtq": "identity",  # sexual and gender identity
}

#: Topics with no clear Attune problem area: not used for training or testing.
DROPPED_TOPICS: Final[frozenset[str]] = frozenset(
    {
        "behavioral-change",
        "social-relationships",
        "spirituality",
        "legal-regulatory",
        "professional-ethics",
        "human-sexuality",
        "children-adolescents",
        "military-issues",
        "counseling-fundamentals",
    }
)

_WORD: Final = re.compile(r"[a-z][a-z']*")
#: A short English stop list (function words only; "not", "no" and "never" are kept).
_STOP: Final[frozenset[str]] = frozenset(
    """
    a an the and or but if of to in on at by for with from as is are was were be been being
    am i me my myself we our you your he him his she her it its they them their this that
    these those there here what which who whom do does did have has had so than too very
    can will just would could should about into over then also
    """.split()  # noqa: SIM905 - a word list reads better as text
)


def tokens(text: str) -> list[str]:
    """Lower-cased word unigrams (stop words removed) and the bigrams of consecutive kept
    words, joined by a space."""
    words = [w.strip("'") for w in _WORD.findall(text.lower())]
    kept = [w for w in words if w and w not in _STOP and len(w) > 1]
    return kept + [f"{a} {b}" for a, b in zip(kept, kept[1:], strict=False)]


@dataclass(frozen=True)
class Example:
    """One training or test example: a question's title + text and its mapped problem area."""

    question_id: str
    text: str
    area: str
    split: str


def examples_from_rows(rows: Iterable[Mapping[str, str]]) -> list[Example]:
    """Question-level examples from CounselChat answer rows (``20200325_counsel_chat.csv``).

    Answers of one question are collapsed to one example per (question, mapped area); the few
    questions filed under two topics give one example per distinct area. Unmappable topics are
    dropped. Ordered by question id (as a number) then area, so the result is deterministic.
    """
    seen: dict[tuple[str, str], Example] = {}
    for row in rows:
        topic = row["topic"].strip()
        area = TOPIC_TO_AREA.get(topic)
        if area is None:
            continue
        qid = row["questionID"].strip()
        text = f"{row['questionTitle'].strip()}. {row['questionText'].strip()}"
        seen.setdefault((qid, area), Example(qid, text, area, row["split"].strip()))

    def order(key: tuple[str, str]) -> tuple[int, str, str]:
        qid, area = key
        return (int(qid) if qid.isdigit() else -1, qid, area)

    return [seen[k] for k in sorted(seen, key=order)]


@dataclass(frozen=True)
class TrainConfig:
    """Training settings.

    Chosen on the ``val`` split after fitting on ``train``: ``l2`` in {1e-4, 3e-4, 1e-3, 3e-3,
    1e-2} × ``min_df`` in {1, 2}, with and without class weights. Validation macro-F1 ranged
    0.28–0.48 and accuracy 0.53–0.62; the defaults gave the best accuracy (0.618) with a
    macro-F1 (0.448) within 0.03 of the best, and class weights raised macro-F1 by 0.17.
    """

    min_df: int = 2  # a term must occur in at least this many training documents
    max_features: int = 6000  # the most frequent terms kept
    l2: float = 1e-3  # L2 penalty on the weights (not the bias), per example
    learning_rate: float = 2.0
    iterations: int = 600
    momentum: float = 0.9
    class_weight: bool = True  # weight examples by 1/class frequency (balanced), for macro-F1


@dataclass
class TextClassifier:
    """A fitted TF-IDF + multinomial logistic regression model."""

    classes: list[str]
    vocabulary: list[str]
    idf: FloatArray
    weights: FloatArray  # (features, classes)
    bias: FloatArray  # (classes,)
    meta: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._index = {term: i for i, term in enumerate(self.vocabulary)}

    # ------------------------------------------------------------------ features
    def features(self, texts: Sequence[str]) -> FloatArray:
        """TF-IDF matrix (documents × terms): (1 + ln tf) · idf, rows L2-normalised."""
        x = np.zeros((len(texts), len(self.vocabulary)), dtype=np.float64)
        for row, text in enumerate(texts):
            counts = Counter(t for t in tokens(text) if t in self._index)
            for term, count in counts.items():
                x[row, self._index[term]] = 1.0 + math.log(count)
        x *= self.idf
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        out: FloatArray = np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)
        return out

    def probabilities(self, texts: Sequence[str]) -> FloatArray:
        """Softmax probabilities (documents × classes), in the order of :attr:`classes`."""
        return _softmax(self.features(texts) @ self.weights + self.bias)

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The most probable problem area of each text (ties: the first class)."""
        probs = self.probabilities(texts)
        return [self.classes[i] for i in np.argmax(probs, axis=1)]

    def suggest(
        self, text: str, threshold: float = 0.25, max_areas: int = 3, min_terms: int = 1
    ) -> list[tuple[str, float]]:
        """Problem areas to pre-tick for one text, with their probabilities, best first.

        The most probable area, plus every other area whose probability is at least
        ``threshold`` (at most ``max_areas`` in all). A text with fewer than ``min_terms``
        known terms suggests nothing: the classifier does not guess from nothing.
        """
        known = sum(1 for t in tokens(text) if t in self._index)
        if known < min_terms:
            return []
        probs = self.probabilities([text])[0]
        order = np.argsort(-probs, kind="stable")
        picked = [order[0]] + [i for i in order[1:max_areas] if probs[i] >= threshold]
        return [(self.classes[i], float(probs[i])) for i in picked]

    # ------------------------------------------------------------------ persistence
    def to_json(self, decimals: int = 5) -> str:
        payload = {
            "format": "attune-tfidf-logreg/1",
            "classes": self.classes,
            "vocabulary": self.vocabulary,
            "idf": [round(float(v), decimals) for v in self.idf],
            "weights": [[round(float(v), decimals) for v in row] for row in self.weights],
            "bias": [round(float(v), decimals) for v in self.bias],
            "meta": self.meta,
        }
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TextClassifier:
        data = json.loads(text)
        if data.get("format") != "attune-tfidf-logreg/1":
            raise ValueError(f"not an Attune classifier file: format {data.get('format')!r}")
        return cls(
            classes=list(data["classes"]),
            vocabulary=list(data["vocabulary"]),
            idf=np.asarray(data["idf"], dtype=np.float64),
            weights=np.asarray(data["weights"], dtype=np.float64).reshape(
                len(data["vocabulary"]), len(data["classes"])
            ),
            bias=np.asarray(data["bias"], dtype=np.float64),
            meta=dict(data.get("meta", {})),
        )

    @classmethod
    def load(cls, path: str | Path) -> TextClassifier:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))


def _softmax(z: FloatArray) -> FloatArray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True), dtype=np.float64)


def _vocabulary(texts: Sequence[str], config: TrainConfig) -> tuple[list[str], FloatArray]:
    df: Counter[str] = Counter()
    for text in texts:
        df.update(set(tokens(text)))
    terms = [t for t, c in df.items() if c >= config.min_df]
    # Most frequent first, ties alphabetical: deterministic.
    terms.sort(key=lambda t: (-df[t], t))
    terms = sorted(terms[: config.max_features])
    n = len(texts)
    idf = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in terms], dtype=np.float64)
    return terms, idf


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    config: TrainConfig = TrainConfig(),
    meta: Mapping[str, object] | None = None,
) -> TextClassifier:
    """Fit the vocabulary, IDF and a multinomial logistic regression (deterministic).

    Loss: mean weighted cross-entropy + ``l2``/2 · ‖W‖²; gradient descent with Nesterov momentum
    (Sutskever et al. 2013) from zero weights, a fixed number of iterations.
    """
    if len(texts) != len(labels) or not texts:
        raise ValueError("texts and labels must be non-empty and of the same length")
    classes = sorted(set(labels))
    vocabulary, idf = _vocabulary(texts, config)
    model = TextClassifier(
        classes, vocabulary, idf, np.zeros((len(vocabulary), len(classes))), np.zeros(len(classes))
    )
    x = model.features(texts)
    y_idx = np.array([classes.index(label) for label in labels], dtype=np.int64)
    y = np.zeros((len(texts), len(classes)))
    y[np.arange(len(texts)), y_idx] = 1.0
    if config.class_weight:
        counts = np.bincount(y_idx, minlength=len(classes)).astype(np.float64)
        sample_w = (len(texts) / (len(classes) * counts))[y_idx]
    else:
        sample_w = np.ones(len(texts))
    sample_w = sample_w / sample_w.sum()
    w = np.zeros((x.shape[1], len(classes)))
    b = np.zeros(len(classes))
    vw, vb = np.zeros_like(w), np.zeros_like(b)
    for _ in range(config.iterations):
        wl, bl = w + config.momentum * vw, b + config.momentum * vb  # look-ahead
        p = _softmax(x @ wl + bl)
        err = (p - y) * sample_w[:, None]
        gw = x.T @ err + config.l2 * wl
        gb = err.sum(axis=0)
        vw = config.momentum * vw - config.learning_rate * gw
        vb = config.momentum * vb - config.learning_rate * gb
        w, b = w + vw, b + vb
    model.weights, model.bias = w, b
    model.meta = dict(meta or {})
    return model


@dataclass(frozen=True)
class Metrics:
    """Accuracy and macro-F1 of predictions against gold labels."""

    n: int
    accuracy: float
    macro_f1: float
    per_class_f1: dict[str, float]


def evaluate(gold: Sequence[str], predicted: Sequence[str]) -> Metrics:
    """Accuracy and macro-F1 (unweighted mean of per-class F1 over the classes present in the
    gold labels; a class never predicted has F1 0)."""
    if len(gold) != len(predicted) or not gold:
        raise ValueError("gold and predicted must be non-empty and of the same length")
    g = np.asarray(gold)
    p = np.asarray(predicted)
    per: dict[str, float] = {}
    for c in sorted(set(gold)):
        tp = float(np.sum((g == c) & (p == c)))
        fp = float(np.sum((g != c) & (p == c)))
        fn = float(np.sum((g == c) & (p != c)))
        per[c] = 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)
    return Metrics(
        n=len(gold),
        accuracy=float(np.mean(g == p)),
        macro_f1=float(np.mean(list(per.values()))),
        per_class_f1=per,
    )
