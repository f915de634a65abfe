"""``attune.research`` on pandas and Polars DataFrames gives the command line's ``--json``."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from attune import research
from attune.engine import research_cli

LONG = (
    "id,time,score\n"
    "1,1,20\n1,2,9\n2,1,25\n2,2,24\n3,1,18\n3,2,\n4,1,30\n4,2,31.5\n"
    "5,0,11\n5,1,22\n5,2,4\n6,2,7\n"
)
SESSIONS = [f"s{i}" for i in range(1, 9)]
WIDE = (
    "id,"
    + ",".join(SESSIONS)
    + "\n"
    + (
        "p1,30,29,28,27,15,14,13,12\np2,25,,24,23,22,21,20,19\n"
        "p3,22,21,22,10,9,10,9,8\np4,18,18,17,17,17,16,16,15\n"
    )
)


def cli_json(capsys: pytest.CaptureFixture[str], *args: object) -> dict[str, Any]:
    assert research_cli.main([str(a) for a in args]) == 0
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def records(frame: Any) -> list[dict[str, Any]]:
    if type(frame).__module__.startswith("polars"):
        rows: list[dict[str, Any]] = frame.to_dicts()
        return rows
    return [
        {k: (None if v != v else v) for k, v in row.items()}  # NaN -> None, as JSON null
        for row in frame.to_dict(orient="records")
    ]


@pytest.fixture(params=["pandas", "polars"])
def read_csv(request: pytest.FixtureRequest) -> Any:
    library = pytest.importorskip(request.param)
    return lambda text: library.read_csv(
        io.StringIO(text) if request.param == "pandas" else io.BytesIO(text.encode())
    )


@pytest.mark.parametrize(
    "options",
    [
        {"reliability": 0.8, "cutoff": "a"},
        {"rc": 5.0},
        {"reliability": 0.8, "functional_mean": 10.0, "functional_sd": 5.0},
    ],
)
def test_outcomes_frame_is_the_json_people(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, read_csv: Any, options: dict[str, Any]
) -> None:
    path = tmp_path / "long.csv"
    path.write_text(LONG, encoding="utf-8")
    flags = []
    for key, value in options.items():
        flags += [f"--{key.replace('_', '-')}", value]
    expected = cli_json(
        capsys,
        "outcomes",
        path,
        "--id",
        "id",
        "--time",
        "time",
        "--score",
        "score",
        "--pre",
        "1",
        "--post",
        "2",
        *flags,
        "--json",
    )["people"]
    frame = research.outcomes(
        read_csv(LONG), id="id", time="time", score="score", pre=1, post=2, **options
    )
    assert type(frame).__module__.split(".")[0] in ("pandas", "polars")
    assert records(frame) == expected


def test_sudden_gains_frame_is_the_json_events(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, read_csv: Any
) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(WIDE, encoding="utf-8")
    events = cli_json(
        capsys, "sudden-gains", path, "--id", "id", "--columns", ",".join(SESSIONS), "--json"
    )["events"]
    keys = list(research._EVENT_COLUMNS)
    expected = [{k: e[k] for k in keys} for e in events]
    frame = research.sudden_gains(read_csv(WIDE), id="id", columns=SESSIONS)
    assert records(frame) == expected
    assert len(expected) == 2


def test_not_a_dataframe_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="pandas or Polars DataFrame"):
        research.outcomes({"id": [1]}, id="id", time="t", score="s", pre=1, post=2, rc=5)
