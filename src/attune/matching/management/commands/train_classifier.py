"""``attune train-classifier``: fit the problem-area reader on CounselChat with scikit-learn
and write the shipped model file (which the app scores in numpy).

Needs the training extra (``pip install -e '.[train]'``; ``make install-dev`` has it).
Reproducible: fixed seeds, the dataset's own question-level split; the thresholds come from
out-of-fold predictions on the train + val questions; the test split is only reported. The
recipe is in :mod:`attune.matching.training`; the figures go into ``docs/matching.md``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from attune.engine.classifier import DROPPED_TOPICS, TOPIC_TO_AREA, evaluate
from attune.matching import training
from attune.matching.reading import MODEL_PATH

# The shared datasets sit beside the checkout (run from the repository root, as `make` does).
DEFAULT_DATA = Path("../shared/datasets/counsel-chat")

LICENCE = (
    "The training data is under the MIT License, Copyright (c) 2020 nbertagnolli: Permission is "
    "hereby granted, free of charge, to any person obtaining a copy of this software and "
    'associated documentation files (the "Software"), to deal in the Software without '
    "restriction [...]. The above copyright notice and this permission notice shall be included "
    'in all copies or substantial portions of the Software. THE SOFTWARE IS PROVIDED "AS IS", '
    "WITHOUT WARRANTY OF ANY KIND."
)


class Command(BaseCommand):
    help = "Train the problem-area reader on CounselChat and write the shipped model file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="CounselChat folder")
        parser.add_argument("--out", type=Path, default=MODEL_PATH)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            # inline: scikit-learn is the optional `train` extra: checked here for a clear message
            import sklearn
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise CommandError(
                "scikit-learn is a training extra: pip install -e '.[train]'"
            ) from exc
        data: Path = options["data"]
        out: Path = options["out"]
        if not (data / training.SPLIT_FILE).is_file():
            raise CommandError(f"no CounselChat data in {data} (see --data)")
        examples, provenance = training.load_counselchat(data)
        areas = sorted({a for e in examples for a in e.areas})
        pool = [e for e in examples if e.split in ("train", "val")]
        extra = [e for e in examples if e.split == "extra"]
        seeds = training.seed_examples()
        test = [e for e in examples if e.split == "test"]

        self.stdout.write(f"out-of-fold fits on {len(pool)} train + val questions ...")
        oof = training.out_of_fold(pool, extra + seeds, areas)
        thresholds = training.choose_thresholds(oof, [e.areas for e in pool], areas)
        oof_metrics = evaluate([e.areas for e in pool], training.ticks(oof, thresholds, areas))
        calibration = training.reliability(oof, [e.areas for e in pool], areas)
        self.stdout.write("final fit ...")
        fitted = training.fit(pool + extra + seeds, areas)
        meta: dict[str, object] = {
            **provenance,
            "licence": LICENCE,
            "trained_on": "CounselChat split in (train, val), questions found only in the "
            "multi-label file, and the hand-written seed sentences (reader_seed.json)",
            "n_questions": {"train_val": len(pool), "extra": len(extra), "test": len(test)},
            "n_seed_sentences": len(seeds),
            "seed_file_sha256": hashlib.sha256(training.SEED_PATH.read_bytes()).hexdigest(),
            "scikit_learn": sklearn.__version__,
            "random_state": training.SEED,
            "C": training.C,
            "thresholds_from": "per-area best F1 on 5-fold out-of-fold calibrated probabilities "
            f"of the train + val questions, at least {training.MIN_THRESHOLD}",
            "out_of_fold_macro_f1": round(oof_metrics.macro_f1, 4),
            "out_of_fold_calibration": calibration,
            "topic_to_area": dict(TOPIC_TO_AREA),
            "dropped_topics": sorted(DROPPED_TOPICS),
            "note": "IDF, weights, calibration and a vocabulary of words, word pairs and "
            "character n-grams only; no question or answer text is stored in this file.",
        }
        reader = training.to_reader(fitted, thresholds, meta)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(reader.to_json(), encoding="utf-8")
        own = [e for e in training.split_file_examples(data) if e.split == "test"]
        report = {
            "test_multilabel": training.figures(reader, test),
            "test_split_file_labels": training.figures(reader, own),
            "out_of_fold_macro_f1": round(oof_metrics.macro_f1, 4),
            "out_of_fold_calibration": calibration,
            "thresholds": dict(zip(areas, thresholds, strict=True)),
        }
        self.stdout.write(json.dumps(report, indent=1))
        self.stdout.write(
            f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB): "
            f"{sum(len(b.vocabulary) for b in reader.blocks)} features, {len(areas)} areas"
        )
