"""The shipped problem-area reader on CounselChat's test split, beside the earlier reader.

    python benchmarks/classifier.py [--data DIR] [--model PATH] [--json]
        [--legacy-code PATH --legacy-model PATH]

Loads ``src/attune/matching/data/problem_area_classifier.json`` (written by
``attune train-classifier``) and reports, on the dataset's own question-level ``test`` split
(39 questions, never used in training or for the thresholds), the macro-F1, micro-F1, the share
of questions with nothing ticked and the recall per area, for two sets of gold labels:

* ``split-file labels`` — the topics of ``20200325_counsel_chat.csv`` (what the earlier
  single-label figure, 0.521, was measured against);
* ``multi-label`` — those topics plus the multi-label file's topics of the same question.

With ``--legacy-code`` and ``--legacy-model`` (the earlier ``attune/engine/classifier.py`` and
its JSON, e.g. from ``git show 3c012dc:…``) the earlier single-label reader is scored with the
same metric (its single most probable area as the tick set), so the comparison is fair.
Needs no scikit-learn.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from attune.engine.classifier import Reader, evaluate  # noqa: E402
from attune.matching.training import load_counselchat, split_file_examples  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared/datasets/counsel-chat"
DEFAULT_MODEL = ROOT / "src/attune/matching/data/problem_area_classifier.json"


def _legacy(code: Path, model: Path) -> Any:
    spec = importlib.util.spec_from_file_location("attune_legacy_classifier", code)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.TextClassifier.load(model)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--legacy-code", type=Path)
    parser.add_argument("--legacy-model", type=Path)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    reader = Reader.load(args.model)
    multi = [e for e in load_counselchat(args.data)[0] if e.split == "test"]
    own = [e for e in split_file_examples(args.data) if e.split == "test"]
    readers: dict[str, Any] = {"reader": lambda t: {a for a, _ in reader.suggest(t)}}
    if args.legacy_code and args.legacy_model:
        legacy = _legacy(args.legacy_code, args.legacy_model)
        readers["earlier"] = lambda t: {legacy.predict([t])[0]}
    result: dict[str, Any] = {}
    for gold_name, examples in (("split-file labels", own), ("multi-label", multi)):
        for name, tick in readers.items():
            m = evaluate([e.areas for e in examples], [tick(e.text) for e in examples])
            result[f"{name}, {gold_name}"] = {
                "n": m.n,
                "macro_f1": round(m.macro_f1, 3),
                "micro_f1": round(m.micro_f1, 3),
                "nothing_ticked": round(m.nothing_ticked, 3),
                "recall": {a: round(v, 2) for a, v in m.recall.items()},
                "support": m.support,
            }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"problem-area reader ({args.model.name}) on CounselChat's test split")
    print(f"{'':<36} {'n':>3} {'macro-F1':>8} {'micro-F1':>8} {'none':>5}")
    for key, r in result.items():
        print(
            f"{key:<36} {r['n']:>3} {r['macro_f1']:>8.3f} {r['micro_f1']:>8.3f} "
            f"{r['nothing_ticked']:>5.2f}"
        )
    for key, r in result.items():
        recall = ", ".join(f"{a} {v:.2f} ({r['support'][a]})" for a, v in r["recall"].items())
        print(f"recall (support), {key}: {recall}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
