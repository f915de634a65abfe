"""``attune.research``: the outcome maths of ``attune outcomes`` / ``attune sudden-gains`` on
DataFrames, for notebooks.

Give a pandas or a Polars DataFrame; get one of the same kind back (the library is whichever
the input belongs to; the engine itself computes on numpy arrays). The numbers are those of
the command line's ``--json`` (tests compare them), from the same engine functions:

* :func:`outcomes` — Jacobson & Truax (1991) reliable change and clinical significance on
  long-format data (one row per person and time): one row a complete case with ``id``,
  ``pre``, ``post``, ``change``, ``rci`` and ``category`` (:mod:`attune.engine.outcomes`).
* :func:`sudden_gains` — Tang & DeRubeis (1999) sudden gains or losses with the suddengains R
  package's defaults on wide-format data (one row a person, one column a session): one row a
  gain, the ``--json`` ``events`` keys (:mod:`attune.engine.sudden_gains`).

Worked example: ``docs/research-cli.md`` ("From Python").

No Django here: importing this package loads neither Django nor a database.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from attune.engine import outcomes as jt
from attune.engine import sudden_gains as sg

__all__ = ["outcomes", "sudden_gains"]


def _kind(frame: Any) -> str:
    module = type(frame).__module__.split(".")[0]
    if module not in ("pandas", "polars"):
        raise TypeError(f"expected a pandas or Polars DataFrame, got {type(frame).__name__}")
    return module


def _column(frame: Any, name: str) -> np.ndarray:
    if name not in list(frame.columns):
        raise KeyError(
            f"column '{name}' is not in the DataFrame (its columns: {list(frame.columns)})"
        )
    return np.asarray(frame[name].to_numpy())


def _frame(kind: str, columns: dict[str, list[Any]]) -> Any:
    # Imported here: each library is optional; the input's own library builds the output.
    if kind == "polars":
        import polars as pl  # optional: only when the caller passed a Polars frame

        return pl.DataFrame(columns, strict=False)
    import pandas as pd  # type: ignore[import-untyped]  # pandas-stubs is not installed

    return pd.DataFrame(columns)


def _same_time(value: Any, wanted: Any) -> bool:
    if value == wanted:
        return True
    try:
        return float(value) == float(wanted)
    except (TypeError, ValueError):
        return str(value).strip() == str(wanted).strip()


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def outcomes(
    data: Any,
    *,
    id: str,  # noqa: A002 - the command line's --id
    time: str,
    score: str,
    pre: Any,
    post: Any,
    reliability: float | None = None,
    rc: float | None = None,
    sd: float | None = None,
    higher_is_better: bool = False,
    cutoff: float | str | None = None,
    functional_mean: float | None = None,
    functional_sd: float | None = None,
) -> Any:
    """Jacobson–Truax per person, as ``attune outcomes … --json`` gives in ``people``.

    ``reliability`` (reliable when \\|RCI\\| > 1.96) or ``rc`` (reliable when \\|change\\| ≥ rc
    points); ``sd`` defaults to the sample SD of the complete cases' pre scores; ``cutoff`` is
    a number, ``"a"`` (criterion a) or, with ``functional_mean``/``functional_sd``, criterion
    c. Complete cases only, in order of first appearance of the id.
    """
    kind = _kind(data)
    if (reliability is None) == (rc is None):
        raise ValueError("give one of reliability= or rc=")
    ids, times, scores = _column(data, id), _column(data, time), _column(data, score)
    at: tuple[dict[Any, float], dict[Any, float]] = ({}, {})
    order: dict[Any, None] = {}
    for pid, when, value in zip(ids.tolist(), times.tolist(), scores.tolist(), strict=True):
        slot = 0 if _same_time(when, pre) else 1 if _same_time(when, post) else -1
        if slot < 0:
            continue
        if pid in at[slot]:
            raise ValueError(f"id {pid} has a second row at time {when}")
        order.setdefault(pid)
        if not _is_missing(value):
            at[slot][pid] = float(value)
    complete = [p for p in order if p in at[0] and p in at[1]]
    if not complete:
        raise ValueError("no complete cases")
    before = np.array([at[0][p] for p in complete], dtype=np.float64)
    after = np.array([at[1][p] for p in complete], dtype=np.float64)
    if sd is None and len(before) >= 2:
        sd = float(before.std(ddof=1))
    limit: float | None = None
    if isinstance(cutoff, str) and cutoff.strip().lower() == "a":
        assert sd is not None
        limit = jt.cutoff_a(float(before.mean()), sd, higher_is_better=higher_is_better)
    elif cutoff is not None:
        limit = float(cutoff)
    elif functional_mean is not None and functional_sd is not None:
        assert sd is not None
        limit = jt.cutoff_c(float(before.mean()), sd, functional_mean, functional_sd)
    rci: list[float | None]
    if reliability is not None:
        assert sd is not None
        codes = jt.classify_change(
            before,
            after,
            higher_is_better=higher_is_better,
            sdiff=jt.sdiff(sd, reliability),
            cutoff=limit,
        )
        rci = [float(v) for v in jt.rci(before, after, sd, reliability)]
    else:
        assert rc is not None
        codes = jt.classify_change(
            before, after, higher_is_better=higher_is_better, rc_points=float(rc), cutoff=limit
        )
        rci = [None] * len(complete)
    return _frame(
        kind,
        {
            "id": [_plain(p) for p in complete],
            "pre": before.tolist(),
            "post": after.tolist(),
            "change": (after - before).tolist(),
            "rci": rci,
            "category": [str(n) for n in jt.category_names(codes)],
        },
    )


_EVENT_COLUMNS = (
    "id",
    "session",
    "pre_column",
    "post_column",
    "pre_score",
    "post_score",
    "magnitude",
    "pre_mean",
    "post_mean",
    "pooled_sd",
    "critical_value",
    "n_pre",
    "n_post",
)


def sudden_gains(
    data: Any,
    *,
    id: str,  # noqa: A002 - the command line's --id
    columns: Sequence[str],
    cutoff: float = sg.DEFAULT_SUDDEN_GAINS.cutoff,
    losses: bool = False,
) -> Any:
    """Sudden gains (or losses) one row each, as ``attune sudden-gains … --json`` ``events``."""
    kind = _kind(data)
    names = list(columns)
    ids = [_plain(v) for v in _column(data, id).tolist()]
    if len(set(ids)) != len(ids):
        raise ValueError("an id appears twice (wide format: one row a person)")
    scores = np.column_stack(
        [np.asarray(_column(data, c), dtype=np.float64) for c in names]
    ).reshape(len(ids), len(names))
    events = sg.identify_sudden_changes(scores, sg.SuddenGainConfig(cutoff=cutoff), losses=losses)
    rows: dict[str, list[Any]] = {name: [] for name in _EVENT_COLUMNS}
    for e in events:
        values = (
            ids[e.person],
            e.session,
            names[e.pre_column],
            names[e.post_column],
            e.pre_score,
            e.post_score,
            e.magnitude,
            e.pre_mean,
            e.post_mean,
            e.pooled_sd,
            e.critical_value,
            e.n_pre,
            e.n_post,
        )
        for name, value in zip(_EVENT_COLUMNS, values, strict=True):
            rows[name].append(_plain(value))
    return _frame(kind, rows)
