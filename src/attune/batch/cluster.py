"""Evaluate partitioned Parquet on Dask distributed: the same signals as one process.

Each task reads one partition (:mod:`attune.batch.parquet`) and runs the engine's
:func:`attune.engine.evaluate.evaluate` on it, unchanged. The engine evaluates every episode on
its own row (no signal reads another episode), so the signals of the whole batch are the
signals of its partitions put together; they are put back in the engine's own order (episode,
kind, session, key), and the result is identical to ``evaluate(whole batch)`` — a test compares
every field (tests/test_batch_dask.py). The practice outcomes of the same partitions are counted
per practice on the workers and added up on the client (:mod:`attune.batch.network`).

A cluster: :func:`connect` opens a ``LocalCluster`` (processes, one thread each) when no
scheduler address is given, or connects to ``tcp://host:port``; the workers need Attune
installed with the ``batch`` extra and a path to the Parquet files they can read (a shared
disk, or object storage through fsspec).
"""

from __future__ import annotations

import hashlib
import logging
import os
import resource
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq  # type: ignore[import-untyped]  # the batch extra; pyarrow has no types
from dask.distributed import Client, LocalCluster, wait

from attune.batch.network import combine, practice_counts
from attune.batch.parquet import partition_table, read_partition
from attune.engine.evaluate import DEFAULT_CONFIG, EngineConfig, evaluate
from attune.engine.practice_outcomes import CourseCounts
from attune.engine.recovery import RecoveryCurves
from attune.engine.signals import KINDS, Signal
from attune.simulation.to_batch import simulate_batch

#: How long to wait for a cluster to start or a client to connect (seconds).
CONNECT_TIMEOUT = 60


@contextmanager
def connect(
    scheduler: str | None = None,
    *,
    n_workers: int = 2,
    threads_per_worker: int = 1,
    memory_limit: str | int = "auto",
    timeout: float = CONNECT_TIMEOUT,
) -> Iterator[Client]:
    """A Dask client: to ``scheduler`` (``tcp://host:port``) when given, otherwise to a new
    ``LocalCluster`` of ``n_workers`` processes, closed again on exit. Dask's own log lines
    below WARNING are kept out of the output (the command is cron-friendly)."""
    logging.getLogger("distributed").setLevel(logging.WARNING)
    if scheduler:
        client = Client(scheduler, timeout=timeout)  # type: ignore[no-untyped-call]  # distributed leaves it unannotated
        try:
            yield client
        finally:
            client.close(timeout=timeout)  # type: ignore[no-untyped-call]  # distributed leaves it unannotated
        return
    cluster = LocalCluster(  # type: ignore[no-untyped-call]  # distributed leaves it unannotated
        n_workers=n_workers,
        threads_per_worker=threads_per_worker,
        processes=True,
        memory_limit=memory_limit,
        dashboard_address=":0",
        silence_logs=logging.WARNING,
        timeout=timeout,
    )
    try:
        client = Client(cluster, timeout=timeout)  # type: ignore[no-untyped-call]  # distributed leaves it unannotated
        try:
            yield client
        finally:
            client.close(timeout=timeout)  # type: ignore[no-untyped-call]  # distributed leaves it unannotated
    finally:
        cluster.close(timeout=timeout)


def signal_order(signal: Signal) -> tuple[int, int, int, str]:
    """The engine's order of signals (``attune.engine.evaluate.evaluate``)."""
    rank = KINDS.index(signal.kind) if signal.kind in KINDS else len(KINDS)
    return (signal.episode_id, rank, signal.session_number, signal.key)


def signal_digest(signals: Sequence[Signal]) -> str:
    """A SHA-256 of every field of every signal, in order: equal digests = identical lists."""
    h = hashlib.sha256()
    for s in signals:
        h.update(repr((s.episode_id, s.kind, s.severity, s.session_number, s.key)).encode())
        h.update(repr((s.title, s.explanation, s.evidence, s.source, s.actions)).encode())
    return h.hexdigest()


@dataclass
class PartitionResult:
    """What one task sends back: the signals (or only their digest and counts), the practice
    outcome counts, and the worker's figures."""

    episodes: int
    kinds: dict[str, int]
    digest: str
    counts: dict[int, CourseCounts]
    signals: list[Signal] | None
    seconds: float
    worker_pid: int
    worker_peak_rss_mb: float
    path: str = ""
    first_id: int = 0
    extra: dict[str, float] = field(default_factory=dict)


def _peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux: the peak resident memory of this worker process so far.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def evaluate_partition(
    path: str,
    *,
    curves: RecoveryCurves | None = None,
    config: EngineConfig = DEFAULT_CONFIG,
    keep_signals: bool = True,
    evaluate_signals: bool = True,
    digest: bool = True,
) -> PartitionResult:
    """One task: read a partition, evaluate it (unless ``evaluate_signals`` is false: the
    outcomes only), count its practice outcomes."""
    started = time.perf_counter()
    part = read_partition(path)
    signals = (
        evaluate(part.batch, curves=curves, config=config, as_of=part.as_of)
        if evaluate_signals
        else []
    )
    counts = practice_counts(part.batch, part.practice, config.reliable_change)
    return PartitionResult(
        episodes=part.batch.size,
        kinds=dict(Counter(s.kind for s in signals)),
        digest=signal_digest(signals) if digest else "",
        counts=counts,
        signals=signals if keep_signals else None,
        seconds=time.perf_counter() - started,
        worker_pid=os.getpid(),
        worker_peak_rss_mb=_peak_rss_mb(),
        path=str(path),
        first_id=int(part.batch.episode_ids[0]) if part.batch.size else 0,
    )


@dataclass
class BatchResult:
    """The whole run: signals in the engine's order (when kept), kinds, practice outcome counts
    per practice code with the network's total under ``attune.batch.network.NETWORK``."""

    episodes: int
    partitions: int
    signals: list[Signal] | None
    kinds: dict[str, int]
    counts: dict[int, CourseCounts]
    digests: list[str]
    seconds: float
    workers: dict[int, float]  # worker pid -> its peak resident memory (MB)


def evaluate_partitions(
    client: Client,
    paths: Sequence[str | Path],
    *,
    curves: RecoveryCurves | None = None,
    config: EngineConfig = DEFAULT_CONFIG,
    keep_signals: bool = True,
    evaluate_signals: bool = True,
    digest: bool = True,
    timeout: float | None = None,
) -> BatchResult:
    """Evaluate every partition on the cluster of ``client`` and put the results together.

    With ``keep_signals=False`` the workers send back only each partition's digest, kinds and
    counts (a million episodes' signals need not cross the network to be counted)."""
    started = time.perf_counter()
    futures = client.map(
        evaluate_partition,
        [str(p) for p in paths],
        curves=curves,
        config=config,
        keep_signals=keep_signals,
        evaluate_signals=evaluate_signals,
        digest=digest,
        pure=False,
    )
    # raises TimeoutError rather than hang
    wait(futures, timeout=timeout)  # type: ignore[no-untyped-call]  # distributed leaves it unannotated
    results: list[PartitionResult] = client.gather(futures)  # type: ignore[no-untyped-call]  # distributed leaves it unannotated
    return _collect(results, started)


def _collect(results: Sequence[PartitionResult], started: float) -> BatchResult:
    signals: list[Signal] | None = None
    if all(r.signals is not None for r in results):
        signals = sorted((s for r in results for s in r.signals or ()), key=signal_order)
    kinds: Counter[str] = Counter()
    workers: dict[int, float] = {}
    for r in results:
        kinds.update(r.kinds)
        workers[r.worker_pid] = max(workers.get(r.worker_pid, 0.0), r.worker_peak_rss_mb)
    return BatchResult(
        episodes=sum(r.episodes for r in results),
        partitions=len(results),
        signals=signals,
        kinds=dict(sorted(kinds.items())),
        counts=combine(r.counts for r in results),
        digests=[r.digest for r in results],
        seconds=time.perf_counter() - started,
        workers=workers,
    )


# --------------------------------------------------------------------------- simulated input


def simulated_practice(episode_ids: np.ndarray, practices: int) -> np.ndarray:
    """A practice code per simulated episode (``id mod practices``): every partition holds
    courses of every practice, so the network's counts are really added across partitions."""
    out: np.ndarray = np.asarray(episode_ids, dtype=np.int64) % max(practices, 1)
    return out


def simulate_partition(
    directory: str,
    index: int,
    *,
    episodes: int,
    first_id: int,
    seed: int,
    practices: int,
    max_sessions: int = 20,
) -> str:
    """One task: simulate ``episodes`` episodes (seed ``[seed, index]``), number them from
    ``first_id``, write them as ``part-<index>.parquet`` under ``directory``; its path."""
    batch, _ = simulate_batch(episodes, max_sessions=max_sessions, seed=seed * 1_000_003 + index)
    ids = np.arange(first_id, first_id + episodes, dtype=np.int64)
    batch = replace(batch, episode_ids=ids)
    path = Path(directory) / f"part-{index:05d}.parquet"
    pq.write_table(
        partition_table(batch, simulated_practice(ids, practices)), path, compression="zstd"
    )
    return str(path)


def simulate_partitions(
    client: Client,
    directory: str | Path,
    *,
    episodes: int,
    rows_per_partition: int,
    seed: int = 0,
    practices: int = 10,
    max_sessions: int = 20,
) -> list[str]:
    """Simulate ``episodes`` episodes on the cluster, one partition per task, written as
    Parquet under ``directory`` (the workers must reach it); the paths in order."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    starts = list(range(0, episodes, rows_per_partition))
    futures = [
        client.submit(
            simulate_partition,
            str(directory),
            k,
            episodes=min(rows_per_partition, episodes - start),
            first_id=start,
            seed=seed,
            practices=practices,
            max_sessions=max_sessions,
            pure=False,
        )
        for k, start in enumerate(starts)
    ]
    paths: list[str] = client.gather(futures)  # type: ignore[no-untyped-call]  # distributed leaves it unannotated
    return paths
