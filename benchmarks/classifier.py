"""Accuracy of the shipped problem-area classifier on CounselChat's test split.

    python benchmarks/classifier.py [--data PATH] [--model PATH] [--json]

Loads ``src/attune/matching/data/problem_area_classifier.json`` (written by
``attune train-classifier``; fitted on the train + val splits) and reports accuracy and
macro-F1 on the dataset's own question-level ``test`` split, beside the majority-class
baseline (always the most frequent area of the training questions). Also reports the same
figures on ``val`` (used to choose the settings, so optimistic) for context.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from attune.engine.classifier import TextClassifier, evaluate, examples_from_rows  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared/datasets/counsel-chat/20200325_counsel_chat.csv"
DEFAULT_MODEL = ROOT / "src/attune/matching/data/problem_area_classifier.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    model = TextClassifier.load(args.model)
    with args.data.open(encoding="utf-8", newline="") as fh:
        examples = examples_from_rows(csv.DictReader(fh))
    train = [e for e in examples if e.split == "train"]
    majority = Counter(e.area for e in train).most_common(1)[0][0]
    result: dict[str, object] = {"model": str(args.model.name), "majority_class": majority}
    for split in ("test", "val"):
        rows = [e for e in examples if e.split == split]
        gold = [e.area for e in rows]
        ours = evaluate(gold, model.predict([e.text for e in rows]))
        base = evaluate(gold, [majority] * len(rows))
        result[split] = {
            "n": ours.n,
            "accuracy": round(ours.accuracy, 4),
            "macro_f1": round(ours.macro_f1, 4),
            "baseline_accuracy": round(base.accuracy, 4),
            "baseline_macro_f1": round(base.macro_f1, 4),
            "per_class_f1": {k: round(v, 3) for k, v in ours.per_class_f1.items()},
        }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"problem-area classifier ({args.model.name}); majority class: {majority}")
    print(f"{'split':<6} {'n':>4} {'accuracy':>9} {'macro-F1':>9} {'base acc':>9} {'base F1':>8}")
    for split in ("test", "val"):
        r = result[split]
        assert isinstance(r, dict)
        print(
            f"{split:<6} {r['n']:>4} {r['accuracy']:>9.3f} {r['macro_f1']:>9.3f} "
            f"{r['baseline_accuracy']:>9.3f} {r['baseline_macro_f1']:>8.3f}"
        )
    print("(val chose the settings and is part of the training data of the shipped model)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
