"""``attune train-classifier``: fit the problem-area classifier on CounselChat and write the
shipped model file.

Deterministic: the dataset's own question-level split (train / val / test); the settings in
``TrainConfig`` were chosen on ``val``; the shipped model is fitted on train + val from zero
weights with a fixed number of iterations, and the test split is left for
``benchmarks/classifier.py``.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from attune.engine.classifier import (
    DROPPED_TOPICS,
    TOPIC_TO_AREA,
    TrainConfig,
    evaluate,
    examples_from_rows,
    train,
)
from attune.matching.reading import MODEL_PATH

# The shared datasets sit beside the checkout (run from the repository root, as `make` does).
DEFAULT_DATA = Path("../shared/datasets/counsel-chat/20200325_counsel_chat.csv")


class Command(BaseCommand):
    help = "Train the problem-area classifier on CounselChat and write the shipped model file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
        parser.add_argument("--out", type=Path, default=MODEL_PATH)

    def handle(self, *args: Any, **options: Any) -> None:
        data: Path = options["data"]
        out: Path = options["out"]
        raw = data.read_bytes()
        with data.open(encoding="utf-8", newline="") as fh:
            examples = examples_from_rows(csv.DictReader(fh))
        fit_on = [e for e in examples if e.split in ("train", "val")]
        test = [e for e in examples if e.split == "test"]
        config = TrainConfig()
        model = train(
            [e.text for e in fit_on],
            [e.area for e in fit_on],
            config,
            meta={
                "dataset": "CounselChat (nbertagnolli/counsel-chat, MIT licence; Bertagnolli "
                "2020), data/20200325_counsel_chat.csv at commit e202e19c",
                "dataset_sha256": hashlib.sha256(raw).hexdigest(),
                "trained_on": "split in (train, val)",
                "n_train": len(fit_on),
                "n_test": len(test),
                "config": config.__dict__,
                "topic_to_area": dict(TOPIC_TO_AREA),
                "dropped_topics": sorted(DROPPED_TOPICS),
                "licence": "The training data is under the MIT License, Copyright (c) 2020 "
                "nbertagnolli: Permission is hereby granted, free of charge, to any person "
                "obtaining a copy of this software and associated documentation files (the "
                '"Software"), to deal in the Software without restriction [...]. The above '
                "copyright notice and this permission notice shall be included in all copies "
                'or substantial portions of the Software. THE SOFTWARE IS PROVIDED "AS IS", '
                "WITHOUT WARRANTY OF ANY KIND.",
                "note": "Weights, IDF and a vocabulary of single words and word pairs only; no "
                "question or answer text is stored in this file.",
            },
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(model.to_json(), encoding="utf-8")
        metrics = evaluate([e.area for e in test], model.predict([e.text for e in test]))
        self.stdout.write(
            f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB): {len(model.vocabulary)} terms, "
            f"{len(model.classes)} areas, trained on {len(fit_on)} questions; test "
            f"n={metrics.n} accuracy {metrics.accuracy:.3f} macro-F1 {metrics.macro_f1:.3f}"
        )
