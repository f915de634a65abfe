"""The shipped vocabulary: modalities with their plain-language explainers, and problem areas.

Missing entries are added after every migrate; entries a practice has edited are left alone.
"""

from __future__ import annotations

import json
from pathlib import Path

from attune.practice.models import Modality, ProblemArea

DATA_DIR = Path(__file__).resolve().parent / "data"


def sync_vocabulary() -> None:
    for entry in json.loads((DATA_DIR / "modalities.json").read_text(encoding="utf-8")):
        Modality.objects.get_or_create(
            slug=entry["slug"],
            defaults={
                "name": entry["name"],
                "summary": entry["summary"],
                "explainer": entry["explainer"],
                "sources": entry["sources"],
            },
        )
    for entry in json.loads((DATA_DIR / "problem_areas.json").read_text(encoding="utf-8")):
        ProblemArea.objects.get_or_create(
            slug=entry["slug"],
            defaults={"name": entry["name"], "description": entry["description"]},
        )
