"""The batch on Dask distributed: time and peak memory per worker (issue 13, docs/scaling.md).

    python benchmarks/dask_batch.py [--episodes 1000000] [--compare 100000] [--json]
        [--partition 25000] [--workers 2] [--scheduler tcp://host:port]

Two parts, both on simulated episodes (``attune.simulation.to_batch.simulate_batch``, up to 20
sessions each):

1. ``--compare`` episodes (100,000): one ``evaluate(batch)`` in this process (the single-process
   time and this process's peak memory), then the same batch written as partitioned Parquet
   and evaluated on the cluster; the signals of every partition are compared by a SHA-256 of
   every field of every signal (``attune.batch.cluster.signal_digest``) with the single
   process's signals of the same episodes, and the practice-outcome counts with the counts of
   the whole batch. ``identical`` is true only if all of them agree.
2. ``--episodes`` episodes (1,000,000): simulated on the workers, one partition per
   ``--partition`` episodes, written as Parquet, then evaluated; the wall time of each phase
   and the peak resident memory (``ru_maxrss``) of each worker process.

The cluster is a ``LocalCluster`` of ``--workers`` processes with one thread each unless
``--scheduler`` names a running one (its workers must reach ``--dir``). Figures depend on the
machine and on what else runs on it: say which when you quote them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from attune.batch.cluster import (  # noqa: E402
    connect,
    evaluate_partitions,
    signal_digest,
    simulate_partitions,
    simulated_practice,
)
from attune.batch.network import NETWORK, combine, percentages, practice_counts  # noqa: E402
from attune.batch.parquet import write_partitions  # noqa: E402
from attune.engine.evaluate import evaluate  # noqa: E402
from attune.simulation.to_batch import simulate_batch  # noqa: E402


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def compare(client, n: int, partition: int, practices: int, seed: int, root: Path) -> dict:
    started = time.perf_counter()
    batch, _ = simulate_batch(n, seed=seed)
    simulate_s = time.perf_counter() - started
    started = time.perf_counter()
    single = evaluate(batch)
    single_s = time.perf_counter() - started
    single_peak = _peak_mb()
    started = time.perf_counter()
    signal_digest(single)
    digest_s = time.perf_counter() - started
    practice = simulated_practice(batch.episode_ids, practices)
    whole = combine([practice_counts(batch, practice)])

    started = time.perf_counter()
    paths = write_partitions(
        batch, root / "compare", rows_per_partition=partition, practice=practice
    )
    write_s = time.perf_counter() - started
    run = evaluate_partitions(client, paths, keep_signals=False)
    ids = np.array([s.episode_id for s in single], dtype=np.int64)
    expected = [
        signal_digest(single[lo:hi])
        for lo, hi in (
            (
                int(np.searchsorted(ids, k * partition)),
                int(np.searchsorted(ids, (k + 1) * partition)),
            )
            for k in range(len(paths))
        )
    ]
    return {
        "episodes": n,
        "signals": len(single),
        "simulate_seconds": round(simulate_s, 1),
        "single_process_seconds": round(single_s, 1),
        "single_process_peak_mb": round(single_peak),
        "digest_seconds_single_process": round(digest_s, 1),
        "parquet_write_seconds": round(write_s, 1),
        "dask_seconds_with_digest": round(run.seconds, 1),
        "dask_partitions": run.partitions,
        "dask_worker_peak_mb": {str(k): round(v) for k, v in sorted(run.workers.items())},
        "identical": run.digests == expected
        and run.counts == whole
        and sum(run.kinds.values()) == len(single),
    }


def at_scale(client, n: int, partition: int, practices: int, seed: int, root: Path) -> dict:
    started = time.perf_counter()
    paths = simulate_partitions(
        client,
        root / "scale",
        episodes=n,
        rows_per_partition=partition,
        seed=seed,
        practices=practices,
    )
    simulate_s = time.perf_counter() - started
    size_mb = sum(os.path.getsize(p) for p in paths) / 2**20
    run = evaluate_partitions(client, paths, keep_signals=False, digest=False)
    total = run.counts[NETWORK]
    pct = percentages(total)
    return {
        "episodes": run.episodes,
        "partitions": run.partitions,
        "parquet_mb": round(size_mb),
        "simulate_and_write_seconds": round(simulate_s, 1),
        "evaluate_seconds": round(run.seconds, 1),
        "episodes_per_second": round(run.episodes / run.seconds),
        "signals": sum(run.kinds.values()),
        "worker_peak_mb": {str(k): round(v) for k, v in sorted(run.workers.items())},
        "client_peak_mb": round(_peak_mb()),
        "network": {
            "practices": len(run.counts) - 1,
            "finished": total.finished,
            "recovery_percent": pct.recovery,
            "improvement_percent": pct.improvement,
            "deterioration_percent": pct.deterioration,
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=1_000_000)
    parser.add_argument("--compare", type=int, default=100_000, help="0 skips the comparison")
    parser.add_argument("--partition", type=int, default=25_000, help="episodes per partition")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scheduler", default=None)
    parser.add_argument("--practices", type=int, default=50, help="practices of the network")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dir", default=None, help="where the Parquet goes (default: temporary)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    args = parser.parse_args(argv)

    figures: dict[str, object] = {"workers": args.workers, "scheduler": args.scheduler or "local"}
    with tempfile.TemporaryDirectory(prefix="attune-dask-bench-", dir=args.dir) as tmp:
        root = Path(tmp)
        with connect(args.scheduler, n_workers=args.workers) as client:
            if args.compare:
                figures["compare"] = compare(
                    client, args.compare, args.partition, args.practices, args.seed, root
                )
                if not args.json:
                    print(json.dumps({"compare": figures["compare"]}, indent=2), flush=True)
            if args.episodes:
                figures["scale"] = at_scale(
                    client, args.episodes, args.partition, args.practices, args.seed + 1, root
                )
    print(json.dumps(figures, indent=None if args.json else 2))
    compared = figures.get("compare")
    return 0 if not isinstance(compared, dict) or compared["identical"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
