"""attune.research on data as it comes: a column missing, rows at other times, times written
as text, a missing score, a person twice — each answered with a result or a clear error."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pytest

from attune import research

if TYPE_CHECKING:
    import pandas as pd


def _pandas():  # here, not at the top: every pytest worker collects this file (pandas ~1.7 s)
    import pandas

    return pandas


def _long(rows: list[tuple[object, object, float | None]]) -> pd.DataFrame:
    return _pandas().DataFrame(rows, columns=["id", "t", "s"])


def test_one_of_reliability_or_rc_and_a_column_that_is_there():
    data = _long([(1, 1, 20.0), (1, 2, 10.0)])
    with pytest.raises(ValueError, match="give one of reliability= or rc="):
        research.outcomes(data, id="id", time="t", score="s", pre=1, post=2)
    with pytest.raises(ValueError, match="give one of reliability= or rc="):
        research.outcomes(data, id="id", time="t", score="s", pre=1, post=2, rc=5, reliability=0.9)
    with pytest.raises(KeyError, match="column 'score' is not in the DataFrame"):
        research.outcomes(data, id="id", time="t", score="score", pre=1, post=2, rc=5)


def test_other_times_are_left_out_text_times_match_and_a_missing_score_is_incomplete():
    data = _long(
        [
            ("a", "pre ", 20.0),  # text times, matched after stripping
            ("a", "mid", 15.0),  # neither pre nor post: left out
            ("a", "post", 8.0),
            ("b", "pre", 18.0),
            ("b", "post", math.nan),  # missing: b is not a complete case
        ]
    )
    people = research.outcomes(data, id="id", time="t", score="s", pre="pre", post="post", rc=5)
    assert list(people["id"]) == ["a"]
    assert list(people["pre"]) == [20.0] and list(people["post"]) == [8.0]


def test_a_second_row_at_the_same_time_and_no_complete_cases_are_errors():
    twice = _long([(1, 1, 20.0), (1, 1, 19.0), (1, 2, 10.0)])
    with pytest.raises(ValueError, match="id 1 has a second row at time 1"):
        research.outcomes(twice, id="id", time="t", score="s", pre=1, post=2, rc=5)
    only_pre = _long([(1, 1, 20.0), (2, 1, 19.0)])
    with pytest.raises(ValueError, match="no complete cases"):
        research.outcomes(only_pre, id="id", time="t", score="s", pre=1, post=2, rc=5)


def test_sudden_gains_wants_one_row_a_person():
    wide = _pandas().DataFrame({"id": [1, 1], "s1": [20, 21], "s2": [19, 18], "s3": [10, 9]})
    with pytest.raises(ValueError, match="an id appears twice"):
        research.sudden_gains(wide, id="id", columns=["s1", "s2", "s3"])


def test_a_numeric_cutoff_makes_a_reliable_improvement_below_it_a_recovery():
    data = _long([("a", 1, 20.0), ("a", 2, 8.0), ("b", 1, 18.0), ("b", 2, 15.0)])
    plain = research.outcomes(data, id="id", time="t", score="s", pre=1, post=2, rc=5)
    assert list(plain["category"]) == ["improved", "unchanged"]
    cut = research.outcomes(data, id="id", time="t", score="s", pre=1, post=2, rc=5, cutoff=12)
    assert list(cut["category"]) == ["recovered", "unchanged"]
