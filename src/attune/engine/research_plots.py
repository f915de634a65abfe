"""The two classic plots of the research commands, drawn with matplotlib (``--plot FILE``).

* :func:`jacobson_truax_plot` — pre against post, one point a person coloured by category, the
  line of no change, the reliable-change band around it (Jacobson & Truax 1991, figure 1;
  the ``clinicalsignificance`` R package's ``plot()``) and the clinical cut-off as a vertical
  and a horizontal line.
* :func:`sudden_gains_plot` — the course around each gain, aligned at the gain: the three
  scores before (the last one is the pre-gain score) and the three after, with their mean
  (the suddengains R package's ``plot_sg``, there one person at a time; here all gains).

matplotlib is an optional extra (``attune[plot]``) imported only when a plot is asked for, with
the non-interactive Agg backend, so nothing here opens a window and the engine imports without
it. The format follows the file name: ``.png`` or ``.svg``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from attune.engine.sudden_gains import SuddenChange

__all__ = ["FORMATS", "PlotUnavailable", "jacobson_truax_plot", "sudden_gains_plot"]

#: The file formats ``--plot`` writes (by extension).
FORMATS: tuple[str, ...] = (".png", ".svg")

#: At most this many individual courses are drawn in the sudden-gains plot (the mean uses all).
MAX_COURSES = 300

_COLOURS = {
    "recovered": "#1b7837",
    "improved": "#5aae61",
    "unchanged": "#878787",
    "deteriorated": "#c51b7d",
    "harmed": "#8e0152",
}


class PlotUnavailable(RuntimeError):
    """matplotlib is not installed."""


def _pyplot() -> Any:
    # Imported here: matplotlib is optional and heavy (0.3 s); only --plot needs it.
    try:
        import matplotlib  # optional extra (attune[plot]), only for --plot

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # after use("Agg"): no display needed
    except ImportError:
        raise PlotUnavailable(
            "--plot needs matplotlib; install it with pip install 'attune[plot]' "
            "(or pip install matplotlib)"
        ) from None
    return plt


def check_available() -> None:
    """Raise :class:`PlotUnavailable` now rather than after the computation."""
    _pyplot()


def _save(fig: Any, path: Path) -> None:
    fig.savefig(path, format=path.suffix.lower().lstrip("."), dpi=150, bbox_inches="tight")


def jacobson_truax_plot(
    path: Path,
    pre: np.ndarray,
    post: np.ndarray,
    categories: Sequence[str],
    *,
    band: float | None,
    cutoff: float | None,
    title: str,
) -> None:
    """Pre (x) against post (y), the no-change diagonal, ``± band`` around it and the cut-off."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 6.0))
    try:
        names = np.asarray(categories)
        for name in dict.fromkeys(categories):
            chosen = names == name
            ax.scatter(
                pre[chosen],
                post[chosen],
                s=8 if len(pre) > 2000 else 18,
                alpha=0.5 if len(pre) > 2000 else 0.85,
                color=_COLOURS.get(name, "#2166ac"),
                label=f"{name} ({int(chosen.sum())})",
                linewidths=0,
                rasterized=len(pre) > 5000,
            )
        low = float(min(pre.min(), post.min()))
        high = float(max(pre.max(), post.max()))
        pad = 0.05 * (high - low or 1.0)
        low, high = low - pad, high + pad
        line = np.array([low, high])
        ax.plot(line, line, color="black", linewidth=1, label="no change")
        if band is not None:
            ax.fill_between(
                line,
                line - band,
                line + band,
                color="#bababa",
                alpha=0.35,
                linewidth=0,
                label=f"no reliable change (± {band:.2f})",
            )
        if cutoff is not None:
            ax.axvline(cutoff, color="#b2182b", linestyle="--", linewidth=1)
            ax.axhline(
                cutoff, color="#b2182b", linestyle="--", linewidth=1, label=f"cut-off {cutoff:.2f}"
            )
        ax.set_xlim(low, high)
        ax.set_ylim(low, high)
        ax.set_aspect("equal")
        ax.set_xlabel("pre")
        ax.set_ylabel("post")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8, loc="best")
        _save(fig, path)
    finally:
        plt.close(fig)


def courses_around(scores: np.ndarray, events: Sequence[SuddenChange]) -> np.ndarray:
    """Per event, the scores at offsets −2 … +3 from the gain (0 is the pre-gain score).

    Before the gain: the two columns before ``pre_column`` and ``pre_column`` itself; after:
    ``post_column`` and the two after it. NaN where a session is missing or beyond the data.
    """
    out = np.full((len(events), 6), np.nan)
    width = scores.shape[1] if scores.ndim == 2 else 0
    for row, event in enumerate(events):
        columns = [event.pre_column - 2, event.pre_column - 1, event.pre_column]
        columns += [event.post_column, event.post_column + 1, event.post_column + 2]
        for k, column in enumerate(columns):
            if 0 <= column < width:
                out[row, k] = scores[event.person, column]
    return out


def sudden_gains_plot(
    path: Path, scores: np.ndarray, events: Sequence[SuddenChange], *, title: str
) -> None:
    """The course around each gain (or loss) aligned at it, and the mean course."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    try:
        x = np.arange(-2, 4)
        courses = courses_around(scores, events)
        for course in courses[:MAX_COURSES]:
            ax.plot(x, course, color="#4393c3", alpha=0.25, linewidth=0.8)
        if len(courses):
            with np.errstate(invalid="ignore"):
                counts = np.sum(~np.isnan(courses), axis=0)
                mean = np.where(counts > 0, np.nansum(courses, axis=0) / np.maximum(counts, 1), 0)
            mean[counts == 0] = np.nan
            ax.plot(x, mean, color="#053061", linewidth=2.5, marker="o", label="mean")
            ax.legend(fontsize=8)
        ax.axvspan(0, 1, color="#fddbc7", alpha=0.5, linewidth=0)
        ax.set_xticks(x, ["n−2", "n−1", "n (pre)", "n+1 (post)", "n+2", "n+3"])
        ax.set_xlabel("session relative to the gain")
        ax.set_ylabel("score")
        shown = min(len(events), MAX_COURSES)
        ax.set_title(f"{title}\n{len(events)} events, {shown} courses drawn", fontsize=10)
        _save(fig, path)
    finally:
        plt.close(fig)
