"""The bulk number helpers of the signal texts give exactly what the one-value helpers give.

Issue 13 replaced value-by-value ``round`` calls with vectorised ones; a signal's evidence and
wording must not move by a digit, ties and negative zero included.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from attune.engine.alliance import (
    answer_code,
    answer_codes,
    fmt_numbers,
    one_decimal_texts,
    plain_number,
    plain_numbers,
)
from attune.engine.batch import RESOLVED
from attune.engine.numbers import rounded

values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-100, 100),
    # scores, means of three and SDs: the values the engine formats, many of them near ties
    st.integers(-4000, 4000).map(lambda k: k / 8),
    st.integers(-4000, 4000).map(lambda k: k / 3),
    st.integers(-40000, 40000).map(lambda k: k / 1000 + 0.005),
    st.integers(-40000, 40000).map(lambda k: k / 100 + 0.05),
)
TIES = [2.675, 1.005, 0.125, 0.375, -0.125, 0.285, 1.115, 2.5, -2.5, 0.05, 0.15, 0.25, -0.0]


def one_decimal(x: float) -> str:
    r = round(float(x), 1)
    return str(int(r)) if r == int(r) else f"{r:.1f}"


def same(a: float, b: float) -> bool:
    return repr(a) == repr(b) or (math.isnan(a) and math.isnan(b))


@settings(max_examples=300, deadline=None)
@given(st.lists(values, max_size=40), st.sampled_from([1, 2]))
def test_rounded_is_pythons_round(xs: list[float], digits: int) -> None:
    got = rounded(np.array(xs + TIES, dtype=np.float64), digits).tolist()
    want = [round(x, digits) if math.isfinite(x) else x for x in xs + TIES]
    assert all(same(g, w) for g, w in zip(got, want, strict=True))


@settings(max_examples=300, deadline=None)
@given(st.lists(values, max_size=40), st.sampled_from([1, 2]))
def test_plain_numbers_are_plain_number_of_each(xs: list[float], digits: int) -> None:
    array = np.array(xs + TIES, dtype=np.float64)
    assert repr(plain_numbers(array, digits)) == repr([plain_number(x, digits) for x in array])
    assert fmt_numbers(array) == [
        "—" if plain_number(x, 1) is None else f"{plain_number(x, 1):g}" for x in array
    ]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.floats(-1e6, 1e6), values.filter(math.isfinite)), max_size=40))
def test_one_decimal_texts_are_the_scalar_texts(xs: list[float]) -> None:
    assert one_decimal_texts(np.array(xs + TIES)) == [one_decimal(x) for x in xs + TIES]


@given(st.lists(st.one_of(st.floats(-2, 6), st.just(float("nan"))), max_size=30))
def test_answer_codes_are_answer_code_of_each(xs: list[float]) -> None:
    assert answer_codes(RESOLVED, np.array(xs)) == [answer_code(RESOLVED, x) for x in xs]
