"""``attune outcomes --approach …`` and :mod:`attune.engine.clinical_significance` against the
``clinicalsignificance`` R package's published results on its own example data (claus_2020).

Every expected count below is copied from the package (pedscience/clinicalsignificance), with
the source named next to it:

* [SNAP-D] ``tests/testthat/_snaps/cs_distribution.md`` (commit 1b6fd9a5) — HAMD, times 1 → 4,
  reliability 0.8, every ``rci_method``;
* [SNAP-C] ``tests/testthat/_snaps/cs_combined.md`` (commit 1b6fd9a5) — HAMD, reliability 0.8,
  ``m_functional = 8, sd_functional = 8, cutoff_type = "c"``;
* [SNAP-P] ``tests/testthat/_snaps/cs_percentage.md`` (commit 1b6fd9a5) — HAMD;
* [VIG-S] the rendered vignette ``articles/statistical-approach.html`` (commit 44aa6260) —
  BDI and WHO-5, ``m_functional = 7, sd_functional = 7, cutoff_type = "c"``;
* [VIG-A] the rendered vignette ``articles/anchor-based-approach.html`` (commit 44aa6260) —
  BDI ``mid_improvement = 7``, WHO-5 ``mid_improvement = 4, better_is = "higher"``.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from attune.engine import clinical_significance as cs
from attune.engine import research_cli
from tests.shared_data import OUTCOME_REFERENCE, needs

CLAUS = OUTCOME_REFERENCE / "clinicalsignificance" / "claus_2020.csv"
needs_data = needs(CLAUS)
BASE = (CLAUS, "--id", "id", "--time", "time", "--pre", 1, "--post", 4)


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = research_cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *args: object) -> dict[str, Any]:
    code, out, err = run(capsys, "outcomes", *BASE, *args, "--json")
    assert (code, err) == (0, "")
    result: dict[str, Any] = json.loads(out)
    return result


def table(result: dict[str, Any]) -> list[tuple[str, int, float]]:
    return [(r["category"], r["n"], round(r["percent"], 2)) for r in result["summary"]]


def three(i: int, u: int, d: int) -> list[tuple[str, int, float]]:
    return [
        ("improved", i, round(100 * i / 40, 2)),
        ("unchanged", u, round(100 * u / 40, 2)),
        ("deteriorated", d, round(100 * d / 40, 2)),
    ]


# --------------------------------------------------------------------------- distribution


@needs_data
@pytest.mark.parametrize(
    ("method", "extra", "expected"),
    [
        ("jt", (), (29, 10, 1)),  # [SNAP-D] rci_method = "JT"
        ("gln", (), (29, 10, 1)),  # [SNAP-D] "GLN"
        ("en", (), (32, 5, 3)),  # [SNAP-D] "EN"
        ("ha", (), (32, 7, 1)),  # [SNAP-D] "HA"
        ("hll", (), (12, 16, 12)),  # [SNAP-D] "HLL"
        ("nk", ("--reliability-post", 0.5), (28, 11, 1)),  # [SNAP-D] "NK", reliability_post 0.5
    ],
)
def test_distribution_methods_match_the_package(
    capsys: pytest.CaptureFixture[str],
    method: str,
    extra: tuple[object, ...],
    expected: tuple[int, int, int],
) -> None:
    result = run_json(
        capsys, "--score", "hamd", "--approach", "distribution", "--reliability", 0.8,
        "--rci-method", method, *extra,
    )  # fmt: skip
    assert result["n"] == 40
    assert table(result) == three(*expected)
    assert result["rci_method"] == method and result["approach"] == "distribution"
    assert result["rci"]["critical_value"] == (1.65 if method == "ha" else 1.96)
    # the existing keys stay
    for key in ("n", "counts", "cutoff", "higher_is_better", "reliability", "people"):
        assert key in result
    assert sum(result["counts"].values()) == 40


@needs_data
def test_distribution_default_method_is_jt(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(capsys, "--score", "hamd", "--approach", "distribution", "--reliability", 0.8)
    assert result["rci_method"] == "jt"
    assert table(result) == three(29, 10, 1)  # [SNAP-D] JT


# --------------------------------------------------------------------------- combined


@needs_data
@pytest.mark.parametrize(
    ("method", "extra", "expected"),
    [
        ("jt", (), (26, 3, 10, 1, 0)),  # [SNAP-C] JT
        ("en", (), (26, 6, 5, 3, 0)),  # [SNAP-C] EN
        ("hll", (), (12, 0, 16, 11, 1)),  # [SNAP-C] HLL (one "harmed")
        ("gln", (), (26, 3, 10, 1, 0)),  # [SNAP-C] GLN
        ("nk", ("--reliability-post", 0.5), (26, 2, 11, 1, 0)),  # [SNAP-C] NK
    ],
)
def test_combined_matches_the_package(
    capsys: pytest.CaptureFixture[str],
    method: str,
    extra: tuple[object, ...],
    expected: tuple[int, int, int, int, int],
) -> None:
    result = run_json(
        capsys, "--score", "hamd", "--approach", "combined", "--reliability", 0.8,
        "--rci-method", method, *extra,
        "--cutoff-type", "c", "--m-functional", 8, "--sd-functional", 8,
    )  # fmt: skip
    names = ("recovered", "improved", "unchanged", "deteriorated", "harmed")
    assert [(r["category"], r["n"]) for r in result["summary"]] == list(
        zip(names, expected, strict=True)
    )
    assert result["cutoff_criterion"] == "c"
    assert result["cutoff_info"]["m_functional"] == 8


@needs_data
def test_combined_ha_matches_the_package(capsys: pytest.CaptureFixture[str]) -> None:
    # [SNAP-C] cs_combined(..., hamd, reliability = 0.8, m_functional = 8, sd_functional = 8,
    # cutoff_type = "c", rci_method = "HA"): individual 23 / 9 / 7 / 1 / 0; group level
    # Changed 0.90, Functional 0.76.
    result = run_json(
        capsys, "--score", "hamd", "--approach", "combined", "--reliability", 0.8,
        "--rci-method", "ha", "--cutoff-type", "c", "--m-functional", 8, "--sd-functional", 8,
    )  # fmt: skip
    assert [(r["category"], r["n"]) for r in result["summary"]] == [
        ("recovered", 23), ("improved", 9), ("unchanged", 7), ("deteriorated", 1), ("harmed", 0),
    ]  # fmt: skip
    assert result["group_level"]["changed"] == pytest.approx(0.90, abs=0.005)
    assert result["group_level"]["functional"] == pytest.approx(0.76, abs=0.005)
    assert result["cutoff_criterion"] == "c_true"


@needs_data
def test_significance_level_uses_the_normal_quantile(capsys: pytest.CaptureFixture[str]) -> None:
    """``significance_level = 0.05`` (the package's current argument) gives Φ⁻¹(.975) =
    1.959964 (Φ⁻¹(.95) = 1.644854 for HA) instead of the rounded 1.96 / 1.65 of the published
    snapshots; on claus_2020 HAMD no RCI lies between the two, so the [SNAP-D] counts stay."""
    for method, critical, expected in (("jt", 1.959964, (29, 10, 1)), ("ha", 1.644854, (32, 7, 1))):
        result = run_json(
            capsys, "--score", "hamd", "--approach", "distribution", "--reliability", 0.8,
            "--rci-method", method, "--significance-level", 0.05,
        )  # fmt: skip
        assert result["rci"]["critical_value"] == pytest.approx(critical, abs=1e-6)
        assert table(result) == three(*expected)


# --------------------------------------------------------------------------- statistical


@needs_data
def test_statistical_bdi_matches_the_vignette(capsys: pytest.CaptureFixture[str]) -> None:
    # [VIG-S] cs_statistical(claus_2020, id, time, bdi, pre = 1, post = 4, m_functional = 7,
    # sd_functional = 7, cutoff_type = "c"): cut-off 20.15 (M 35.48, SD 8.16); 13 / 27 / 0.
    result = run_json(
        capsys, "--score", "bdi", "--approach", "statistical", "--cutoff-type", "c",
        "--m-functional", 7, "--sd-functional", 7,
    )  # fmt: skip
    assert table(result) == three(13, 27, 0)
    info = result["cutoff_info"]
    assert info["value"] == pytest.approx(20.15, abs=0.005)
    assert info["m_clinical"] == pytest.approx(35.48, abs=0.005)
    assert info["sd_clinical"] == pytest.approx(8.16, abs=0.005)


@needs_data
def test_statistical_who_higher_is_better_matches_the_vignette(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # [VIG-S] the same for who with better_is = "higher": 21 / 17 / 2.
    result = run_json(
        capsys, "--score", "who", "--higher-is-better", "--approach", "statistical",
        "--cutoff-type", "c", "--m-functional", 7, "--sd-functional", 7,
    )  # fmt: skip
    assert table(result) == three(21, 17, 2)


# --------------------------------------------------------------------------- percentage


@needs_data
@pytest.mark.parametrize("extra", [(), ("--pct-deterioration", 0.3)])
def test_percentage_matches_the_package(
    capsys: pytest.CaptureFixture[str], extra: tuple[object, ...]
) -> None:
    # [SNAP-P] cs_percentage(claus_2020, id, time, hamd, pre = 1, post = 4,
    # pct_improvement = 0.5 [, pct_deterioration = 0.3]): 16 / 24 / 0 both times.
    result = run_json(
        capsys, "--score", "hamd", "--approach", "percentage", "--pct-improvement", 0.5, *extra
    )
    assert table(result) == three(16, 24, 0)


# --------------------------------------------------------------------------- anchor


@needs_data
def test_anchor_bdi_matches_the_vignette(capsys: pytest.CaptureFixture[str]) -> None:
    # [VIG-A] cs_anchor(claus_2020, id, time, bdi, pre = 1, post = 4, mid_improvement = 7):
    # 25 / 11 / 4.
    result = run_json(capsys, "--score", "bdi", "--approach", "anchor", "--mid-improvement", 7)
    assert table(result) == three(25, 11, 4)


@needs_data
def test_anchor_who_higher_is_better_matches_the_vignette(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # [VIG-A] the same for who, mid_improvement = 4, better_is = "higher": 15 / 25 / 0.
    result = run_json(
        capsys, "--score", "who", "--higher-is-better", "--approach", "anchor",
        "--mid-improvement", 4,
    )  # fmt: skip
    assert table(result) == three(15, 25, 0)


# --------------------------------------------------------------------------- worked examples


def test_rci_formulas_worked_example() -> None:
    """Hand-computed (no published figure): pre (10, 20, 30), post (8, 14, 30), r = .8.

    M_pre 20, SD_pre 10 (ddof 1), M_post 52/3, SE = 10·√.2 = 4.4721, Sdiff = √2·SE = 6.3246,
    SE_pred = 10·√(1 − .64) = 6.
    JT for person 2: (14 − 20) / 6.3246 = −0.9487.
    GLN: ((14 − 20) − .8·(20 − 20)) / 6 = −1.0.
    HLL: ((14 − 52/3) − 0) / 6 = −0.5556.
    EN: (14 − (.8·0 + 20)) / 4.4721 = −1.3416.
    NK (r_post = r): denominator √(.64·100·.2 + 100·.2) = √32.8 = 5.7271 → −1.0476.
    """
    pre, post = np.array([10.0, 20.0, 30.0]), np.array([8.0, 14.0, 30.0])
    expect = {"jt": -0.9487, "gln": -1.0, "hll": -0.5556, "en": -1.3416, "nk": -1.0476}
    for method, value in expect.items():
        assert cs.rci_by_method(pre, post, method, 0.8).rci[1] == pytest.approx(value, abs=1e-4)


def test_percentage_from_zero_and_no_change() -> None:
    """pre 0 → 5 (lower is better) is a deterioration, not the package's "improved"; no change
    is unchanged."""
    cats = cs.percentage_categories([0.0, 10.0, 10.0], [5.0, 10.0, 4.0], 0.5, direction=-1)
    assert cats.names() == ["deteriorated", "unchanged", "improved"]


def test_bad_approach_options_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    cases = [
        (("--approach", "percentage"), "--pct-improvement"),
        (("--approach", "anchor"), "--mid-improvement"),
        (("--approach", "distribution"), "needs --reliability"),
        (("--approach", "percentage", "--pct-improvement", 0.5, "--reliability", 0.8), "not used"),
        (("--rci-method", "gln", "--reliability", 0.8), "needs --approach"),
        (("--approach", "statistical", "--cutoff-type", "b"), "--m-functional"),
        (("--approach", "distribution", "--rc", 5), "not used"),
    ]
    if not CLAUS.exists():
        pytest.skip("reference data not found")
    for args, message in cases:
        code, out, err = run(capsys, "outcomes", *BASE, "--score", "bdi", *args)
        assert code == 2 and out == "", args
        assert err.count("\n") == 1 and message in err, (args, err)
