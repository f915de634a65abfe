"""``attune evaluate``: re-evaluate every active episode and update its alerts (cron-friendly)."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand

from attune.alerts.evaluation import evaluate_practice


class Command(BaseCommand):
    help = "Re-evaluate every active episode with the clinical engine and update its alerts."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        result = evaluate_practice()
        kinds = Counter(signal.kind for signal in result.signals)
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Evaluated {result.episodes} active episodes in {seconds:.1f} s: "
            f"{len(result.signals)} signals, {len(result.alerts)} alerts opened or updated."
        )
        for kind, count in sorted(kinds.items()):
            self.stdout.write(f"  {kind:<24} {count}")
