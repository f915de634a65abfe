"""Reading a prospective client's own words: which problem areas do they describe?

The *reader* suggests problem areas for "Find my match". It is multi-label (one text can speak
of sleep *and* drinking), gives each area a calibrated probability, and ticks an area only when
that probability reaches the area's own threshold: when it is unsure it ticks nothing and the
person is asked to tick what fits. It only *suggests*; the person sees the ticks and changes
them; nothing clinical is decided from it.

The model is fitted with scikit-learn at training time (``attune train-classifier``,
:mod:`attune.matching.training`) and shipped as JSON; this module scores it with numpy alone,
so the app needs no scikit-learn at run time. The scoring reproduces scikit-learn's
``predict_proba`` exactly (``tests/test_reader_sklearn_parity.py``, to 1e-9):

1. **Features** — two TF-IDF blocks (scikit-learn's ``TfidfVectorizer`` with the analyzers
   below, ``sublinear_tf=True``, smoothed IDF, each block L2-normalised, then concatenated;
   Salton & Buckley 1988): :func:`word_terms` (word unigrams without function words, plus
   pairs of consecutive kept words) and :func:`char_terms` (character 3- to 5-grams inside
   each word padded with a space, which copes with spelling variants: "drink", "drinking",
   "drunk"). A term's value is ``(1 + ln count) · idf``.
2. **One-vs-rest logistic regression** per area (L2 penalty, balanced class weights):
   ``f = x · w + b``.
3. **Platt scaling** (Platt 1999; scikit-learn's ``CalibratedClassifierCV(method="sigmoid",
   ensemble=False)``): ``p = 1 / (1 + exp(A·f + B))``, with ``A`` and ``B`` fitted on
   cross-validated decision values, so ``p`` is a calibrated probability of the area.
4. **Ticks** — the areas whose ``p`` reaches their threshold (chosen on held-out parts of the
   training split, never on the test split), best first, at most ``max_ticks``. A text with
   no known term ticks nothing.

Training data: CounselChat (``nbertagnolli/counsel-chat``, MIT licence; Bertagnolli 2020),
questions people asked on counselchat.com, with the dataset's own question-level ``split``
column (train / val / test). The site's topics are mapped onto Attune's problem areas by
:data:`TOPIC_TO_AREA`; topics without a clear counterpart are dropped (:data:`DROPPED_TOPICS`).
Attune's ``ocd`` has no CounselChat topic, so the reader never ticks it.

No Django import: this is part of :mod:`attune.engine`.
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
    "FORMAT",
    "TOPIC_TO_AREA",
    "Example",
    "Metrics",
    "Reader",
    "TermBlock",
    "char_terms",
    "evaluate",
    "examples_from_rows",
    "topic_slug",
    "word_terms",
]

FloatArray = NDArray[np.float64]

#: The JSON format of the shipped model.
FORMAT: Final = "attune-reader/2"

#: CounselChat topic slug → Attune problem-area slug. Several site topics fold into one area;
#: the comments give the reason where it is not obvious. Slugs are those of
#: ``20200325_counsel_chat.csv``; the labels of ``counselchat-data.csv`` ("Grief and Loss",
#: "Legal & Regulatory") become the same slugs through :func:`topic_slug`.
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
    "career-counseling": "identity",  # Attune's area is "identity and life direction"
}

#: Topics with no clear Attune problem area: never a label (a question with only these is not
#: used at all).
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
        "diagnosis",
        "alzheimer-s",
        "self-harm",  # too serious to fold into another area; the crisis box covers it
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


def topic_slug(label: str) -> str:
    """``"Grief and Loss"`` → ``"grief-and-loss"``; ``"Legal & Regulatory"`` →
    ``"legal-regulatory"``; a slug stays itself."""
    return "-".join(re.findall(r"[a-z0-9]+", label.lower()))


def _words(text: str) -> list[str]:
    lowered = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return [w.strip("'") for w in _WORD.findall(lowered)]


def word_terms(text: str) -> list[str]:
    """Word unigrams (lower-cased, function words and single letters removed) and the pairs of
    consecutive kept words, joined by a space."""
    kept = [w for w in _words(text) if w and w not in _STOP and len(w) > 1]
    return kept + [f"{a} {b}" for a, b in zip(kept, kept[1:], strict=False)]


def char_terms(text: str) -> list[str]:
    """Character 3- to 5-grams inside each word, the word padded with a space on both sides
    (``"sleep"`` → ``" sl"``, ``"sle"``, …, ``"ep "``, ``" sle"``, …)."""
    out: list[str] = []
    for word in _words(text):
        if not word:
            continue
        padded = f" {word} "
        for n in (3, 4, 5):
            out.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return out


_ANALYZERS: Final = {"words": word_terms, "chars": char_terms}


@dataclass(frozen=True)
class Example:
    """One question: its title + text, the problem areas it was filed under, and its split."""

    question_id: str
    text: str
    areas: frozenset[str]
    split: str


def examples_from_rows(
    rows: Iterable[Mapping[str, str]], extra_labels: Mapping[str, Iterable[str]] | None = None
) -> list[Example]:
    """Question-level examples from CounselChat answer rows (``20200325_counsel_chat.csv``).

    Answers of one question collapse to one example; a question filed under two topics gets
    both areas. ``extra_labels`` maps a normalised question title (:func:`title_key`) to more
    topic labels for it (from the multi-label ``counselchat-data.csv``). Unmappable topics are
    dropped, and so is a question left with no area. Ordered by question id (as a number): the
    result is deterministic.
    """
    extra = extra_labels or {}
    texts: dict[str, tuple[str, str, str]] = {}
    areas: dict[str, set[str]] = {}
    for row in rows:
        qid = row["questionID"].strip()
        title = row["questionTitle"].strip()
        text = f"{title}. {row['questionText'].strip()}"
        texts.setdefault(qid, (text, row["split"].strip(), title))
        topics = [row["topic"], *extra.get(title_key(title), ())]
        for topic in topics:
            area = TOPIC_TO_AREA.get(topic_slug(topic))
            if area is not None:
                areas.setdefault(qid, set()).add(area)

    def order(qid: str) -> tuple[int, str]:
        return (int(qid) if qid.isdigit() else -1, qid)

    return [
        Example(qid, texts[qid][0], frozenset(areas[qid]), texts[qid][1])
        for qid in sorted(areas, key=order)
    ]


def title_key(title: str) -> str:
    """A question title reduced to lower-case words, to find one question in both files."""
    return " ".join(re.findall(r"[a-z0-9]+", title.lower()))


@dataclass(frozen=True)
class TermBlock:
    """One TF-IDF block: its analyzer's name, vocabulary (in column order) and IDF."""

    name: str
    vocabulary: list[str]
    idf: FloatArray
    index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.name not in _ANALYZERS:
            raise ValueError(f"unknown analyzer {self.name!r}")
        object.__setattr__(self, "index", {t: i for i, t in enumerate(self.vocabulary)})

    def features(self, texts: Sequence[str]) -> FloatArray:
        """``(1 + ln count) · idf`` per known term, each row L2-normalised (all-zero rows stay
        zero)."""
        analyzer = _ANALYZERS[self.name]
        x = np.zeros((len(texts), len(self.vocabulary)), dtype=np.float64)
        for row, text in enumerate(texts):
            counts = Counter(t for t in analyzer(text) if t in self.index)
            for term, count in counts.items():
                x[row, self.index[term]] = 1.0 + math.log(count)
        x *= self.idf
        norms = np.sqrt(np.einsum("ij,ij->i", x, x))[:, None]
        out: FloatArray = np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)
        return out

    def known(self, text: str) -> int:
        return sum(1 for t in _ANALYZERS[self.name](text) if t in self.index)


@dataclass
class Reader:
    """A fitted multi-label reader: TF-IDF blocks, one-vs-rest logistic regression, Platt
    calibration and a threshold per area."""

    areas: list[str]
    blocks: list[TermBlock]
    coef: FloatArray  # (areas, features)
    intercept: FloatArray  # (areas,)
    platt_a: FloatArray  # (areas,)
    platt_b: FloatArray  # (areas,)
    thresholds: FloatArray  # (areas,)
    max_ticks: int = 3
    meta: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n_features = sum(len(b.vocabulary) for b in self.blocks)
        n = len(self.areas)
        if self.coef.shape != (n, n_features):
            raise ValueError(f"coef has shape {self.coef.shape}, expected {(n, n_features)}")
        for name in ("intercept", "platt_a", "platt_b", "thresholds"):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"{name} must have one value per area")

    def features(self, texts: Sequence[str]) -> FloatArray:
        return np.hstack([b.features(texts) for b in self.blocks])

    def decision(self, texts: Sequence[str]) -> FloatArray:
        """Logistic-regression decision values (texts × areas)."""
        return np.asarray(self.features(texts) @ self.coef.T + self.intercept, dtype=np.float64)

    def probabilities(self, texts: Sequence[str]) -> FloatArray:
        """Calibrated probability of each area (texts × areas), in the order of
        :attr:`areas`; each area on its own (they need not sum to 1)."""
        z = self.decision(texts) * self.platt_a + self.platt_b
        # 1 / (1 + e^z), computed without overflow for large |z|.
        return np.asarray(np.exp(-np.logaddexp(0.0, z)), dtype=np.float64)

    def suggest(self, text: str) -> list[tuple[str, float]]:
        """The areas to tick for one text, with their probabilities, best first: those at or
        above their threshold, at most :attr:`max_ticks`. Nothing when unsure, and nothing for
        a text without a single known term."""
        if not any(b.known(text) for b in self.blocks):
            return []
        probs = self.probabilities([text])[0]
        order = np.argsort(-probs, kind="stable")
        picked = [int(i) for i in order if probs[i] >= self.thresholds[i]][: self.max_ticks]
        return [(self.areas[i], float(probs[i])) for i in picked]

    # ------------------------------------------------------------------ persistence
    def to_json(self) -> str:
        payload = {
            "format": FORMAT,
            "areas": self.areas,
            "blocks": [
                {"name": b.name, "vocabulary": b.vocabulary, "idf": b.idf.tolist()}
                for b in self.blocks
            ],
            "coef": self.coef.tolist(),
            "intercept": self.intercept.tolist(),
            "platt_a": self.platt_a.tolist(),
            "platt_b": self.platt_b.tolist(),
            "thresholds": self.thresholds.tolist(),
            "max_ticks": self.max_ticks,
            "meta": self.meta,
        }
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Reader:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError(f"not an Attune reader file: format {data.get('format')!r}")

        def arr(key: str) -> FloatArray:
            return np.asarray(data[key], dtype=np.float64)

        blocks = [
            TermBlock(b["name"], list(b["vocabulary"]), np.asarray(b["idf"], dtype=np.float64))
            for b in data["blocks"]
        ]
        n_features = sum(len(b.vocabulary) for b in blocks)
        return cls(
            areas=list(data["areas"]),
            blocks=blocks,
            coef=arr("coef").reshape(len(data["areas"]), n_features),
            intercept=arr("intercept"),
            platt_a=arr("platt_a"),
            platt_b=arr("platt_b"),
            thresholds=arr("thresholds"),
            max_ticks=int(data["max_ticks"]),
            meta=dict(data.get("meta", {})),
        )

    @classmethod
    def load(cls, path: str | Path) -> Reader:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Metrics:
    """Multi-label figures: per area precision, recall, F1 and support (questions of the
    area), macro-F1 over the areas with support, and how often nothing was ticked."""

    n: int
    macro_f1: float
    micro_f1: float
    precision: dict[str, float]
    recall: dict[str, float]
    f1: dict[str, float]
    support: dict[str, int]
    nothing_ticked: float


def evaluate(gold: Sequence[Iterable[str]], ticked: Sequence[Iterable[str]]) -> Metrics:
    """Per-area and macro-averaged F1 of ticked areas against gold areas.

    Macro-F1 is the unweighted mean of the per-area F1 over the areas that occur in the gold
    labels (an area never ticked has F1 0; an area absent from the gold labels is not
    averaged, since its recall is undefined). With one gold area and one tick per text this is
    the single-label macro-F1 used before.
    """
    if len(gold) != len(ticked) or not gold:
        raise ValueError("gold and ticked must be non-empty and of the same length")
    g = [set(x) for x in gold]
    t = [set(x) for x in ticked]
    areas = sorted(set().union(*g))
    precision: dict[str, float] = {}
    recall: dict[str, float] = {}
    f1: dict[str, float] = {}
    support: dict[str, int] = {}
    tp_all = fp_all = fn_all = 0
    for area in areas:
        tp = sum(1 for a, b in zip(g, t, strict=True) if area in a and area in b)
        fp = sum(1 for a, b in zip(g, t, strict=True) if area not in a and area in b)
        fn = sum(1 for a, b in zip(g, t, strict=True) if area in a and area not in b)
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
        support[area] = tp + fn
        precision[area] = tp / (tp + fp) if tp + fp else 0.0
        recall[area] = tp / (tp + fn)
        f1[area] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    # Ticks of areas absent from the gold labels still count against micro precision.
    fp_all += sum(len(b - set(areas)) for b in t)
    micro = 2 * tp_all / (2 * tp_all + fp_all + fn_all) if tp_all else 0.0
    return Metrics(
        n=len(gold),
        macro_f1=float(np.mean(list(f1.values()))),
        micro_f1=micro,
        precision=precision,
        recall=recall,
        f1=f1,
        support=support,
        nothing_ticked=sum(1 for b in t if not b) / len(t),
    )
