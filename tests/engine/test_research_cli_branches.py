"""Branches of ``attune outcomes`` / ``attune sudden-gains`` the reference-data tests do not take.

Small hand-checkable files in ``tmp_path``: five people, pre scores 20, 30, 10, 24, 18 (mean
20.4, sample SD sqrt(219.2 / 4) = 7.40) and post scores 8, 28, 16, 12, 17 (mean 16.2).
Changes -12, -2, +6, -12, -1: with 50 % (or 5 points) as the threshold, people 1 and 4 improve,
person 3 deteriorates, 2 and 5 are unchanged.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from attune.engine import research_cli

LONG = (
    "id,time,score\n1,pre,20\n1,post,8\n2,pre,30\n2,post,28\n3,pre,10\n3,post,16\n"
    "4,pre,24\n4,post,12\n5,pre,18\n5,post,17\n"
)
BASE = ("--id", "id", "--time", "time", "--score", "score", "--pre", "pre", "--post", "post")


def write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = research_cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def outcomes(capsys: pytest.CaptureFixture[str], path: Path, *args: object) -> tuple[int, str, str]:
    return run(capsys, "outcomes", path, *BASE, *args)


def error(capsys: pytest.CaptureFixture[str], *args: object) -> str:
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    return err.strip()


# --------------------------------------------------------------------------- text output


def test_percentage_approach_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = outcomes(
        capsys, write(tmp_path, LONG), "--approach", "percentage", "--pct-improvement", "0.5"
    )
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("Percentage-change approach")
    assert lines[0].endswith("time pre → post, lower is better")
    assert lines[1] == "complete cases: 5 of 5 ids"
    assert lines[2] == (
        "improved: a change of 50 % or more toward health; deteriorated: 50 % or more the other way"
    )
    assert "4          24       12      -12       —  improved" in lines
    assert lines[-3:] == [
        "improved         2   40.00 %",
        "unchanged        2   40.00 %",
        "deteriorated     1   20.00 %",
    ]


def test_anchor_approach_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = outcomes(
        capsys,
        write(tmp_path, LONG),
        "--approach",
        "anchor",
        "--mid-improvement",
        "5",
        "--mid-deterioration",
        "7",
    )
    assert code == 0
    assert "improved: 5 points or more toward health; deteriorated: 7 points or more" in out
    # person 3 worsens by 6, less than 7: unchanged now
    assert out.splitlines()[-3:] == [
        "improved         2   40.00 %",
        "unchanged        3   60.00 %",
        "deteriorated     0    0.00 %",
    ]


def test_distribution_nk_shows_post_reliability(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = outcomes(
        capsys,
        write(tmp_path, LONG),
        "--approach",
        "distribution",
        "--reliability",
        "0.8",
        "--rci-method",
        "nk",
        "--reliability-post",
        "0.7",
    )
    assert code == 0
    assert (
        "RCI method nk (reliability 0.8, post 0.7): reliable when |RCI| > 1.96; "
        "pre M 20.40 SD 7.40, post M 16.20 SD 7.50"
    ) in out
    assert out.splitlines()[-3:-1] == [
        "improved         2   40.00 %",
        "unchanged        3   60.00 %",
    ]


def test_combined_ha_group_level(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = outcomes(
        capsys,
        write(tmp_path, LONG),
        "--approach",
        "combined",
        "--reliability",
        "0.8",
        "--rci-method",
        "ha",
    )
    assert code == 0
    assert "reliable when |RCI| > 1.65" in out  # the ha default critical value
    assert "cut-off a_true:" in out
    assert "harmed           0    0.00 %" in out
    assert out.splitlines()[-1].startswith("group level (Hageman & Arrindell): changed ")


def test_statistical_text_shows_cutoff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = outcomes(
        capsys, write(tmp_path, LONG), "--approach", "statistical", "--cutoff", "15"
    )
    assert code == 0
    assert "cut-off given: 15.00" in out
    assert "RCI method" not in out


# --------------------------------------------------------------------------- the csv-module path


def test_duplicate_header_reads_through_csv_module(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A repeated column name makes Arrow step aside; the JSON is the same as through Arrow."""
    dup = "id,time,score,note,note\n" + "\n".join(line + ",x,y" for line in LONG.splitlines()[1:])
    args = ("--approach", "percentage", "--pct-improvement", "0.5", "--json")
    code, out_arrow, _ = outcomes(capsys, write(tmp_path, LONG), *args)
    assert code == 0
    code, out_csv, _ = outcomes(capsys, write(tmp_path, dup, "dup.csv"), *args)
    assert code == 0
    assert json.loads(out_csv) == json.loads(out_arrow)
    people = json.loads(out_csv)["people"]
    assert [p["id"] for p in people] == [1, 2, 3, 4, 5]
    assert people[0] == {
        "id": 1,
        "pre": 20.0,
        "post": 8.0,
        "change": -12.0,
        "rci": None,
        "category": "improved",
    }
    # a text-only stdout (no .buffer): the people are written as text
    stream = io.StringIO()
    monkeypatch.setattr("sys.stdout", stream)
    assert research_cli.main(["outcomes", str(tmp_path / "data.csv"), *BASE, *args]) == 0
    assert json.loads(stream.getvalue()) == json.loads(out_arrow)


def test_csv_module_reports_bad_score_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dup = "id,time,score,n,n\n1,pre,20,,\n1,post,8,,\n2,pre,abc,,\n2,post,3,,\n"
    message = error(capsys, "outcomes", write(tmp_path, dup), *BASE, "--rc", "5")
    assert "line 4" in message
    assert "abc" in message


def test_text_ids_and_missing_scores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "id,time,score\nann,pre,20\nann,post,8\nbob,pre,NA\nbob,post,3\ncy,pre,12\ncy,post,\n"
    code, out, _ = outcomes(capsys, write(tmp_path, text), "--rc", "5", "--json")
    assert code == 0
    result: dict[str, Any] = json.loads(out)
    assert result["n"] == 1
    assert result["ids_in_file"] == 3
    assert result["people"][0]["id"] == "ann"


# --------------------------------------------------------------------------- bad input


def test_folder_is_not_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    message = error(capsys, "outcomes", tmp_path, *BASE, "--rc", "5")
    assert message.endswith("is a folder, not a CSV file")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--rc", "5", "--rci-method", "jt"), "--rci-method needs --approach"),
        (("--rc", "5", "--functional-mean", "3"), "give --functional-mean and --functional-sd"),
        (
            ("--rc", "5", "--cutoff", "3", "--functional-mean", "3", "--functional-sd", "1"),
            "give either --cutoff or the functional norms, not both",
        ),
        (("--reliability", "1"), "--reliability must be at least 0 and below 1, got 1"),
        (("--rc", "0"), "--rc must be a positive number of points, got 0"),
        (("--rc", "5", "--cutoff", "ten"), "--cutoff must be a number or 'a', got 'ten'"),
        (
            ("--approach", "statistical", "--cutoff", "3", "--cutoff-type", "a"),
            "give either a --cutoff value or --cutoff-type, not both",
        ),
        (
            ("--approach", "statistical", "--cutoff-type", "b"),
            "--cutoff-type b needs --m-functional and --sd-functional",
        ),
        (
            ("--approach", "distribution", "--reliability", "0.8", "--reliability-post", "0.7"),
            "--reliability-post is only used by --rci-method nk",
        ),
        (
            (
                "--approach",
                "distribution",
                "--reliability",
                "0.8",
                "--rci-method",
                "nk",
                "--reliability-post",
                "1.5",
            ),
            "--reliability-post must be at least 0 and below 1",
        ),
        (
            (
                "--approach",
                "combined",
                "--reliability",
                "0.8",
                "--rci-method",
                "ha",
                "--cutoff",
                "12",
            ),
            "--rci-method ha computes its own true-score cut-off: give --cutoff-type",
        ),
        (("--rc", "5", "--pre", "post"), "--pre and --post name the same time"),
        (
            ("--rc", "5", "--functional-mean", "3", "--functional-sd", "0"),
            "--functional-sd must be positive",
        ),
        (("--reliability", "0.8", "--sd", "-1"), "--sd must be positive, got -1"),
        (("--rc", "5", "--cutoff", "inf"), "--cutoff must be a finite number"),
    ],
)
def test_outcomes_option_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], expected: str
) -> None:
    message = error(capsys, "outcomes", write(tmp_path, LONG), *BASE, *args)
    assert expected in message
    assert message.startswith("attune outcomes: error: ")


def test_sd_cannot_be_estimated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one = "id,time,score\n1,pre,20\n1,post,8\n"
    assert error(capsys, "outcomes", write(tmp_path, one), *BASE, "--reliability", "0.8") == (
        "attune outcomes: error: only one complete case: give --sd, the SD cannot be "
        "estimated from it"
    )
    same = "id,time,score\n1,pre,20\n1,post,8\n2,pre,20\n2,post,9\n"
    message = error(capsys, "outcomes", write(tmp_path, same), *BASE, "--reliability", "0.8")
    assert message.endswith("the pre scores all have the same value (SD 0): give --sd")


# --------------------------------------------------------------------------- sudden gains

WIDE = "id,s1,s2,s3,s4,s5,s6\n1,30,29,30,10,11,10\n2,20,21,20,21,20,21\n"
COLS = ("--columns", "s1,s2,s3,s4,s5,s6")


def test_sudden_gains_none_found_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flat = "id,s1,s2,s3,s4,s5,s6\n1,20,21,20,21,20,21\n2,10,11,10,11,10,11\n"
    code, out, err = run(capsys, "sudden-gains", write(tmp_path, flat), "--id", "id", *COLS)
    assert (code, err) == (0, "")
    assert "\n0 gains in 0 people (0 with more than one); mean magnitude —\n" in out
    assert "reversals" not in out


def test_sudden_gains_found(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # person 1: 30 → 10 between sessions 3 and 4 (20 points, more than 25 % of 30, and the
    # sessions around it are steady): one gain
    code, out, _ = run(capsys, "sudden-gains", write(tmp_path, WIDE), "--id", "id", *COLS)
    assert code == 0
    assert "1 gains in 1 people (0 with more than one); mean magnitude 20" in out
    # t(.975, df 4) = 2.776; means of sessions 1–3 and 4–6
    assert out.splitlines()[-1].split() == [
        "1",
        "3",
        "→",
        "4",
        "30",
        "→",
        "10",
        "20",
        "2.776",
        "29.67",
        "10.33",
        "no",
    ]


def test_sudden_gains_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, WIDE)
    assert error(capsys, "sudden-gains", path, "--id", "id", "--columns", "s1,s2,s1,s3").endswith(
        "--columns names a column twice"
    )
    empty = write(tmp_path, "id,s1,s2,s3,s4\n1,,,,\n2,,,,\n", "empty.csv")
    assert error(capsys, "sudden-gains", empty, "--id", "id", "--columns", "s1,s2,s3,s4").endswith(
        "no scores: the columns s1, s2, s3, s4 of " + str(empty) + " are empty"
    )
    bad = write(tmp_path, "id,s1,s2,s3,s4\n1,3,4,5,6\n2,3,x,5,6\n", "bad.csv")
    message = error(capsys, "sudden-gains", bad, "--id", "id", "--columns", "s1,s2,s3,s4")
    assert "line 3" in message
    assert "s2" in message


def test_cutoff_needs_two_complete_cases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = "id,time,score\n1,pre,20\n1,post,8\n2,pre,20\n"
    message = error(capsys, "outcomes", write(tmp_path, one), *BASE, "--approach", "statistical")
    assert message.endswith(
        "only one complete case: the cut-off cannot be estimated, give --cutoff"
    )


def test_other_times_and_missing_scores_through_csv_module(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Rows at a third time are skipped; NA is a missing score (the csv module's reading)."""
    text = (
        "id,time,score,n,n\n1,pre,20,,\n1,mid,15,,\n1,post,8,,\n2,pre,NA,,\n2,post,3,,\n"
        "3,pre,10,,\n3,post,16,,\n"
    )
    code, out, _ = outcomes(capsys, write(tmp_path, text), "--rc", "5", "--json")
    assert code == 0
    result = json.loads(out)
    assert (result["n"], result["ids_in_file"]) == (2, 3)
    assert [(p["id"], p["change"], p["category"]) for p in result["people"]] == [
        (1, -12.0, "improved"),
        (3, 6.0, "deteriorated"),
    ]


def test_json_without_pyarrow_is_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the optional pyarrow (``attune[research]``) the JSON is written by ``json_items``.

    Twelve people with two distinct changes (many repeated RCIs) and five with distinct ones,
    with number ids and with text ids.
    """
    many = "id,time,score\n" + "".join(
        f"{i},pre,20\n{i},post,{8 if i % 2 else 18}\n" for i in range(1, 13)
    )
    texts = LONG.replace("\n1,", "\nann,").replace("\n2,", "\nbob,")
    runs = []
    for text in (LONG, many, texts):
        path = write(tmp_path, text)
        args = ("--reliability", "0.8", "--sd", "7.4", "--json")
        code, with_arrow, _ = outcomes(capsys, path, *args)
        assert code == 0
        with monkeypatch.context() as patch:
            patch.setitem(sys.modules, "pyarrow", None)
            code, without, _ = outcomes(capsys, path, *args)
        assert code == 0
        assert without == with_arrow
        runs.append(json.loads(without))
    assert [p["category"] for p in runs[1]["people"]][:2] == ["improved", "unchanged"]
    assert [p["id"] for p in runs[2]["people"]][:3] == ["ann", "bob", "3"]


# --------------------------------------------------------------------------- plots


def test_plots_without_band_cutoff_or_gains(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """nk has no ± band (only jt draws one) and distribution no cut-off; a file without sudden
    gains still gets its (empty) plot; a gain at the second session has no two sessions before
    it to draw."""
    pytest.importorskip("matplotlib")
    target = tmp_path / "nk.svg"
    code, out, _ = outcomes(
        capsys,
        write(tmp_path, LONG),
        "--approach",
        "distribution",
        "--reliability",
        "0.8",
        "--rci-method",
        "nk",
        "--plot",
        target,
    )
    assert code == 0
    assert "improved         2   40.00 %" in out
    assert target.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    flat = "id,s1,s2,s3,s4,s5,s6\n1,20,21,20,21,20,21\n2,10,11,10,11,10,11\n"
    empty = tmp_path / "none.png"
    code, out, _ = run(
        capsys,
        "sudden-gains",
        write(tmp_path, flat, "flat.csv"),
        "--id",
        "id",
        *COLS,
        "--plot",
        empty,
    )
    assert code == 0
    assert empty.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    early = "id,s1,s2,s3,s4,s5,s6\n1,30,30,10,10,11,10\n2,20,21,20,21,20,21\n"
    gain = tmp_path / "gain.png"
    code, out, _ = run(
        capsys,
        "sudden-gains",
        write(tmp_path, early, "early.csv"),
        "--id",
        "id",
        *COLS,
        "--plot",
        gain,
    )
    assert code == 0
    assert out.splitlines()[-1].split()[:4] == ["1", "2", "→", "3"]
    assert gain.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------- empty files


def test_files_without_columns_or_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    bare = tmp_path / "bare.parquet"
    pq.write_table(pa.table({}), bare)
    assert error(capsys, "outcomes", bare, *BASE, "--rc", "5").endswith(f"{bare} has no columns")
    four = ("--columns", "s1,s2,s3,s4")
    empty = tmp_path / "norows.parquet"
    names = ["s1", "s2", "s3", "s4"]
    pq.write_table(
        pa.table(
            {"id": pa.array([], pa.string()), **{c: pa.array([], pa.float64()) for c in names}}
        ),
        empty,
    )
    assert error(capsys, "sudden-gains", empty, "--id", "id", *four).endswith(
        f"no scores: the columns s1, s2, s3, s4 of {empty} are empty"
    )
    header = write(tmp_path, "id,s1,s2,s3,s4\n", "header.csv")
    assert error(capsys, "sudden-gains", header, "--id", "id", *four).endswith(
        f"no scores: the columns s1, s2, s3, s4 of {header} are empty"
    )
    long_header = write(tmp_path, "id,time,score\n", "long.csv")
    assert error(capsys, "outcomes", long_header, *BASE, "--rc", "5").endswith(
        "no row of " + str(long_header) + " has that time in column 'time' (its times: none)"
    )
