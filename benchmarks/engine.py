"""Engine throughput, memory and single-episode latency on simulated episodes.

    python benchmarks/engine.py --episodes 100000 [--json]

Builds an ``EpisodeBatch`` of N simulated episodes of up to 20 sessions
(``attune.simulation.to_batch.simulate_batch``: attendance, PHQ-9, GAD-7, item 9, alliance,
rupture, resolved, stopping, modality mix), then measures

* ``seconds``: wall time of one ``evaluate(batch)`` — every signal — over the whole batch;
* ``peak_mb``: the process's peak resident memory (``ru_maxrss``) at the end of that call,
  i.e. the simulated input plus everything the evaluation allocated;
* ``single_p50_ms`` / ``single_p95_ms``: latency of ``evaluate(batch.row(i))`` over
  ``--single`` (>= 500) episodes spread over the batch;
* ``cpu_seconds``: processor time of that one call (less sensitive than ``seconds`` to other
  jobs on a shared machine);
* with ``--sha``, ``sha256``: ``attune.engine.signals.fingerprint`` of the signals, to prove
  that a faster engine gives exactly the same output (issue 13).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from attune.engine.evaluate import evaluate  # noqa: E402
from attune.engine.signals import fingerprint  # noqa: E402
from attune.simulation.to_batch import simulate_batch  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=100_000)
    parser.add_argument("--sessions", type=int, default=20, help="most sessions per episode")
    parser.add_argument("--single", type=int, default=1000, help="single-episode calls (>= 500)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    parser.add_argument("--sha", action="store_true", help="add the SHA-256 of the signals")
    args = parser.parse_args(argv)
    if args.single < 500:
        parser.error("--single must be at least 500")

    t0 = time.perf_counter()
    batch, _ = simulate_batch(args.episodes, args.sessions, seed=args.seed)
    build = time.perf_counter() - t0

    evaluate(batch.row(0))  # warm caches (reference curves)
    t0, c0 = time.perf_counter(), time.process_time()
    signals = evaluate(batch)
    seconds = time.perf_counter() - t0
    cpu_seconds = time.process_time() - c0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux

    picks = np.linspace(0, batch.size - 1, num=args.single).astype(int)
    rows = [batch.row(int(i)) for i in picks]
    times = np.empty(len(rows))
    for k, row in enumerate(rows):
        s = time.perf_counter()
        evaluate(row)
        times[k] = time.perf_counter() - s

    figures = {
        "episodes": batch.size,
        "sessions": int((batch.attendance >= 0).sum()),
        "seconds": round(seconds, 3),
        "peak_mb": round(peak_mb, 1),
        "single_p50_ms": round(float(np.percentile(times, 50)) * 1e3, 3),
        "single_p95_ms": round(float(np.percentile(times, 95)) * 1e3, 3),
        "cpu_seconds": round(cpu_seconds, 3),
    }
    if args.sha:
        figures["sha256"] = fingerprint(signals)
    if args.json:
        print(json.dumps(figures))
        return 0
    print(f"episodes             {figures['episodes']:,}")
    print(f"sessions             {figures['sessions']:,}")
    print(f"simulate + convert   {build:.2f} s (not counted)")
    print(
        f"evaluate(batch)      {figures['seconds']:.2f} s ({cpu_seconds:.2f} s CPU), "
        f"{len(signals):,} signals"
    )
    print(f"peak memory          {figures['peak_mb']:.0f} MB (process max RSS)")
    print(
        f"single episode       p50 {figures['single_p50_ms']:.3f} ms, "
        f"p95 {figures['single_p95_ms']:.3f} ms over {len(rows)} calls"
    )
    if args.sha:
        print(f"sha256               {figures['sha256']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
