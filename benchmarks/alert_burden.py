"""Alert burden as the therapist lives it: every episode evaluated after each of its sessions.

    python benchmarks/alert_burden.py [--episodes N] [--seed S] [--simulator current|ceiling]
                                      [--kinds all|outcome|k1,k2] [--engine JSON] [--json]

Simulated episodes (``--simulator``; truth known: ``Courses.outcome``, ``archetype``) are
evaluated after each past session with the data up to then (``benchmarks/_stepping.py``).

* An **alert** is a distinct (episode, key) whose severity is not "info" (a note) and whose
  kind is not "safety": the app opens one alert per key, and a closed alert reopens only when
  its severity rises — such rises are counted apart as **escalations**.
* The episodes are placed in a practice of 10 therapists x 20 sessions a week:
  therapist-weeks = past session columns evaluated (attended or not) / 20.
* Per kind: the share of improving clients with that alert at any time, and of unchanged,
  deteriorated and early-dropout clients with it while in therapy.
* Truth: share of improving clients (improved or recovered) with any alert; share of each
  true outcome alerted while in therapy (at a step at or before the last attended session);
  for early dropouts, the lead time from the first alert to the last attended session (and
  the days from it to the first missed appointment: the time left to reach out); each
  kind's positive predictive value for a poor outcome (unchanged, deteriorated, dropped out)
  against the base rate.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stepping import SIMULATORS, past_sessions, simulate, step_signals  # noqa: E402

from attune.engine.batch import ATTENDED  # noqa: E402
from attune.engine.evaluate import DEFAULT_CONFIG, EngineConfig, evaluate  # noqa: E402
from attune.engine.signals import KINDS  # noqa: E402
from attune.simulation.trajectories import (  # noqa: E402
    DETERIORATED,
    DROPPED_OUT,
    EARLY_DROPOUT,
    IMPROVED,
    OUTCOMES,
    RECOVERED,
    UNCHANGED,
)

SESSIONS_PER_THERAPIST_WEEK = 20
RANK = {"info": 0, "yellow": 1, "red": 2, "high": 2, "urgent": 3}
POOR = (UNCHANGED, DETERIORATED, DROPPED_OUT)


#: The outcome side of the engine (not on track, dropout risk, as-if): ``--kinds outcome``.
OUTCOME_KINDS = ("not_on_track", "dropout_risk", "as_if")


def measure(
    episodes: int,
    seed: int,
    simulator: str = "current",
    kinds: tuple[str, ...] | None = None,
    config: EngineConfig = DEFAULT_CONFIG,
) -> dict[str, object]:
    batch, courses = simulate(simulator, episodes, seed)
    n = batch.size
    if not np.array_equal(batch.episode_ids, np.arange(n)):
        raise SystemExit("the simulator must number episodes 0..n-1")
    past = past_sessions(batch)
    columns = int(past.sum())
    therapist_weeks = columns / SESSIONS_PER_THERAPIST_WEEK

    attended = batch.attendance == ATTENDED
    has_att = attended.any(axis=1)
    last_att_col = np.where(has_att, batch.columns - 1 - np.argmax(attended[:, ::-1], axis=1), -1)

    best: dict[tuple[int, str], int] = {}  # (episode, key) -> highest severity rank so far
    kind_of: dict[tuple[int, str], str] = {}
    escalations: dict[str, int] = defaultdict(int)
    first_alert_col = np.full(n, -1, dtype=np.int64)  # any kind, at any step
    first_in_therapy_col = np.full(n, -1, dtype=np.int64)
    alerted_kind: dict[str, set[int]] = defaultdict(set)
    in_therapy_kind: dict[str, set[int]] = defaultdict(set)
    for step in step_signals(batch, partial(evaluate, config=config)):
        col = step.k - 1
        for s in step.signals:
            if s.kind == "safety" or s.severity == "info":
                continue
            if kinds is not None and s.kind not in kinds:
                continue
            ep = int(s.episode_id)
            key = (ep, s.key)
            rank = RANK[s.severity]
            if key not in best:
                best[key] = rank
                kind_of[key] = s.kind
                alerted_kind[s.kind].add(ep)
                if first_alert_col[ep] < 0:
                    first_alert_col[ep] = col
                if col <= last_att_col[ep]:
                    in_therapy_kind[s.kind].add(ep)
                    if first_in_therapy_col[ep] < 0:
                        first_in_therapy_col[ep] = col
            elif rank > best[key]:
                best[key] = rank
                escalations[s.kind] += 1

    counts: dict[str, int] = defaultdict(int)
    for key in best:
        counts[kind_of[key]] += 1
    total = sum(counts.values())
    per_week = {k: round(counts[k] / therapist_weeks, 3) for k in KINDS if counts.get(k)}
    outcome = courses.outcome
    archetype = courses.archetype
    any_alert = first_alert_col >= 0
    in_therapy = first_in_therapy_col >= 0

    improving = np.isin(outcome, (IMPROVED, RECOVERED))
    by_outcome = {
        OUTCOMES[code]: {
            "n": int((outcome == code).sum()),
            "alerted_in_therapy": _share(in_therapy, outcome == code),
        }
        for code in range(len(OUTCOMES))
    }
    dropout = archetype == EARLY_DROPOUT
    lead_rows = dropout & in_therapy
    lead_sessions = (
        batch.session_number[np.flatnonzero(lead_rows), last_att_col[lead_rows]]
        - batch.session_number[np.flatnonzero(lead_rows), first_in_therapy_col[lead_rows]]
    )
    lead_days = (
        batch.days[np.flatnonzero(lead_rows), last_att_col[lead_rows]]
        - batch.days[np.flatnonzero(lead_rows), first_in_therapy_col[lead_rows]]
    )
    # days from the first alert to the first missed appointment after the last attended one
    missed_after = past & ~attended & (np.arange(batch.columns)[None, :] > last_att_col[:, None])
    has_missed = missed_after.any(axis=1)
    first_missed = np.argmax(missed_after, axis=1)
    warn_rows = np.flatnonzero(lead_rows & has_missed)
    days_to_missed = (
        batch.days[warn_rows, first_missed[warn_rows]]
        - batch.days[warn_rows, first_in_therapy_col[warn_rows]]
    )
    poor = np.isin(outcome, POOR)
    ppv = {}
    for kind in KINDS:
        ids = np.fromiter(alerted_kind.get(kind, ()), dtype=np.int64)
        if ids.size:
            ppv[kind] = {"episodes": int(ids.size), "ppv": round(float(poor[ids].mean()), 3)}
    groups = {
        "improving": improving,
        **{OUTCOMES[code]: outcome == code for code in (UNCHANGED, DETERIORATED)},
        "early_dropout": dropout,
    }
    by_kind: dict[str, dict[str, float]] = {}
    for kind in KINDS:
        if kind not in alerted_kind:
            continue
        ever = np.zeros(n, dtype=bool)
        ever[np.fromiter(alerted_kind[kind], dtype=np.int64)] = True
        during = np.zeros(n, dtype=bool)
        during[np.fromiter(in_therapy_kind.get(kind, ()), dtype=np.int64)] = True
        by_kind[kind] = {
            name: _share(ever if name == "improving" else during, member)
            for name, member in groups.items()
        }
    return {
        "simulator": simulator,
        "kinds": "all" if kinds is None else list(kinds),
        "episodes": n,
        "seed": seed,
        "session_columns": columns,
        "therapist_weeks": round(therapist_weeks, 1),
        "alerts": total,
        "alerts_per_therapist_week": round(total / therapist_weeks, 3),
        "alerts_per_therapist_week_by_kind": per_week,
        "alerts_by_kind": {k: counts[k] for k in KINDS if counts.get(k)},
        "escalations": sum(escalations.values()),
        "escalations_per_therapist_week": round(sum(escalations.values()) / therapist_weeks, 3),
        "escalations_by_kind": {k: escalations[k] for k in KINDS if escalations.get(k)},
        "improving_with_any_alert": _share(any_alert, improving),
        "alerted_in_therapy_by_outcome": by_outcome,
        "early_dropout": {
            "n": int(dropout.sum()),
            "alerted_in_therapy": _share(in_therapy, dropout),
            "median_lead_sessions": _median(lead_sessions),
            "median_lead_days": _median(lead_days),
            "median_days_to_first_missed_session": _median(days_to_missed),
            "lead_at_least_1_session_of_alerted": _share(lead_sessions >= 1, None),
            "lead_at_least_1_session_of_all": round(
                float((lead_sessions >= 1).sum()) / max(int(dropout.sum()), 1), 4
            ),
        },
        "share_alerted_by_kind": by_kind,
        "poor_outcome_base_rate": round(float(poor.mean()), 3),
        "ppv_poor_outcome_by_kind": ppv,
    }


def _share(hit: np.ndarray, member: np.ndarray | None) -> float:
    values = hit if member is None else hit[member]
    return round(float(values.mean()), 4) if values.size else float("nan")


def _median(values: np.ndarray) -> float:
    return round(float(np.median(values)), 1) if values.size else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--simulator", choices=sorted(SIMULATORS), default="current")
    parser.add_argument(
        "--kinds",
        default="all",
        help='count only these kinds: "all", "outcome" (not on track, dropout risk, as-if) or '
        "a comma-separated list",
    )
    parser.add_argument(
        "--engine",
        default="{}",
        help='engine overrides as in ATTUNE_ENGINE, e.g. \'{"dropout": {"low_early_total": 28}}\'',
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    config = EngineConfig.from_mapping(json.loads(args.engine))
    kinds = (
        None
        if args.kinds == "all"
        else OUTCOME_KINDS
        if args.kinds == "outcome"
        else tuple(args.kinds.split(","))
    )
    r = measure(args.episodes, args.seed, args.simulator, kinds, config)
    if args.json:
        print(json.dumps(r))
        return 0
    print(
        f"{r['episodes']:,} simulated episodes ({r['simulator']} simulator, seed {r['seed']}, "
        f"kinds: {args.kinds}), "
        f"{r['session_columns']:,} sessions = {r['therapist_weeks']:,} therapist-weeks "
        f"(20 sessions a week)"
    )
    print(
        f"\n{'alerts per therapist-week':<30}{'per week':>10}{'alerts':>9}{'PPV':>7}"
        f"{'improv.':>9}{'unchgd':>8}{'deter.':>8}{'dropout':>8}"
    )
    shares = r["share_alerted_by_kind"]
    assert isinstance(shares, dict)
    by_kind = r["alerts_per_therapist_week_by_kind"]
    counts = r["alerts_by_kind"]
    ppv = r["ppv_poor_outcome_by_kind"]
    assert isinstance(by_kind, dict) and isinstance(counts, dict) and isinstance(ppv, dict)
    for kind, rate in by_kind.items():
        sh = shares[kind]
        print(
            f"  {kind:<28}{rate:>10.2f}{counts[kind]:>9,}{ppv[kind]['ppv']:>7.2f}"
            f"{sh['improving']:>9.0%}{sh['unchanged']:>8.0%}{sh['deteriorated']:>8.0%}"
            f"{sh['early_dropout']:>8.0%}"
        )
    print(f"  {'total (non-safety, non-note)':<28}{r['alerts_per_therapist_week']:>10.2f}")
    print(
        f"  escalations (a closed alert reopening): {r['escalations_per_therapist_week']:.2f} "
        "per therapist-week"
    )
    print(f"  base rate of a poor outcome: {r['poor_outcome_base_rate']:.2f}")
    print(f"\nimproving clients with any alert: {r['improving_with_any_alert']:.1%}")
    print("alerted while in therapy, by true outcome:")
    outcomes = r["alerted_in_therapy_by_outcome"]
    assert isinstance(outcomes, dict)
    for name, g in outcomes.items():
        print(f"  {name:<14}{g['n']:>7,}{g['alerted_in_therapy']:>9.1%}")
    d = r["early_dropout"]
    assert isinstance(d, dict)
    print(
        f"early dropouts: {d['alerted_in_therapy']:.1%} alerted while attending; median lead "
        f"{d['median_lead_sessions']} sessions / {d['median_lead_days']} days "
        f"({d['median_days_to_first_missed_session']} days to the first missed session); "
        f"{d['lead_at_least_1_session_of_all']:.1%} of all early dropouts with >= 1 session lead"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
