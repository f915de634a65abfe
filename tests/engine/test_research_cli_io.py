"""``attune outcomes`` / ``attune sudden-gains`` read CSV through Arrow and read Parquet.

The outputs must be the very bytes the ``csv``-module reader gave (the reader without pyarrow
is the reference: a child process where ``import pyarrow`` fails), and the messages for bad
input must still name the first bad line.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from attune.engine import research_cli

SESSIONS = ",".join(f"s{i}" for i in range(1, 9))
LONG = (
    "id,time,score\n"
    "1,1,20\n1,2,9\n2,1,25\n2,2,24\n3,1,18\n3,2,NA\n4,1, 30 \n4,2,31.5\n"
    "5,0,11\n5,1,22\n5,2,4\n6,2,7\n"
)
WIDE_ROWS = [
    [30, 29, 28, 27, 15, 14, 13, 12],
    [25, None, 24, 23, 22, 21, 20, 19],
    [22, 21, 22, 10, 9, 10, 9, 8],
    [18, 18, 17, 17, 17, 16, 16, 15],
]
OUTCOMES = ["--id", "id", "--time", "time", "--score", "score", "--pre", "1", "--post", "2"]


def wide_csv() -> str:
    lines = ["id," + SESSIONS]
    for i, row in enumerate(WIDE_ROWS, start=1):
        lines.append(f"p{i}," + ",".join("" if v is None else str(v) for v in row))
    return "\n".join(lines) + "\n"


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = research_cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


#: The reference reader's process: the research commands with ``import pyarrow`` failing, each
#: request a line of JSON (the arguments) on its stdin, each answer a line of JSON (exit code,
#: stdout, stderr). One process for the module instead of one per comparison: starting Python
#: and numpy cost ~0.5 s of CPU each time, for some thirty comparisons (2026-11-29). Each
#: command writes to streams like a pipe's (text over a byte buffer), as a command of its own
#: would; the commands keep no state between calls (``research_cli.main`` is a function of its
#: arguments and files).
REFERENCE = r"""
import io, json, sys, traceback, warnings
sys.modules["pyarrow"] = None
from attune.engine.research_cli import main
answers = sys.stdout
for line in sys.stdin:
    out, err = io.BytesIO(), io.BytesIO()
    sys.stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    sys.stderr = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
    try:
        # each command shows its warnings as a process of its own would (Python shows a
        # warning once per place and process; new filters start that count again)
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            code = main(json.loads(line))
    except SystemExit as exit:
        code = exit.code
    except BaseException:  # as a process of its own would end: exit 1 and the traceback
        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
            stream.detach()  # the buffers stay open to be read
        sys.stdout, sys.stderr = answers, sys.__stderr__
    answers.write(json.dumps([code, out.getvalue().decode(), err.getvalue().decode()]) + "\n")
    answers.flush()
"""
_reference: list[subprocess.Popen[str]] = []


def without_pyarrow(*args: object) -> tuple[int, str, str]:
    """The command as the reader without pyarrow runs it (``REFERENCE``)."""
    if not _reference:
        _reference.append(
            subprocess.Popen(
                [sys.executable, "-c", REFERENCE],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        )
    child = _reference[0]
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(json.dumps([str(a) for a in args]) + "\n")
    child.stdin.flush()
    answer = child.stdout.readline()
    if not answer:
        _reference.remove(child)  # the next comparison starts a new one
        pytest.fail(f"the reference process ended (exit {child.wait(timeout=10)})")
    code, out, err = json.loads(answer)
    return code, out, err


@pytest.fixture(scope="module", autouse=True)
def _reference_process_ends_with_the_module() -> Iterator[None]:
    yield
    while _reference:
        child = _reference.pop()
        assert child.stdin is not None
        child.stdin.close()
        assert child.wait(timeout=60) == 0


@pytest.fixture
def long_csv(tmp_path: Path) -> Path:
    path = tmp_path / "long.csv"
    path.write_text(LONG, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "extra",
    [
        ["--reliability", "0.8", "--cutoff", "a", "--json"],
        ["--rc", "5", "--json"],
        ["--reliability", "0.8", "--cutoff", "15"],
        ["--approach", "combined", "--reliability", "0.8", "--rci-method", "hll", "--json"],
    ],
)
def test_outcomes_arrow_reader_gives_the_csv_module_bytes(
    capsys: pytest.CaptureFixture[str], long_csv: Path, extra: list[str]
) -> None:
    code, out, err = run(capsys, "outcomes", long_csv, *OUTCOMES, *extra)
    assert (code, err) == (0, "")
    assert (code, out, err) == without_pyarrow("outcomes", long_csv, *OUTCOMES, *extra)


def test_outcomes_json_is_what_json_dumps_writes(
    capsys: pytest.CaptureFixture[str], long_csv: Path
) -> None:
    code, out, _ = run(capsys, "outcomes", long_csv, *OUTCOMES, "--reliability", ".8", "--json")
    result = json.loads(out)
    assert code == 0
    assert out == json.dumps(result, indent=2) + "\n"
    assert [p["id"] for p in result["people"]] == [1, 2, 4, 5]
    assert result["people"][2] == {
        "id": 4,
        "pre": 30.0,
        "post": 31.5,
        "change": 1.5,
        "rci": result["people"][2]["rci"],
        "category": result["people"][2]["category"],
    }
    assert result["ids_in_file"] == 6


def test_outcomes_reads_parquet_as_csv(
    capsys: pytest.CaptureFixture[str], long_csv: Path, tmp_path: Path
) -> None:
    table = pa.table(
        {
            "id": pa.array([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 5, 6]),
            "time": pa.array([1, 2, 1, 2, 1, 2, 1, 2, 0, 1, 2, 2]),
            "score": pa.array([20, 9, 25, 24, 18, None, 30, 31.5, 11, 22, 4, 7]),
        }
    )
    parquet = tmp_path / "long.parquet"
    pq.write_table(table, parquet)
    args = [*OUTCOMES, "--reliability", "0.8", "--cutoff", "a", "--json"]
    from_csv = run(capsys, "outcomes", long_csv, *args)
    assert run(capsys, "outcomes", parquet, *args) == from_csv
    assert from_csv[0] == 0


def test_sudden_gains_arrow_and_parquet_give_the_csv_module_bytes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(wide_csv(), encoding="utf-8")
    parquet = tmp_path / "wide.parquet"
    columns = {"id": [f"p{i}" for i in range(1, len(WIDE_ROWS) + 1)]}
    for j, name in enumerate(SESSIONS.split(",")):
        columns[name] = [row[j] for row in WIDE_ROWS]
    pq.write_table(pa.table(columns), parquet)
    for extra in (["--json"], [], ["--cutoff", "5", "--json"]):
        args = ["--id", "id", "--columns", SESSIONS, *extra]
        expected = without_pyarrow("sudden-gains", path, *args)
        assert expected[0] == 0
        assert run(capsys, "sudden-gains", path, *args) == expected
        code, out, err = run(capsys, "sudden-gains", parquet, *args)
        assert (code, out.replace(str(parquet), str(path)), err) == expected  # the title's path
    assert json.loads(expected[1])["gains"] >= 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,time,score\n1,1,20\n1,2,x\n2,1,2,\n", "line 3: 'x' in column 'score' is not a number"),
        ("id,time,score\n1,1,20\n1,1,21\n2,1,x\n", "line 3: id 1 has a second row at time 1"),
        ("id,time,score\n1,1,x\n1,1,21\n", "line 2: 'x' in column 'score' is not a number"),
        ("id,time,score\n1,1,20\n ,2,3\n", "line 3: no id in column 'id'"),
        ("id,time,score\n1,1,20\n1,2,inf\n", "line 3: 'inf' in column 'score' is not a finite"),
        ("id,time,score\n1,1,20\n1,2,3\n1,7,zz\n", ""),
    ],
)
def test_outcomes_messages_name_the_first_bad_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    result = run(capsys, "outcomes", path, *OUTCOMES, "--rc", "5")
    assert result == without_pyarrow("outcomes", path, *OUTCOMES, "--rc", "5")
    if message:
        assert result[0] == 2
        assert message in result[2]
    else:
        assert result[0] == 0


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("p2,1,2,3,x,5", "line 3: 'x' in column 's4' is not a number"),
        ("p1,1,2,3,4,5", "line 3: id p1 appears twice"),
        (",1,2,3,4,5", "line 3: no id in column 'id'"),
    ],
)
def test_sudden_gains_messages_name_the_first_bad_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, row: str, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(f"id,s1,s2,s3,s4,s5\np1,1,2,3,4,5\n{row}\np3,1,2,3,y,5\n", encoding="utf-8")
    args = ["--id", "id", "--columns", "s1,s2,s3,s4,s5"]
    result = run(capsys, "sudden-gains", path, *args)
    assert result == without_pyarrow("sudden-gains", path, *args)
    assert result[0] == 2
    assert message in result[2]


def test_parquet_without_pyarrow_says_what_to_install(tmp_path: Path) -> None:
    parquet = tmp_path / "long.parquet"
    pq.write_table(pa.table({"id": [1], "time": [1], "score": [3.0]}), parquet)
    code, out, err = without_pyarrow("outcomes", parquet, *OUTCOMES, "--rc", "5")
    assert (code, out) == (2, "")
    assert "reading Parquet needs pyarrow" in err
    assert "pip install 'attune[research]'" in err
    assert "Traceback" not in err


def test_a_file_that_is_not_parquet_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "fake.parquet"
    path.write_text("id,time,score\n", encoding="utf-8")
    code, out, err = run(capsys, "outcomes", path, *OUTCOMES, "--rc", "5")
    assert (code, out) == (2, "")
    assert "is not a readable Parquet file" in err


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def is_svg(path: Path) -> bool:
    import xml.etree.ElementTree as ET  # noqa: S405 - our own file, written just now

    root = ET.parse(path).getroot()  # noqa: S314
    return root.tag == "{http://www.w3.org/2000/svg}svg"


@pytest.mark.parametrize("suffix", [".png", ".svg"])
@pytest.mark.parametrize(
    "extra",
    [["--reliability", "0.8", "--cutoff", "a"], ["--approach", "combined", "--reliability", ".8"]],
)
def test_outcomes_plot_is_written(
    capsys: pytest.CaptureFixture[str],
    long_csv: Path,
    tmp_path: Path,
    suffix: str,
    extra: list[str],
) -> None:
    target = tmp_path / f"jt{suffix}"
    plain = run(capsys, "outcomes", long_csv, *OUTCOMES, *extra, "--json")
    assert run(capsys, "outcomes", long_csv, *OUTCOMES, *extra, "--json", "--plot", target) == plain
    if suffix == ".png":
        assert target.read_bytes().startswith(PNG_SIGNATURE)
    else:
        assert is_svg(target)
        assert "cut-off" in target.read_text(encoding="utf-8")


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_sudden_gains_plot_is_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(wide_csv(), encoding="utf-8")
    target = tmp_path / f"sg{suffix}"
    code, out, err = run(
        capsys, "sudden-gains", path, "--id", "id", "--columns", SESSIONS, "--plot", target
    )
    assert (code, err) == (0, "")
    if suffix == ".png":
        assert target.read_bytes().startswith(PNG_SIGNATURE)
    else:
        assert is_svg(target)
        assert "2 events" in target.read_text(encoding="utf-8")


def test_course_around_a_gain_is_aligned_at_it() -> None:
    from attune.engine import research_plots, sudden_gains

    scores = np.array([[np.nan if v is None else v for v in row] for row in WIDE_ROWS])
    events = sudden_gains.identify_sudden_changes(scores, sudden_gains.SuddenGainConfig())
    courses = research_plots.courses_around(scores, events)
    assert courses.tolist() == [
        [29.0, 28.0, 27.0, 15.0, 14.0, 13.0],
        [22.0, 21.0, 22.0, 10.0, 9.0, 10.0],
    ]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("plot.pdf", "the file must end in .png or .svg"),
        ("no/such/folder/plot.png", "does not exist"),
    ],
)
def test_bad_plot_target_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], long_csv: Path, tmp_path: Path, target: str, message: str
) -> None:
    code, out, err = run(
        capsys, "outcomes", long_csv, *OUTCOMES, "--rc", "5", "--plot", tmp_path / target
    )
    assert (code, out) == (2, "")
    assert message in err


def test_plot_without_matplotlib_says_what_to_install(long_csv: Path, tmp_path: Path) -> None:
    script = (
        "import sys; sys.modules['matplotlib'] = None; "
        "from attune.engine.research_cli import main; sys.exit(main(sys.argv[1:]))"
    )
    target = tmp_path / "jt.png"
    args = ["outcomes", long_csv, *OUTCOMES, "--rc", "5", "--plot", target]
    done = subprocess.run(
        [sys.executable, "-c", script, *map(str, args)], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert "--plot needs matplotlib" in done.stderr
    assert "pip install 'attune[plot]'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not target.exists()


@pytest.mark.parametrize("prefix", ["c", ""], ids=["text-ids", "integer-ids"])
def test_a_file_arrow_reads_in_several_blocks_gives_the_same_bytes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, prefix: str
) -> None:
    """Over 1 MB, Arrow reads in blocks (several chunks); ids and times keep their order.

    Text ids are paired by Arrow's dictionary, integer ids as numbers in numpy: both keep the
    order of first appearance."""
    rng = np.random.default_rng(7)
    people = 70_000
    pre = rng.integers(0, 63, people)
    post = rng.integers(0, 63, people)
    lines = ["id,time,score"]
    for i in rng.permutation(people).tolist():  # ids not in order, post rows before pre rows
        lines.append(f"{prefix}{i},2,{'' if i % 50 == 0 else post[i]}")
    lines += [f"{prefix}{i},1,{pre[i]}" for i in range(people)]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > 1_000_000
    args = [*OUTCOMES, "--reliability", "0.8", "--cutoff", "a", "--json"]
    result = run(capsys, "outcomes", path, *args)
    assert result[0] == 0
    assert result == without_pyarrow("outcomes", path, *args)
    assert json.loads(result[1])["n"] == people - len(range(0, people, 50))


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        (["1", "2", "3"], [1, 2, 3]),
        (["007", "+5", "-0"], [7, 5, 0]),  # Python's int(); Arrow's cast alone refuses "+5"
        (["-0", "0", "-12"], [0, 0, -12]),  # two texts, two people, both id 0
        (["30", "-12", "0", "7"], [30, -12, 0, 7]),  # as str(int) writes them: paired as numbers
        (["0x10", "2", "3"], ["0x10", "2", "3"]),  # Arrow's cast would read 0x10 as 16
        (["99999999999999999999", "2", "3"], [99999999999999999999, 2, 3]),  # beyond int64
        (["a", "2", "ü"], ["a", "2", "ü"]),
    ],
    ids=[
        "plain",
        "signs-and-zeros",
        "minus-zero",
        "canonical",
        "hex-is-text",
        "beyond-int64",
        "text",
    ],
)
def test_outcomes_ids_are_what_the_csv_module_reader_gives(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, ids: list[str], expected: list[object]
) -> None:
    """The Arrow reader converts integer ids in Arrow: the same values as Python's int()."""
    rows = [f"{pid},1,{30 + k}\n{pid},2,{12 - k}" for k, pid in enumerate(ids)]
    path = tmp_path / "ids.csv"
    path.write_text("id,time,score\n" + "\n".join(rows) + "\n", encoding="utf-8")
    args = [*OUTCOMES, "--reliability", "0.8", "--json"]
    result = run(capsys, "outcomes", path, *args)
    assert result[0] == 0
    assert [p["id"] for p in json.loads(result[1])["people"]] == expected
    assert result == without_pyarrow("outcomes", path, *args)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (" N/A ", ""),
        ("nAn", ""),
        ("na", ""),
        ("-0", ""),
        ("1e1", ""),
        ("-nan", "line 5: '-nan' in column 'score' is not a finite number"),
        ("-Infinity", "line 5: '-Infinity' in column 'score' is not a finite number"),
    ],
    ids=["n/a", "nan", "na", "minus-zero", "exponent", "minus-nan", "infinity"],
)
def test_outcomes_missing_and_odd_scores_read_as_by_the_csv_module(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, cell: str, message: str
) -> None:
    path = tmp_path / "scores.csv"
    path.write_text(f"id,time,score\n1,1,20\n1,2,9\n2,1,25\n2,2,{cell}\n", encoding="utf-8")
    args = [*OUTCOMES, "--rc", "5", "--json"]
    result = run(capsys, "outcomes", path, *args)
    assert result == without_pyarrow("outcomes", path, *args)
    assert result[0] == (2 if message else 0)
    assert message in result[2]


def test_the_research_commands_never_import_pandas(long_csv: Path, tmp_path: Path) -> None:
    """pyarrow imports pandas (a fifth of a run) on its first Python → Arrow or Arrow → numpy
    conversion; the commands move data through buffers instead (see research_cli)."""
    wide = tmp_path / "wide.csv"
    wide.write_text(wide_csv(), encoding="utf-8")
    parquet = tmp_path / "long.parquet"
    long = {"id": [1, 1, 2, 2], "time": [1, 2, 1, 2], "score": [30.0, 20.0, 25.0, None]}
    pq.write_table(pa.table(long), parquet)
    commands = [
        ["outcomes", long_csv, *OUTCOMES, "--reliability", "0.8", "--cutoff", "a", "--json"],
        ["outcomes", long_csv, *OUTCOMES, "--approach", "combined", "--reliability", "0.8"],
        ["outcomes", parquet, *OUTCOMES, "--rc", "5"],
        ["sudden-gains", wide, "--id", "id", "--columns", SESSIONS, "--json"],
    ]
    script = (
        "import sys; from attune.engine.research_cli import main; code = main(sys.argv[1:]); "
        "sys.stdout.flush(); sys.stderr.write(repr(sorted({'pandas', 'polars', 'matplotlib', "
        "'django'} & set(sys.modules)))); sys.exit(code)"
    )
    for command in commands:
        done = subprocess.run(
            [sys.executable, "-c", script, *map(str, command)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert (done.returncode, done.stderr) in ((0, "[]"), (2, "[]")), command
    assert done.returncode == 0


def test_outcomes_json_to_a_text_only_stream_is_the_same(
    capsys: pytest.CaptureFixture[str], long_csv: Path
) -> None:
    """The JSON is written as bytes to sys.stdout.buffer; a stream without one gets text."""
    args = ["outcomes", str(long_csv), *OUTCOMES, "--reliability", "0.8", "--json"]
    code, out, _ = run(capsys, *args)
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        assert research_cli.main(args) == 0
    assert code == 0
    assert text.getvalue() == out


def test_sudden_gains_json_is_what_json_dumps_writes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The events and by-person rows are written by research_cli's own encoder: same bytes."""
    path = tmp_path / "wide.csv"
    path.write_text(wide_csv(), encoding="utf-8")
    code, out, _ = run(capsys, "sudden-gains", path, "--id", "id", "--columns", SESSIONS, "--json")
    result = json.loads(out)
    assert code == 0
    assert out == json.dumps(result, indent=2) + "\n"
    assert result["events"] and result["byperson"]


@pytest.mark.parametrize(
    "rows",
    [
        [{"a": 1, "b": [1.5, None, True], "c": 'é\n"x"', "d": [], "e": False}],
        [{"a": 1}, {}, {"b": -0.0, "a": 2}],
    ],
    ids=["plain-values", "different-keys"],
)
def test_rows_encoder_writes_json_dumps_bytes(rows: list[dict[str, object]]) -> None:
    text = research_cli._rows_json(rows)
    assert text is not None
    assert json.dumps({"k": rows}, indent=2) == '{\n  "k": ' + text + "\n}"


def test_rows_encoder_leaves_nested_values_to_json() -> None:
    assert research_cli._rows_json([{"a": {"b": 1}}]) is None
    assert research_cli._rows_json([{"a": [[1]]}]) is None
    with pytest.raises(ValueError, match="not JSON compliant"):
        research_cli._rows_json([{"a": float("nan")}])


def test_zero_and_minus_zero_stay_apart_in_the_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Each distinct float is formatted once, by its bits: -0.0 is not written as 0.0."""
    path = tmp_path / "zeros.csv"
    path.write_text("id,time,score\n1,1,20\n1,2,0\n2,1,25\n2,2,-0\n3,1,9\n3,2,0\n")
    args = [*OUTCOMES, "--rc", "5", "--json"]
    result = run(capsys, "outcomes", path, *args)
    assert [p["post"] for p in json.loads(result[1])["people"]] == [0.0, 0.0, 0.0]
    assert '"post": -0.0' in result[1] and result[1].count('"post": 0.0') == 2
    assert result == without_pyarrow("outcomes", path, *args)


def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path: Path) -> None:
    """``attune outcomes … --json | head``: exit 1 without a traceback (BrokenPipeError)."""
    path = tmp_path / "many.csv"
    rows = [f"{i},{t},{20 + i % 7 if t == 1 else 10 + i % 5}" for i in range(4000) for t in (1, 2)]
    path.write_text("id,time,score\n" + "\n".join(rows) + "\n", encoding="utf-8")
    args = ["outcomes", str(path), *OUTCOMES, "--reliability", "0.8", "--json"]
    script = "import sys; from attune.engine.research_cli import main; sys.exit(main(sys.argv[1:]))"
    child = subprocess.Popen(
        [sys.executable, "-c", script, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert child.stdout is not None and child.stderr is not None
    assert child.stdout.read(10) == b'{\n  "n": 4'
    child.stdout.close()  # 4,000 people is far more than a pipe holds: the writer hits EPIPE
    err = child.stderr.read().decode()
    assert child.wait(timeout=60) == 1
    assert err == ""
