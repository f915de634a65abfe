"""Numbers as the signals write them, for whole arrays at once.

The evidence and the texts of a signal round with Python's ``round`` (one or two decimals).
Called value by value over a practice, that was a large share of the engine's time (issue 13);
:func:`rounded` gives the same results for a whole array.

Pure numpy, no Django import.
"""

from __future__ import annotations

import math

import numpy as np

from attune.engine.batch import FloatArray, IntArray

__all__ = ["rounded"]


def rounded(values: FloatArray | IntArray, digits: int) -> FloatArray:
    """Python's ``round(x, digits)`` of every value, vectorised, with the same results.

    ``round`` rounds the exact decimal value of x half to even; ``rint(x · 10^digits)`` can
    differ only where the product lands within its rounding error of a tie, so those few
    values (and very large or missing ones) go through ``round`` itself.
    """
    x = np.asarray(values, dtype=np.float64)
    scale = 10.0**digits
    with np.errstate(invalid="ignore", over="ignore"):
        product = x * scale
        out = np.asarray(np.rint(product) / scale, dtype=np.float64)
        safe = (np.abs(product - np.floor(product) - 0.5) > 1e-6) & (np.abs(product) < 1e6)
    for k in np.flatnonzero(~safe.ravel()).tolist():
        value = float(x.flat[k])
        out.flat[k] = round(value, digits) if math.isfinite(value) else value
    return out
