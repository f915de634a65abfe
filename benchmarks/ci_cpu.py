"""Where a command's CPU goes on this machine: the whole machine's busy time while it runs, and
that time split by kind of process (pytest and other Python, Chromium by process type,
Playwright's node driver, PostgreSQL's backends, everything else).

``/usr/bin/time`` (and ``resource.getrusage``) count only the processes a command waits for:
Chromium's renderer, GPU and utility processes are reaped by its zygote outside the tree, so
the browser tests' CPU was under-counted by more than half (issue 15, CI time, 2026-11-29:
152 CPU-s by ``/usr/bin/time``, 345 CPU-s of the machine). This script reads ``/proc/stat``
(every core's busy time, whatever ran) and, every half second, each process's CPU in
``/proc/<pid>/stat``; a process that lives less than a sample is missed by the split but not by
the total. Sampling costs about 1 % of one core. Linux only.

    python benchmarks/ci_cpu.py -- bash .ci/run
    python benchmarks/ci_cpu.py --json -- .venv/bin/pytest -q tests/browser
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """Busy and idle ticks of all cores since boot (``/proc/stat``'s first line)."""
    user, nice, system, idle, iowait, irq, softirq, steal = map(
        int, Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    return user + nice + system + irq + softirq + steal, idle + iowait


def kind_of(pid: str) -> tuple[str, int] | None:
    """The kind of process ``pid`` is and the CPU ticks it has used, or None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        words = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").split()
    except OSError:
        return None
    name = stat[stat.index("(") + 1 : stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2 :].split()
    ticks = int(fields[11]) + int(fields[12])  # utime + stime
    command = " ".join(w.decode(errors="replace") for w in words[:6])
    if name.startswith("chromium") or "chromium" in command:
        chromium_type = next((w.decode()[7:] for w in words if w.startswith(b"--type=")), "browser")
        return f"chromium {chromium_type}", ticks
    if name.startswith("node"):
        return "node (Playwright's driver)", ticks
    if name == "postgres":
        return "postgres", ticks
    if "pytest" in command or "xdist" in command or "execnet" in command or "exec(eval" in command:
        return "pytest and its workers", ticks
    if name.startswith("python") or "python" in command:
        return "other Python (attune commands, gunicorn, dask, mypy)", ticks
    return f"other: {name}", ticks


@dataclass(frozen=True)
class Usage:
    exit: int
    wall_s: float
    cores: int
    machine_busy_cpu_s: float
    machine_idle_cpu_s: float
    by_kind_cpu_s: dict[str, float]


def measure(command: list[str], interval: float = 0.5) -> Usage:
    """Run ``command``; its wall time, the machine's busy and idle CPU-seconds meanwhile, and
    the busy time of the processes seen, by kind (CPU-seconds used while the command ran)."""
    before: dict[str, tuple[str, int]] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if (found := kind_of(pid)) is not None:
            before[pid] = found
    latest: dict[str, tuple[str, int]] = {}
    busy0, idle0 = machine_ticks()
    started = time.monotonic()
    child = subprocess.Popen(command)  # noqa: S603 (the command the caller asked to measure)
    while child.poll() is None:
        for pid in filter(str.isdigit, os.listdir("/proc")):
            if (found := kind_of(pid)) is not None:
                # the kind as first seen: an exited process not yet reaped has no command line
                kind = latest[pid][0] if pid in latest else found[0]
                latest[pid] = (kind, found[1])
        time.sleep(interval)
    wall = time.monotonic() - started
    busy1, idle1 = machine_ticks()
    by_kind: Counter[str] = Counter()
    for pid, (kind, ticks) in latest.items():
        by_kind[kind] += ticks - (before[pid][1] if pid in before else 0)
    return Usage(
        exit=child.returncode,
        wall_s=round(wall, 1),
        cores=os.cpu_count() or 1,
        machine_busy_cpu_s=round((busy1 - busy0) / TICKS, 1),
        machine_idle_cpu_s=round((idle1 - idle0) / TICKS, 1),
        by_kind_cpu_s={k: round(v / TICKS, 1) for k, v in by_kind.most_common() if v > 0},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command to run")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to measure after --")
    usage = measure(command)
    if args.json:
        print(json.dumps(asdict(usage), indent=2))
    else:
        print(f"\nwall {usage.wall_s} s on {usage.cores} cores")
        print(
            f"machine busy {usage.machine_busy_cpu_s} CPU-s, idle {usage.machine_idle_cpu_s} CPU-s"
        )
        for kind, seconds in usage.by_kind_cpu_s.items():
            print(f"  {seconds:8.1f} CPU-s  {kind}")
    return usage.exit


if __name__ == "__main__":
    sys.exit(main())
