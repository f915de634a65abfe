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
