"""An ``EpisodeBatch`` as partitioned Parquet: one file per N episodes, read back exactly.

One row per episode. Columns: ``episode_id`` (int64), ``ended`` (bool), ``practice`` (int64, a
code; -1 unknown), ``as_of`` (float64, days since the episode's start at evaluation; only when
given) and one fixed-size list column per session field of the batch, ``t`` values per row
(``alliance``: ``t × 4``, row-major). Floats keep NaN as NaN (not null), so a value read back is
bit for bit the value written; every partition keeps the batch's full width ``t`` so that an
evaluation of a partition sees exactly the columns the whole batch had.

pyarrow is the optional ``batch`` (or ``research``) extra, imported by this module only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]  # the batch extra; pyarrow has no types
import pyarrow.parquet as pq  # type: ignore[import-untyped]  # as above
from numpy.typing import NDArray

from attune.engine.batch import _SESSION_FIELDS, DOMAINS, EpisodeBatch

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: (field, numpy dtype) of every (n, t) array, in the batch's own order.
_DTYPES: dict[str, type] = {
    "session_number": np.int64,
    "attendance": np.int64,
    "critical_text": np.bool_,
    "modality_mix": np.int64,
}
_WIDTH_KEY = b"attune.columns"


@dataclass(frozen=True, eq=False)
class Partition:
    """What one Parquet partition holds: the episodes, their practice codes, their ``as_of``."""

    batch: EpisodeBatch
    practice: IntArray
    as_of: FloatArray | None


def _fixed(values: np.ndarray, width: int) -> pa.FixedSizeListArray:
    flat = pa.array(np.ascontiguousarray(values).ravel())
    return pa.FixedSizeListArray.from_arrays(flat, width)


def partition_table(
    batch: EpisodeBatch,
    practice: IntArray | None = None,
    as_of: FloatArray | None = None,
) -> pa.Table:
    """The Arrow table of a batch (see the module docstring for its columns)."""
    n, t = batch.size, batch.columns
    codes = np.full(n, -1, dtype=np.int64) if practice is None else np.asarray(practice, np.int64)
    if codes.shape != (n,):
        raise ValueError("practice must have one code per episode")
    columns: dict[str, pa.Array] = {
        "episode_id": pa.array(np.asarray(batch.episode_ids, dtype=np.int64)),
        "ended": pa.array(np.asarray(batch.ended, dtype=np.bool_)),
        "practice": pa.array(codes),
    }
    if as_of is not None:
        days = np.asarray(as_of, dtype=np.float64)
        if days.shape != (n,):
            raise ValueError("as_of must have one value per episode")
        columns["as_of"] = pa.array(days)
    for name in _SESSION_FIELDS:
        columns[name] = _fixed(getattr(batch, name), t)
    columns["alliance"] = _fixed(batch.alliance, t * len(DOMAINS))
    table = pa.table(columns)
    return table.replace_schema_metadata({_WIDTH_KEY: str(t).encode()})


def write_partitions(
    batch: EpisodeBatch,
    directory: str | Path,
    *,
    rows_per_partition: int,
    practice: IntArray | None = None,
    as_of: FloatArray | None = None,
    first: int = 0,
) -> list[Path]:
    """Write ``batch`` as ``part-00000.parquet``, ``part-00001.parquet``, … (``rows_per_partition``
    episodes each, the last one shorter) under ``directory``; the paths in order.

    ``first`` numbers the first file (to add partitions written elsewhere)."""
    if rows_per_partition < 1:
        raise ValueError("rows_per_partition must be at least 1")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, start in enumerate(range(0, batch.size, rows_per_partition), start=first):
        rows = np.arange(start, min(start + rows_per_partition, batch.size))
        path = out / f"part-{k:05d}.parquet"
        table = partition_table(
            take(batch, rows),
            None if practice is None else np.asarray(practice)[rows],
            None if as_of is None else np.asarray(as_of)[rows],
        )
        pq.write_table(table, path, compression="zstd")
        paths.append(path)
    return paths


def take(batch: EpisodeBatch, rows: IntArray) -> EpisodeBatch:
    """The episodes at ``rows`` (same width), as a new batch."""
    return EpisodeBatch(
        episode_ids=batch.episode_ids[rows],
        ended=batch.ended[rows],
        alliance=batch.alliance[rows],
        **{name: getattr(batch, name)[rows] for name in _SESSION_FIELDS},
    )


def _unfixed(column: pa.ChunkedArray, shape: tuple[int, ...], dtype: type) -> np.ndarray:
    values = column.combine_chunks().flatten().to_numpy(zero_copy_only=False)
    return np.asarray(values, dtype=dtype).reshape(shape)


def read_partition(path: str | Path) -> Partition:
    """A partition written by :func:`write_partitions`, exactly as it was."""
    # ParquetFile, not read_table: that one imports pyarrow.dataset and pandas (0.4 s in each
    # Dask worker process), as the research commands found (engine.research_cli).
    with pq.ParquetFile(path) as parquet:
        table = parquet.read()
    meta = table.schema.metadata or {}
    n = table.num_rows
    t = int(meta.get(_WIDTH_KEY, b"0"))
    arrays = {
        name: _unfixed(table.column(name), (n, t), _DTYPES.get(name, np.float64))
        for name in _SESSION_FIELDS
    }
    batch = EpisodeBatch(
        episode_ids=table.column("episode_id").to_numpy().astype(np.int64),
        ended=table.column("ended").to_numpy(zero_copy_only=False).astype(np.bool_),
        alliance=_unfixed(table.column("alliance"), (n, t, len(DOMAINS)), np.float64),
        **arrays,
    )
    as_of = (
        table.column("as_of").to_numpy().astype(np.float64)
        if "as_of" in table.column_names
        else None
    )
    practice = table.column("practice").to_numpy().astype(np.int64)
    return Partition(batch=batch, practice=practice, as_of=as_of)


def partition_paths(directory: str | Path) -> Sequence[Path]:
    """The partitions under ``directory``, in order."""
    return sorted(Path(directory).glob("part-*.parquet"))
