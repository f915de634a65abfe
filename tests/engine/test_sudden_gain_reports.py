"""Reversals, by-person data and the values around each gain against the suddengains R package.

Published figures for the package's own ``sgdata`` (BDI, sessions ``bdi_s1`` … ``bdi_s12``,
``sg_crit1_cutoff = 7``), from milanwiedemann/suddengains:

* [DESC] ``tests/testthat/test-describe_sg.R`` and the tutorial vignette
  (``vignettes/suddengains-tutorial.md``, "Describe bysg / byperson dataset"):
  bysg — 24 gains, ``sg_multiple_pct`` 70.83, ``sg_reversal_n`` 4, ``sg_reversal_pct`` 16.67,
  ``sg_magnitude_m`` 11, ``sg_magnitude_sd`` 3.43; byperson (first gain, the default) — total 43,
  ``sg_n`` 15, ``sg_pct`` 34.88, ``sg_multiple_n`` 8, ``sg_multiple_pct`` 18.6,
  ``sg_reversal_n`` 3, ``sg_reversal_pct`` 20, ``sg_magnitude_m`` 11.4, ``sg_magnitude_sd`` 3.98.
* [TUT] the tutorial vignette, ``create_byperson(multiple_sg_select = "largest")``: "The first
  gain experienced by ID 5 is from session 3 to 4, whereas the largest gain was experienced
  from session 8 to 9."
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from attune.engine import research_cli
from attune.engine import sudden_gain_reports as rep
from attune.engine import sudden_gains as sg
from tests.shared_data import OUTCOME_REFERENCE, needs

DATA = OUTCOME_REFERENCE
SGDATA = DATA / "suddengains" / "sgdata.csv"
SESSIONS = ",".join(f"bdi_s{i}" for i in range(1, 13))
needs_data = needs(SGDATA)


def run_json(capsys: pytest.CaptureFixture[str], *args: object) -> dict[str, Any]:
    code = research_cli.main(
        ["sudden-gains", str(SGDATA), "--id", "id", "--columns", SESSIONS, *map(str, args)]
        + ["--json"]
    )
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    result: dict[str, Any] = json.loads(out)
    return result


@needs_data
def test_bysg_describe_matches_the_package(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(capsys)
    assert result["describe_bysg"] == {  # [DESC] bysg
        "total_n": 24,
        "sg_total_n": 24,
        "sg_pct": 100.0,
        "sg_multiple_pct": 70.83,
        "sg_reversal_n": 4,
        "sg_reversal_pct": 16.67,
        "sg_magnitude_m": 11.0,
        "sg_magnitude_sd": 3.43,
    }
    assert result["reversals"] == 4
    # the existing keys stay
    assert (result["gains"], result["people_with_gains"], result["intervals_tested"]) == (
        24,
        15,
        298,
    )


@needs_data
def test_byperson_first_matches_the_package(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(capsys)  # multiple_sg_select = "first" is the package's default
    assert result["multiple_sg_select"] == "first"
    assert result["describe_byperson"] == {  # [DESC] byperson
        "total_n": 43,
        "sg_total_n": 24,
        "sg_n": 15,
        "sg_pct": 34.88,
        "sg_multiple_n": 8,
        "sg_multiple_pct": 18.6,
        "sg_reversal_n": 3,
        "sg_reversal_pct": 20.0,
        "sg_magnitude_m": 11.4,
        "sg_magnitude_sd": 3.98,
    }
    assert len(result["byperson"]) == 15
    five = [g for g in result["byperson"] if g["id"] == 5]
    assert [(g["session"], g["id_sg"]) for g in five] == [(3, "5_sg_3")]  # [TUT] first: 3 → 4


@needs_data
def test_byperson_largest_picks_id_5s_session_8_gain(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(capsys, "--multiple-sg-select", "largest")
    five = [g for g in result["byperson"] if g["id"] == 5]
    assert [g["session"] for g in five] == [8]  # [TUT] largest: session 8 to 9
    assert result["describe_byperson"]["sg_n"] == 15


@needs_data
def test_values_and_means_around_each_gain(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(capsys)
    for e in result["events"]:
        before = [v for v in e["values_around"][:3] if v is not None]
        after = [v for v in e["values_around"][3:] if v is not None]
        assert e["values_around"][2] == e["pre_score"] and e["values_around"][3] == e["post_score"]
        assert e["pre_mean"] == pytest.approx(np.mean(before))
        assert e["post_mean"] == pytest.approx(np.mean(after))
        assert e["reversal_value"] == pytest.approx((e["pre_score"] + e["post_score"]) / 2)


def test_reversal_worked_example() -> None:
    """Hand-worked (no published figure for this row): scores 30 30 30 30 20 20 20 26 20.

    The gain is from column 3 (30) to column 4 (20): session n = 4 (column + 1), magnitude 10,
    reversal value 20 + 10/2 = 25. The package looks at columns c with c − n ≥ 2, i.e. columns
    6, 7, 8 (20, 26, 20): 26 > 25, so the gain is reversed. Change proportion: 10 / (30 − 20)
    = 1.0. Had the 26 been in column 5 (c − n = 1) it would not count (the package's rule).
    """
    scores = np.array([[30, 30, 30, 30, 20, 20, 20, 26, 20]], dtype=np.float64)
    events = sg.identify_sudden_gains(scores)
    assert [(e.session, e.magnitude) for e in events] == [(4, 10.0)]
    (report,) = rep.report_gains(scores, events)
    assert (report.reversal_value, report.reversal, report.change_proportion) == (25.0, True, 1.0)
    assert report.values_around == (30.0, 30.0, 30.0, 20.0, 20.0, 20.0)
    early = np.array([[30, 30, 30, 30, 20, 26, 20, 20, 20]], dtype=np.float64)
    (early_report,) = rep.report_gains(early, sg.identify_sudden_gains(early))
    assert early_report.reversal is False


def test_by_person_ties_go_to_the_earliest() -> None:
    scores = np.array([[40, 40, 40, 30, 30, 30, 20, 20, 20]], dtype=np.float64)
    reports = rep.report_gains(scores, sg.identify_sudden_gains(scores))
    assert len(reports) == 2 and reports[0].event.magnitude == reports[1].event.magnitude
    for select in ("first", "largest", "smallest"):
        assert rep.by_person(reports, select)[0].event.session == 3
    assert rep.by_person(reports, "last")[0].event.session == 6
    with pytest.raises(ValueError):
        rep.by_person(reports, "biggest")


# [BYSG] milanwiedemann/suddengains tests/testthat/test-create_bysg.R (expected tibble of
# ``create_bysg(sg_crit1_cutoff = 7, sg_crit3_adjust = TRUE)`` on the first 18 people of sgdata,
# bdi_s1 … bdi_s12): id_sg, sg_freq_byperson, sg_bdi_2n … sg_bdi_n3, sg_magnitude,
# sg_change_proportion, sg_reversal_value, sg_reversal. None is the package's NA.
PACKAGE_BYSG = [
    ("1_sg_3", 2, (35, 37, 34, 23, 24, 21), 11, 0.39285714285714285, 28.5, True),
    ("1_sg_7", 2, (24, 21, 29, 17, 11, 11), 12, 0.42857142857142855, 23, False),
    ("3_sg_8", 1, (37, None, 35, 26, 24, None), 9, 0.5625, 30.5, False),
    ("4_sg_3", 1, (31, 30, 32, 22, 22, 20), 10, 3.3333333333333335, 27, True),
    ("5_sg_3", 2, (39, 37, 36, 26, 26, 23), 10, 0.3225806451612903, 31, False),
    ("5_sg_8", 2, (23, 21, 19, 6, 7, 8), 13, 0.41935483870967744, 12.5, False),
    ("9_sg_3", 1, (35, 34, 32, 23, 24, 22), 9, 0.375, 27.5, False),
    ("10_sg_2", 2, (None, 35, 35, 25, 25, 17), 10, 0.37037037037037035, 30, False),
    ("10_sg_4", 2, (35, 25, 25, 17, 17, 16), 8, 0.2962962962962963, 21, False),
    ("12_sg_3", 1, (38, 38, 31, 23, 21, 22), 8, 0.6153846153846154, 27, True),
    ("13_sg_3", 2, (34, 33, 36, 23, 25, 23), 13, 0.52, 29.5, False),
    ("13_sg_8", 2, (23, 19, 18, 10, 9, 8), 8, 0.32, 14, False),
    ("14_sg_2", 1, (None, 39, 37, 23, None, 23), 14, 0.56, 30, False),
    ("18_sg_3", 1, (None, 38, 35, 24, None, 22), 11, None, 29.5, False),
]
# [BYPERSON] tests/testthat/test-create_byperson.R: the id_sg kept for each of those people
# with a gain, multiple_sg_select = "first" and "largest".
PACKAGE_BYPERSON = {
    "first": ["1_sg_3", "3_sg_8", "4_sg_3", "5_sg_3", "9_sg_3", "10_sg_2", "12_sg_3", "13_sg_3"]
    + ["14_sg_2", "18_sg_3"],
    "largest": ["1_sg_7", "3_sg_8", "4_sg_3", "5_sg_8", "9_sg_3", "10_sg_2", "12_sg_3"]
    + ["13_sg_3", "14_sg_2", "18_sg_3"],
}


@needs_data
def test_each_gain_row_matches_the_package_create_bysg(capsys: pytest.CaptureFixture[str]) -> None:
    """Row by row: the values around each gain, the magnitude, change proportion and reversal.

    The pre-/post-gain means (of sg_bdi_2n … n and n1 … n3 present) come from those same
    published values, so they are checked here too.
    """
    events = [e for e in run_json(capsys)["events"] if e["id"] <= 18]
    rows = [
        (
            e["id_sg"],
            e["freq_byperson"],
            tuple(e["values_around"]),
            e["magnitude"],
            e["change_proportion"],
            e["reversal_value"],
            e["reversal"],
        )
        for e in events
    ]
    assert rows == PACKAGE_BYSG
    for e, (*_, around, _m, _p, _v, _r) in zip(events, PACKAGE_BYSG, strict=True):
        before = [v for v in around[:3] if v is not None]
        after = [v for v in around[3:] if v is not None]
        assert (e["pre_mean"], e["post_mean"]) == (np.mean(before), np.mean(after))


@needs_data
@pytest.mark.parametrize("select", ["first", "largest"])
def test_byperson_rows_match_the_package_create_byperson(
    capsys: pytest.CaptureFixture[str], select: str
) -> None:
    result = run_json(capsys, "--multiple-sg-select", select)
    kept = [g["id_sg"] for g in result["byperson"] if g["id"] <= 18]
    assert kept == PACKAGE_BYPERSON[select]
