"""How often each signal fires, by simulated archetype (the truth the simulator knows).

    python benchmarks/signal_rates.py [--episodes N] [--seed S] [--simulator current] [--json]

Every episode is evaluated after each of its past sessions with the data up to then, as the
therapist sees it (``benchmarks/_stepping.py``). For every signal kind: the share of episodes
of each archetype in which it fired (at any severity, notes included) at some session. A good
signal fires for the archetype it is meant to find and rarely for improvers.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stepping import SIMULATORS, simulate, step_signals  # noqa: E402

from attune.engine.signals import KINDS  # noqa: E402
from attune.simulation.trajectories import ARCHETYPES  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--simulator", choices=sorted(SIMULATORS), default="current")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    batch, courses = simulate(args.simulator, args.episodes, args.seed)
    fired: dict[str, set[int]] = defaultdict(set)
    for step in step_signals(batch):
        for signal in step.signals:
            fired[signal.kind].add(signal.episode_id)
    rates: dict[str, dict[str, float]] = {}
    for kind in KINDS:
        ids = np.fromiter(fired[kind], dtype=np.int64)
        rates[kind] = {
            name: round(float(np.isin(np.flatnonzero(courses.archetype == code), ids).mean()), 3)
            for code, name in enumerate(ARCHETYPES)
        }
    if args.json:
        print(
            json.dumps(
                {
                    "episodes": batch.size,
                    "seed": args.seed,
                    "simulator": args.simulator,
                    "rates": rates,
                }
            )
        )
        return 0
    short = [name[:9] for name in ARCHETYPES]
    print(f"{'signal':<24}" + "".join(f"{s:>10}" for s in short))
    for kind, row in rates.items():
        print(f"{kind:<24}" + "".join(f"{row[a]:>10.0%}" for a in ARCHETYPES))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
