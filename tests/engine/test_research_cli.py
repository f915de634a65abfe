"""Tests for ``attune outcomes`` and ``attune sudden-gains`` on the shared reference datasets.

Expected counts come from the R packages' own documented output on the same data:

* ``clinicalsignificance`` (pedscience): README and test snapshots
  (tests/testthat/_snaps/clinical_significance.md, cs_distribution.md, cs_combined.md) —
  claus_2020 BDI and HAMD, jacobson_1989 GDS;
* ``suddengains`` (Wiedemann et al. 2020): the tutorial vignette's ``describe_sg`` and
  ``count_intervals`` output on ``sgdata``;
* the dataset README (/work/shared/datasets/outcome-reference/README.md): DAS pre mean 81.6
  (SD 11.8); BtheB n at 8 months 27 + 25.

Counts without a published reference (hechler_2014, BtheB, DAS) are recorded after hand checks.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from attune.engine import research_cli
from tests.shared_data import OUTCOME_REFERENCE, needs

DATA = OUTCOME_REFERENCE
pytestmark = needs(DATA)
CS = DATA / "clinicalsignificance"
SGDATA = DATA / "suddengains" / "sgdata.csv"
BTHEB = DATA / "hsaur-btheb" / "BtheB.csv"
SESSIONS = ",".join(f"bdi_s{i}" for i in range(1, 13))
ATTUNE = Path(sys.executable).with_name("attune")


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = research_cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *args: object) -> dict[str, Any]:
    code, out, err = run(capsys, *args, "--json")
    assert (code, err) == (0, "")
    result: dict[str, Any] = json.loads(out)
    return result


def counts(recovered: int, improved: int, unchanged: int, deteriorated: int) -> dict[str, int]:
    return {
        "recovered": recovered,
        "improved": improved,
        "unchanged": unchanged,
        "deteriorated": deteriorated,
    }


CLAUS = (CS / "claus_2020.csv", "--id", "id", "--time", "time", "--pre", 1, "--post", 4)


# --------------------------------------------------------------------------- attune outcomes


def test_claus_bdi_criterion_a_matches_clinicalsignificance(capsys) -> None:
    # clinical_significance(claus_2020, id, time, bdi, reliability = 0.8, pre = 1, post = 4):
    # cut-off a 19.16 (M 35.48, SD 8.16); 10 / 8 / 22 / 0 of 40.
    result = run_json(
        capsys, "outcomes", *CLAUS, "--score", "bdi", "--reliability", 0.8, "--cutoff", "a"
    )
    assert result["n"] == 40
    assert result["counts"] == counts(10, 8, 22, 0)
    assert result["cutoff"] == pytest.approx(19.16, abs=0.005)
    assert result["cutoff_criterion"] == "a"
    assert (result["pre_mean"], result["sd"]) == pytest.approx((35.48, 8.16), abs=0.005)


def test_claus_bdi_criterion_c_matches_the_clinicalsignificance_readme(capsys) -> None:
    # README: reliability .81, m_functional 8, sd_functional 8, type "c": cut-off 21.6;
    # recovered 10, improved 9, unchanged 21, deteriorated 0.
    result = run_json(
        capsys, "outcomes", *CLAUS, "--score", "bdi", "--reliability", 0.81,
        "--functional-mean", 8, "--functional-sd", 8,
    )  # fmt: skip
    assert result["counts"] == counts(10, 9, 21, 0)
    assert result["cutoff"] == pytest.approx(21.6, abs=0.005)
    assert result["cutoff_criterion"] == "c"


def test_claus_hamd_matches_the_package_snapshots(capsys) -> None:
    # cs_distribution(claus_2020, ..., hamd, reliability = 0.8, rci_method = "JT"): 29 / 10 / 1.
    plain = run_json(capsys, "outcomes", *CLAUS, "--score", "hamd", "--reliability", 0.8)
    assert plain["counts"] == counts(0, 29, 10, 1)
    assert plain["cutoff"] is None
    # cs_combined(..., m_functional = 8, sd_functional = 8, cutoff_type = "c"): 26 / 3 / 10 / 1.
    combined = run_json(
        capsys, "outcomes", *CLAUS, "--score", "hamd", "--reliability", 0.8,
        "--functional-mean", 8, "--functional-sd", 8,
    )  # fmt: skip
    assert combined["counts"] == counts(26, 3, 10, 1)


def test_jacobson_gds_matches_the_package_snapshot(capsys) -> None:
    # clinical_significance(jacobson_1989, subject, time, gds, reliability = 0.8, pre = "pre"):
    # 10 / 4 / 12 / 0 of 26 (4 couples lack a GDS score).
    result = run_json(
        capsys, "outcomes", CS / "jacobson_1989.csv", "--id", "subject", "--time", "time",
        "--score", "gds", "--pre", "pre", "--post", "post", "--reliability", 0.8, "--cutoff", "a",
    )  # fmt: skip
    assert (result["n"], result["ids_in_file"]) == (26, 30)
    assert result["counts"] == counts(10, 4, 12, 0)


def test_jacobson_das_higher_is_better(capsys) -> None:
    # Dataset README: DAS pre mean 81.6 (SD 11.8). Reliability .84 as in the JT-RCI README.
    result = run_json(
        capsys, "outcomes", CS / "jacobson_1989.csv", "--id", "subject", "--time", "time",
        "--score", "das", "--pre", "pre", "--post", "post", "--reliability", 0.84,
        "--higher-is-better",
    )  # fmt: skip
    assert (result["pre_mean"], result["sd"]) == pytest.approx((81.6, 11.8), abs=0.05)
    assert result["rci_points"] == pytest.approx(1.96 * 2**0.5 * result["sd"] * 0.16**0.5)
    # No cut-off: "recovered" stays 0. Recorded: 18 improved, 11 unchanged, 1 deteriorated.
    assert result["counts"] == counts(0, 18, 11, 1)
    people = {p["id"]: p for p in result["people"]}
    # Couple 2: 74 -> 124, RCI = 50 / 6.69 = 7.47, improved; couple 29: 80 -> 60.5, worse.
    assert people[2]["rci"] == pytest.approx(7.47, abs=0.01)
    assert (people[2]["category"], people[29]["category"]) == ("improved", "deteriorated")
    assert set(people[1]) == {"id", "pre", "post", "change", "rci", "category"}


def test_rc_points_rule(capsys) -> None:
    result = run_json(capsys, "outcomes", *CLAUS, "--score", "bdi", "--rc", 10, "--cutoff", 21.6)
    assert result["rci_points"] == 10
    assert result["cutoff_criterion"] == "given"
    assert all(p["rci"] is None for p in result["people"])
    for p in result["people"]:
        change = p["post"] - p["pre"]
        if change <= -10:
            assert p["category"] in ("improved", "recovered")
        elif change >= 10:
            assert p["category"] == "deteriorated"
        else:
            assert p["category"] == "unchanged"


def test_hechler_recorded(capsys) -> None:
    # No published reference; recorded: 92 of 104 children have both scores.
    result = run_json(
        capsys, "outcomes", CS / "hechler_2014.csv", "--id", "patient", "--time", "measurement",
        "--score", "disability", "--pre", 1, "--post", 2, "--reliability", 0.8, "--cutoff", "a",
    )  # fmt: skip
    assert (result["n"], result["ids_in_file"]) == (92, 104)
    assert result["counts"] == counts(34, 20, 36, 2)
    assert sum(result["counts"].values()) == result["n"]


def _btheb_long(tmp_path: Path) -> Path:
    """BtheB is wide (bdi.pre, bdi.2m, ...): the long format ``attune outcomes`` reads
    (the same conversion as in docs/research-cli.md)."""
    target = tmp_path / "btheb_long.csv"
    with BTHEB.open(newline="") as src, target.open("w", newline="") as dst:
        writer = csv.writer(dst)
        writer.writerow(["patient", "treatment", "month", "bdi"])
        for row in csv.DictReader(src):
            for month in ("pre", "2m", "4m", "6m", "8m"):
                writer.writerow([row["patient"], row["treatment"], month, row[f"bdi.{month}"]])
    return target


def test_btheb_complete_cases(capsys, tmp_path: Path) -> None:
    long = _btheb_long(tmp_path)
    at_8m = run_json(
        capsys, "outcomes", long, "--id", "patient", "--time", "month", "--score", "bdi",
        "--pre", "pre", "--post", "8m", "--reliability", 0.9, "--cutoff", "a",
    )  # fmt: skip
    # README: 27 + 25 patients have a BDI-II at 8 months (everyone has a baseline).
    assert (at_8m["n"], at_8m["ids_in_file"]) == (52, 100)
    # Recorded (checked by an independent plain-Python computation): SD 9.61, RC 8.42 points,
    # cut-off a 3.80 -> 12 / 17 / 22 / 1. Reliability .9 is only for illustration.
    assert at_8m["counts"] == counts(12, 17, 22, 1)
    at_2m = run_json(
        capsys, "outcomes", long, "--id", "patient", "--time", "month", "--score", "bdi",
        "--pre", "pre", "--post", "2m", "--rc", 8,
    )  # fmt: skip
    assert (at_2m["n"], at_2m["counts"]) == (97, counts(0, 36, 57, 4))


def test_text_output(capsys) -> None:
    code, out, err = run(capsys, "outcomes", *CLAUS, "--score", "bdi", "--reliability", 0.8)
    assert (code, err) == (0, "")
    assert "complete cases: 40 of 43 ids" in out
    assert "cut-off: none, so nobody is counted as recovered" in out
    assert "recovered        0" in out


# --------------------------------------------------------------------------- attune sudden-gains


def test_sgdata_gains_match_the_suddengains_tutorial(capsys) -> None:
    result = run_json(capsys, "sudden-gains", SGDATA, "--id", "id", "--columns", SESSIONS)
    # describe_sg: 24 gains, 15 of 43 people, 8 with multiple gains, mean magnitude 11.
    assert (result["n"], result["gains"], result["people_with_gains"]) == (43, 24, 15)
    assert result["people_with_multiple_gains"] == 8
    assert result["mean_magnitude"] == pytest.approx(11.0)
    # count_intervals: 298 available between-session intervals.
    assert result["intervals_tested"] == 298
    five = [e for e in result["events"] if e["id"] == 5]
    assert [(e["session"], e["pre_column"], e["post_column"]) for e in five] == [
        (3, "bdi_s3", "bdi_s4"), (8, "bdi_s8", "bdi_s9"),
    ]  # fmt: skip


def test_sgdata_losses_and_cutoff(capsys) -> None:
    losses = run_json(
        capsys, "sudden-gains", SGDATA, "--id", "id", "--columns", SESSIONS, "--losses"
    )
    assert losses["kind"] == "losses"
    assert (losses["gains"], losses["people_with_gains"]) == (3, 3)
    assert [e["id"] for e in losses["events"]] == [4, 34, 35]
    stricter = run_json(
        capsys, "sudden-gains", SGDATA, "--id", "id", "--columns", SESSIONS, "--cutoff", 10
    )
    assert stricter["gains"] < 24
    assert all(e["magnitude"] >= 10 for e in stricter["events"])


def test_btheb_sudden_gains_with_heavy_attrition(capsys) -> None:
    result = run_json(
        capsys, "sudden-gains", BTHEB, "--id", "patient",
        "--columns", "bdi.pre,bdi.2m,bdi.4m,bdi.6m,bdi.8m",
    )  # fmt: skip
    assert (result["n"], result["intervals_tested"], result["gains"]) == (100, 110, 6)


def test_sudden_gains_text_output(capsys) -> None:
    code, out, _ = run(capsys, "sudden-gains", SGDATA, "--id", "id", "--columns", SESSIONS)
    assert code == 0
    assert "24 gains in 15 people (8 with more than one); mean magnitude 11" in out


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("outcomes", "/no/such/file.csv", "--id", "a", "--time", "b", "--score", "c",
          "--pre", 1, "--post", 2, "--rc", 5), "file not found"),
        (("outcomes", *CLAUS, "--score", "nope", "--rc", 5), "column 'nope' is not in"),
        (("outcomes", *CLAUS, "--score", "sex", "--rc", 5), "is not a number"),
        (("outcomes", *CLAUS[:-1], 9, "--score", "bdi", "--rc", 5), "no row of"),
        (("outcomes", *CLAUS, "--score", "bdi"), "--reliability --rc is required"),
        (("outcomes", *CLAUS, "--score", "bdi", "--reliability", 1.5), "--reliability must"),
        (("outcomes", *CLAUS, "--score", "bdi", "--rc", 5, "--functional-mean", 8),
         "together"),
        (("sudden-gains", SGDATA, "--id", "id", "--columns", "bdi_s1,bdi_s2,nope,bdi_s4"),
         "column 'nope'"),
        (("sudden-gains", SGDATA, "--id", "id", "--columns", "bdi_s1,bdi_s2"), "at least 4"),
        (("sudden-gains", CS / "claus_2020.csv", "--id", "age",
          "--columns", "bdi,hamd,who,shaps"), "appears twice"),
        (("outcomes",), "required"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(capsys, args: tuple[object, ...], message: str) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_no_complete_cases(capsys, tmp_path: Path) -> None:
    path = tmp_path / "apart.csv"
    path.write_text("id,time,score\n1,pre,20\n2,post,10\n3,pre,\n3,post,12\n")
    code, _, err = run(
        capsys, "outcomes", path, "--id", "id", "--time", "time", "--score", "score",
        "--pre", "pre", "--post", "post", "--rc", 5,
    )  # fmt: skip
    assert code == 2 and "no complete cases" in err


def test_non_numeric_and_empty_files(capsys, tmp_path: Path) -> None:
    wide = tmp_path / "wide.csv"
    wide.write_text("id,s1,s2,s3,s4\n1,20,19,x,10\n")
    code, _, err = run(capsys, "sudden-gains", wide, "--id", "id", "--columns", "s1,s2,s3,s4")
    assert code == 2 and "line 2: 'x' in column 's3' is not a number" in err
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    code, _, err = run(capsys, "sudden-gains", empty, "--id", "id", "--columns", "a,b,c,d")
    assert code == 2 and "empty" in err
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81id\n")
    code, _, err = run(capsys, "sudden-gains", binary, "--id", "id", "--columns", "a,b,c,d")
    assert code == 2 and err.count("\n") == 1


# --------------------------------------------------------------------------- the real command


def _subprocess(*args: object) -> subprocess.CompletedProcess[str]:
    if not ATTUNE.exists():
        pytest.skip(f"console script not installed next to {sys.executable}")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "no.such.settings"}
    return subprocess.run(  # noqa: S603 (our own console script, fixed arguments)
        [str(ATTUNE), *(str(a) for a in args)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )


def test_attune_command_dispatches_without_django() -> None:
    # A settings module that does not exist: Django would fail, the research commands do not.
    done = _subprocess(
        "outcomes", *CLAUS, "--score", "bdi", "--reliability", 0.8, "--cutoff", "a", "--json"
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["counts"] == counts(10, 8, 22, 0)
    done = _subprocess("sudden-gains", SGDATA, "--id", "id", "--columns", SESSIONS, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["gains"] == 24


def test_attune_command_bad_input_exit_code() -> None:
    done = _subprocess("sudden-gains", "/no/such.csv", "--id", "id", "--columns", "a,b,c,d")
    assert done.returncode == 2
    assert done.stderr == "attune sudden-gains: error: file not found: /no/such.csv\n"


def test_research_module_imports_no_django() -> None:
    code = (
        "import sys\n"
        "from attune.engine import research_cli\n"
        f"rc = research_cli.main(['sudden-gains', {str(SGDATA)!r}, '--id', 'id', "
        f"'--columns', {SESSIONS!r}, '--json'])\n"
        "print(rc, any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    done = subprocess.run(  # noqa: S603 (this interpreter, fixed code)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip().splitlines()[-1] == "0 False"
