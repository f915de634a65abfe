"""``attune evaluate --backend dask``: stored episodes as partitioned Parquet, evaluated on Dask.

The ORM side of :mod:`attune.batch` (pure, no Django). The active episodes are read in chunks
exactly as :func:`attune.alerts.evaluation.evaluate_practice` reads them (same order, same
chunk, same ``as_of``, the same practice curves and engine settings), each chunk written as one
Parquet partition; the workers evaluate the partitions, and the signals come back to this
process, which opens or updates the alerts as the single-process command does. The signals are
therefore identical to the single-process run's.

The finished courses of the network's practices (ended episodes, planned or early) are
written as a second set of partitions and counted per practice on the workers; the counts are
added up here and the percentages computed from the sums only.

Dask and pyarrow (the ``batch`` extra) are imported by this module alone, which only the
command imports: the web application never loads them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq  # type: ignore[import-untyped]  # the batch extra; pyarrow has no types
from dask.distributed import Client
from django.utils import timezone

from attune.alerts.evaluation import EvaluationResult, sync_alerts
from attune.batch.cluster import BatchResult, evaluate_partitions
from attune.batch.parquet import partition_table
from attune.care.engine_adapter import engine_config, episode_batch, practice_curves
from attune.care.models import Episode, EpisodeStatus

#: Ended courses, as the practice outcomes page counts them (a transfer is not an ending).
ENDED = (EpisodeStatus.ENDED_PLANNED, EpisodeStatus.ENDED_EARLY)


@dataclass(frozen=True)
class DaskEvaluation:
    """The alerts' run (as ``evaluate_practice`` returns it) and the network's outcomes run."""

    result: EvaluationResult
    active: BatchResult
    courses: BatchResult


def _write(episodes: Sequence[Episode], path: Path, *, with_as_of: bool) -> None:
    now = timezone.now()
    batch = episode_batch(episodes, now)
    as_of = (
        np.array([(now.date() - e.started_on).days for e in episodes], dtype=np.float64)
        if with_as_of
        else None
    )
    practice = np.array([e.client.practice_id for e in episodes], dtype=np.int64)
    pq.write_table(partition_table(batch, practice, as_of), path, compression="zstd")


def write_episodes(
    episodes: Sequence[Episode], directory: Path, *, chunk: int, with_as_of: bool
) -> list[Path]:
    """One partition per ``chunk`` episodes (in the order given) under ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, start in enumerate(range(0, len(episodes), chunk)):
        path = directory / f"part-{k:05d}.parquet"
        _write(episodes[start : start + chunk], path, with_as_of=with_as_of)
        paths.append(path)
    return paths


def evaluate_practice_on_dask(
    client: Client, *, chunk: int = 500, directory: str | Path | None = None
) -> DaskEvaluation:
    """Every active episode evaluated on the cluster of ``client``, its alerts synced here;
    the network's finished courses counted per practice. ``directory`` keeps the Parquet
    partitions (a temporary directory, removed afterwards, otherwise)."""
    if chunk < 1:
        raise ValueError("chunk must be at least 1")
    if directory is None:
        with tempfile.TemporaryDirectory(prefix="attune-batch-") as tmp:
            return evaluate_practice_on_dask(client, chunk=chunk, directory=tmp)
    root = Path(directory)
    active = list(
        Episode.objects.filter(status=EpisodeStatus.ACTIVE).select_related("client").order_by("pk")
    )
    ended = list(Episode.objects.filter(status__in=ENDED).select_related("client").order_by("pk"))
    curves, config = practice_curves(), engine_config()
    run = evaluate_partitions(
        client,
        write_episodes(active, root / "active", chunk=chunk, with_as_of=True),
        curves=curves,
        config=config,
        digest=False,
    )
    courses = evaluate_partitions(
        client,
        write_episodes(ended, root / "courses", chunk=chunk, with_as_of=False),
        curves=curves,
        config=config,
        keep_signals=False,
        evaluate_signals=False,
        digest=False,
    )
    signals = run.signals or []
    alerts = sync_alerts({e.pk: e for e in active}, signals, timezone.now()) if signals else []
    return DaskEvaluation(EvaluationResult(len(active), signals, alerts), run, courses)
