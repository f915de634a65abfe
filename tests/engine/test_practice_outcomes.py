"""Practice outcomes (issue 13) against the national figures, worked examples, suppression.

The national data: NHS England, *NHS Talking Therapies for anxiety and depression, Annual
Reports* 2017-18 … 2024-25, England rows of the measures table, as tidied by
bennettoxford/nhstt (commit f65c91b); Open Government Licence v3.0 (tests/data/nhs_tt/NOTICE.md).
The gzip is the unchanged CSV of /work/shared/datasets/nhs-talking-therapies.
"""

from __future__ import annotations

import csv
import gzip
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attune.engine.outcomes import TalkingTherapiesConfig
from attune.engine.practice_outcomes import (
    CourseCounts,
    SuppressionConfig,
    course_counts,
    course_outcomes,
    effect_size,
    finished_course,
    grouped_counts,
    published_percentage,
    rates,
    show_count,
    show_rate,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "nhs_tt" / "england_measures_annual.csv.gz"

#: measure_name in the CSV -> (count field, denominator)
PUBLISHED = {
    "recovery": ("recovered", "caseness"),
    "reliable_recovery": ("reliably_recovered", "caseness"),
    "improvement": ("improved", "finished"),
    "deterioration": ("deteriorated", "finished"),
    "no_reliable_change": ("no_reliable_change", "finished"),
}


def _groups() -> dict[tuple[str, str, str, str], dict[tuple[str, str], str]]:
    groups: dict[tuple[str, str, str, str], dict[tuple[str, str], str]] = defaultdict(dict)
    with gzip.open(DATA, "rt", newline="") as fh:
        for r in csv.DictReader(fh):
            key = (r["reporting_period"], r["variable_type"], r["variable_a"], r["variable_b"])
            groups[key][(r["measure_name"], r["measure_statistic"])] = r["value"]
    return groups


def _int(values: dict[tuple[str, str], str], name: str) -> int | None:
    try:
        return int(values[(name, "count")])
    except (KeyError, ValueError):
        return None


def _counts(values: dict[tuple[str, str], str]) -> CourseCounts | None:
    need = {
        "finished": "finished_course_treatment",
        "not_at_caseness": "not_at_caseness",
        "recovered": "recovery",
        "reliably_recovered": "reliable_recovery",
        "improved": "improvement",
        "deteriorated": "deterioration",
        "no_reliable_change": "no_reliable_change",
    }
    got = {k: _int(values, v) for k, v in need.items()}
    if any(v is None for v in got.values()):
        return None
    clean = {k: int(v) for k, v in got.items() if v is not None}
    paired = clean["improved"] + clean["deteriorated"] + clean["no_reliable_change"]
    return CourseCounts(paired=paired, **clean)


def test_every_published_percentage_with_its_counts_is_reproduced():
    compared = matched = 0
    misses = []
    for key, values in _groups().items():
        counts = _counts(values)
        for measure, (field, denominator) in PUBLISHED.items():
            raw = values.get((measure, "percentage"))
            try:
                published = float(raw) if raw is not None else None
            except ValueError:
                published = None  # NULL: not published for this group
            if published is None:
                continue
            assert counts is not None, f"{key} publishes {measure} % without its counts"
            den = counts.finished if denominator == "finished" else counts.caseness_denominator
            ours = published_percentage(getattr(counts, field), den)
            compared += 1
            if ours == published:
                matched += 1
            else:
                misses.append((key, measure, ours, published))
    share = matched / compared
    print(
        f"\nNHS TT England 2017-18..2024-25: {matched} of {compared} published percentages "
        f"reproduced ({100 * share:.1f} %)"
    )
    assert compared > 3900  # every row carrying its counts (3,935 in the extract)
    assert misses == []
    assert share == 1.0


def _episodes_realising(c: CourseCounts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PHQ-9 first/last scores (GAD-7 not used) whose outcomes are exactly ``c``.

    Cells: at caseness and reliably recovered (16 -> 4); recovered within measurement error
    (10 -> 5); at caseness improved but still a case (20 -> 12); deteriorated (12 -> 20);
    unchanged (12 -> 12); not at caseness improved (9 -> 2), deteriorated (5 -> 12),
    unchanged (5 -> 5); finished without paired scores (NaN).
    """
    rr = c.reliably_recovered
    r_only = c.recovered - rr
    n = c.not_at_caseness
    u = min(n, c.improved - rr)
    v = min(n - u, c.deteriorated)
    w = n - u - v
    cells = [
        (rr, 16, 4),
        (r_only, 10, 5),
        (c.improved - rr - u, 20, 12),
        (c.deteriorated - v, 12, 20),
        (c.no_reliable_change - r_only - w, 12, 12),
        (u, 9, 2),
        (v, 5, 12),
        (w, 5, 5),
        (c.finished - c.paired, math.nan, math.nan),
    ]
    assert all(k >= 0 for k, _, _ in cells), cells
    first = np.concatenate([np.full(k, a, dtype=np.float64) for k, a, _ in cells])
    last = np.concatenate([np.full(k, b, dtype=np.float64) for k, _, b in cells])
    attended = np.full(first.size, 2)
    return first, last, attended


def test_the_whole_path_from_scores_gives_the_england_totals():
    """Per year, episodes whose scores realise the published England counts go through
    finished_course -> course_outcomes -> course_counts -> the published percentages."""
    groups = _groups()
    years = sorted({k[0] for k in groups if k[1] == "Total"})
    assert len(years) == 8
    for year in years:
        values = groups[(year, "Total", "NULL", "NULL")]
        published = _counts(values)
        assert published is not None
        first, last, attended = _episodes_realising(published)
        nan = np.full(first.size, np.nan)
        finished = finished_course(attended, np.ones(first.size, dtype=bool))
        ours = course_counts(course_outcomes(first, last, nan, nan), finished)
        assert ours == published
        r = rates(ours)
        assert published_percentage(ours.recovered, ours.caseness_denominator) == float(
            values[("recovery", "percentage")]
        )
        assert r.recovery is not None and 0.49 < r.recovery < 0.53


def test_finished_needs_an_ending_and_two_attended_sessions():
    got = finished_course([0, 1, 2, 5, 2], [True, True, True, True, False])
    assert got.tolist() == [False, False, True, True, False]


def test_the_paired_rule_is_the_engines():
    """Recovery needs both measures below caseness at the end; improvement needs no reliable
    deterioration on the other measure (NHS Talking Therapies; engine.outcomes)."""
    out = course_outcomes([15, 15, 15], [5, 5, 5], [12, 12, 6], [9, 5, 11])
    counts = course_counts(out, [True, True, True])
    # 1: GAD-7 still ≥ 8 at the end -> not recovered; PHQ-9 fell 10 -> improved
    # 2: both below caseness, both fell reliably -> reliably recovered
    # 3: PHQ-9 fell 10 but GAD-7 rose 5 -> deteriorated, not improved; recovered? GAD-7 11 ≥ 8: no
    assert (counts.recovered, counts.reliably_recovered) == (1, 1)
    assert (counts.improved, counts.deteriorated, counts.no_reliable_change) == (2, 1, 0)


def test_configured_thresholds_are_used():
    out = course_outcomes([12], [7], [np.nan], [np.nan], TalkingTherapiesConfig(phq9_caseness=13))
    assert course_counts(out, [True]).not_at_caseness == 1


# --------------------------------------------------------------------------- effect size


def test_effect_size_worked_example():
    """Start 10, 14, 18 (mean 14, SD √(((-4)² + 0² + 4²) / 2) = 4); end 6, 8, 13 (mean 9):
    (14 − 9) / 4 = 1.25. The fourth pair has no end score and is left out."""
    es = effect_size([10, 14, 18, 20], [6, 8, 13, np.nan])
    assert es.n == 3
    assert (es.mean_start, es.mean_end, es.sd_start) == (14.0, 9.0, 4.0)
    assert es.value == 1.25


def test_effect_size_matches_a_published_row_by_hand():
    """CBT, England 2024-25, PHQ-9 14.2 (SD 6.1) -> 9.5: (14.2 − 9.5) / 6.1 = 0.770, published
    0.8. Two scores with exactly those moments reproduce it."""
    # start: mean 14.2, sample SD 6.1 -> 14.2 ± 6.1/√2; end: 9.5 each
    h = 6.1 / math.sqrt(2)
    es = effect_size([14.2 - h, 14.2 + h], [9.5, 9.5])
    assert es.value is not None
    assert round(es.value, 3) == 0.770
    assert round(es.value, 1) == 0.8


def test_effect_size_without_spread_or_pairs_is_none():
    assert effect_size([10, 10], [5, 5]).value is None
    assert effect_size([10], [5]).value is None
    assert effect_size([np.nan], [5]).n == 0


# --------------------------------------------------------------------------- suppression


def test_counts_under_the_limit_are_withheld():
    assert show_count(9).suppressed and show_count(9).text == "fewer than 10"
    assert show_count(0).suppressed
    assert show_count(10).value == 10
    assert not show_count(5, SuppressionConfig(below=5)).suppressed


def test_rates_are_withheld_when_any_part_is_small():
    assert show_rate(20, 40).text == "50.0 %"
    assert show_rate(9, 40).suppressed  # numerator
    assert show_rate(32, 40).suppressed  # 8 did not recover
    assert show_rate(5, 9).suppressed  # denominator
    assert show_rate(0, 0).text == "no courses"
    assert show_rate(3, 6, SuppressionConfig(below=3)).value == 50.0
    with pytest.raises(ValueError):
        SuppressionConfig(below=0)


def test_published_rounding_is_half_up():
    assert published_percentage(1, 8) == 12.5
    assert published_percentage(1, 2000) == 0.1  # 0.05 -> 0.1, not banker's 0.0
    assert published_percentage(3, 0) is None


# --------------------------------------------------------------------------- properties

score = st.one_of(st.just(math.nan), st.integers(0, 27).map(float))
gad = st.one_of(st.just(math.nan), st.integers(0, 21).map(float))
course = st.tuples(score, score, gad, gad, st.integers(0, 12), st.booleans(), st.integers(0, 3))


@settings(max_examples=200, deadline=None)
@given(st.lists(course, max_size=60))
def test_rates_are_proportions_and_the_sets_nest(rows):
    cols = list(zip(*rows, strict=True)) if rows else [[] for _ in range(7)]
    p0, p1, g0, g1, attended, ended, group = (np.asarray(c, dtype=np.float64) for c in cols)
    out = course_outcomes(p0, p1, g0, g1)
    finished = finished_course(attended.astype(np.int64), ended.astype(bool))
    c = course_counts(out, finished)
    for value in vars(rates(c)).values():
        assert value is None or 0.0 <= value <= 1.0
    assert c.reliably_recovered <= c.recovered <= c.caseness_denominator
    assert c.improved + c.deteriorated + c.no_reliable_change == c.paired <= c.finished
    assert c.not_at_caseness <= c.paired
    assert c.finished <= len(rows)
    parts = grouped_counts(out, finished, group.astype(np.int64), 4)
    assert sum(parts, CourseCounts()) == c
    shown = show_rate(c.recovered, c.caseness_denominator)
    if not shown.suppressed:
        assert c.recovered >= 10 and c.caseness_denominator - c.recovered >= 10
