"""Whole-process figures of ``attune outcomes`` and ``attune sudden-gains`` (issue 13).

Generates deterministic synthetic data — 200,000 people in long format (pre and post rows) for
``attune outcomes`` and 20,000 people × 12 sessions in wide format for ``attune sudden-gains`` —
then runs each command as a separate process (as a researcher would), several times, and
prints the wall time (best and median) and the peak resident memory of each child process
(the ``rusage`` that ``os.wait4`` returns for that child; the data are made in another
child so that this process stays small, as Linux counts a child's peak from its parent's
memory at the start). The SHA-256 of the ``--json``
output is printed so two versions of the code can be shown to give the same numbers:

    python benchmarks/research_cli.py                        # this checkout
    python benchmarks/research_cli.py --src /work/main/src   # another checkout's code

Baselines from the issue (this machine, before the Arrow reader and the streamed JSON):
outcomes 3.7 s (target ≤ 1.0 s), sudden gains 3.4 s (target ≤ 2.2 s); the suddengains R
package took 445.6 s on the same 20,000 people (issue 13), so ≤ 2.2 s is ≥ 200× faster.

The verdict is on the median wall time. Each command is run once, untimed, before its timed
runs, with the children's bytecode cache in a temporary folder (``PYTHONPYCACHEPREFIX``, even
where ``PYTHONDONTWRITEBYTECODE`` is set): an installed package has compiled bytecode, and
compiling our modules from source cost 0.1 s a run. No checkout's folders are written to.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BASELINE = {"outcomes": 3.7, "sudden-gains": 3.4}
TARGET = {"outcomes": 1.0, "sudden-gains": 2.2}
R_SECONDS = {"sudden-gains": 445.6}  # the suddengains R package, issue 13
SESSIONS = 12


def outcomes_csv(path: Path, people: int, seed: int = 13) -> None:
    """Long format: id,time,score with a pre and a post row a person; 2 % of scores missing."""
    rng = np.random.default_rng(seed)
    pre = np.clip(np.rint(rng.normal(24, 8, people)), 0, 63)
    post = np.clip(np.rint(pre - rng.normal(7, 9, people)), 0, 63)
    pre_text = [str(int(v)) for v in pre]
    post_text = [str(int(v)) for v in post]
    for missing in (rng.random(people) < 0.02).nonzero()[0]:
        post_text[missing] = ""
    with path.open("w", encoding="utf-8") as out:
        out.write("id,time,score\n")
        out.writelines(
            f"{i + 1},1,{a}\n{i + 1},2,{b}\n"
            for i, (a, b) in enumerate(zip(pre_text, post_text, strict=True))
        )


def sudden_gains_csv(path: Path, people: int, seed: int = 13) -> None:
    """Wide format: id,s1..s12, a falling course with noise, some jumps, 5 % missing."""
    rng = np.random.default_rng(seed)
    start = rng.normal(26, 7, (people, 1))
    slope = rng.normal(-0.8, 0.6, (people, 1))
    course = start + slope * np.arange(SESSIONS) + rng.normal(0, 3, (people, SESSIONS))
    jump_at = rng.integers(2, SESSIONS - 3, people)
    jumpers = rng.random(people) < 0.25
    for row in jumpers.nonzero()[0]:
        course[row, jump_at[row] + 1 :] -= rng.uniform(6, 14)
    course = np.clip(np.rint(course), 0, 63)
    missing = rng.random((people, SESSIONS)) < 0.05
    with path.open("w", encoding="utf-8") as out:
        out.write("id," + ",".join(f"s{i}" for i in range(1, SESSIONS + 1)) + "\n")
        for i in range(people):
            cells = ["" if missing[i, j] else str(int(course[i, j])) for j in range(SESSIONS)]
            out.write(f"p{i + 1}," + ",".join(cells) + "\n")


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float, bytes]:
    """Wall s, CPU s (user + system) and peak RSS MB of this one child (``os.wait4``), stdout.

    The CPU time is printed too because the wall time on a shared machine includes waiting for
    a core; the CPU time does not (but counts Arrow's reader threads together).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)  # noqa: S603
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            sys.exit(f"{' '.join(cmd[-8:])} failed: {err.read().decode()}")
        return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=200_000, help="outcomes: people")
    parser.add_argument("--gain-people", type=int, default=20_000, help="sudden gains: people")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command")
    parser.add_argument("--src", help="run the code of another checkout's src/ folder")
    parser.add_argument("--parquet", action="store_true", help="also time the Parquet files")
    parser.add_argument("--generate-into", help=argparse.SUPPRESS)  # the data-making child
    args = parser.parse_args()
    if args.generate_into:
        folder = Path(args.generate_into)
        outcomes_csv(folder / "outcomes.csv", args.people)
        sudden_gains_csv(folder / "gains.csv", args.gain_people)
        if args.parquet:
            import pyarrow.csv as pacsv  # type: ignore[import-untyped]  # only with --parquet
            import pyarrow.parquet as pq  # type: ignore[import-untyped]

            for name in ("outcomes", "gains"):
                csv_path = folder / f"{name}.csv"
                pq.write_table(pacsv.read_csv(csv_path), csv_path.with_suffix(".parquet"))
        return

    env = dict(os.environ)
    if args.src:
        env["PYTHONPATH"] = str(Path(args.src).resolve())
    entry = [sys.executable, "-c", "import sys; from attune.cli import main; main(sys.argv[1:])"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
        long_csv, wide_csv = folder / "outcomes.csv", folder / "gains.csv"
        # In a child: Linux counts a child's peak RSS from the moment it is started, which
        # includes this process's own peak (it copies our memory map). Making the data here
        # grew this process to 230 MB, and every command "peaked" at least that.
        make = [sys.executable, __file__, "--generate-into", str(folder)]
        make += ["--people", str(args.people), "--gain-people", str(args.gain_people)]
        subprocess.run(make + (["--parquet"] if args.parquet else []), check=True)  # noqa: S603
        files = {"outcomes": [long_csv], "sudden-gains": [wide_csv]}
        if args.parquet:
            files["outcomes"].append(long_csv.with_suffix(".parquet"))
            files["sudden-gains"].append(wide_csv.with_suffix(".parquet"))
        columns = ",".join(f"s{i}" for i in range(1, SESSIONS + 1))
        extra = {
            "outcomes": "--id id --time time --score score --pre 1 --post 2 --reliability 0.8 "
            "--cutoff a --json",
            "sudden-gains": f"--id id --columns {columns} --json",
        }
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"load average {load} on {os.cpu_count()} cores")
        print(
            f"attune outcomes: {args.people:,} people; attune sudden-gains: "
            f"{args.gain_people:,} people × {SESSIONS} sessions; {args.repeat} runs each"
            + (f"; code from {args.src}" if args.src else "")
        )
        for name in ("outcomes", "sudden-gains"):
            for path in files[name]:
                cmd = [*entry, name, str(path), *extra[name].split()]
                walls, cpus, peaks, digests = [], [], [], set()
                run(cmd, env)  # untimed: writes the bytecode cache, reads the file once
                for _ in range(args.repeat):
                    wall, cpu, peak, out = run(cmd, env)
                    walls.append(wall)
                    cpus.append(cpu)
                    peaks.append(peak)
                    digests.add(hashlib.sha256(out).hexdigest())
                rss_mb = max(peaks)
                median = statistics.median(walls)
                ok = "ok" if median <= TARGET[name] else "ABOVE TARGET"
                r_side = (
                    f"; {R_SECONDS[name] / median:.0f}× R's {R_SECONDS[name]} s"
                    if name in R_SECONDS
                    else ""
                )
                print(
                    f"{name:<13} {path.suffix:<8} best {min(walls):5.2f} s, median "
                    f"{median:5.2f} s, CPU {min(cpus):5.2f} s, "
                    f"peak RSS {rss_mb:4.0f} MB; "
                    f"baseline {BASELINE[name]} s, target (median) ≤ {TARGET[name]} s: {ok}; "
                    f"{BASELINE[name] / median:.1f}× the baseline{r_side}"
                )
                print(f"{'':<13} --json sha256 {', '.join(sorted(digests))}")


if __name__ == "__main__":
    main()
