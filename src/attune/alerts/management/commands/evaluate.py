"""``attune evaluate``: re-evaluate every active episode and update its alerts (cron-friendly).

``--backend dask`` runs the same evaluation on Dask distributed (docs/scaling.md): the episodes
are written as partitioned Parquet, evaluated on a ``LocalCluster`` of ``--workers`` processes
(2) or on the cluster of ``--scheduler tcp://host:port``, and the alerts are synced here; the
signals are identical to the single-process run's. It also counts the practice outcomes of the
network (every practice of this installation; counts added across partitions, percentages from
the sums). ``--simulate N`` evaluates N simulated episodes on Dask without the database (the
figures of docs/scaling.md). Dask and pyarrow are the optional ``batch`` extra.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from attune.alerts.evaluation import evaluate_practice


class Command(BaseCommand):
    help = "Re-evaluate every active episode with the clinical engine and update its alerts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--backend",
            choices=("process", "dask"),
            default="process",
            help="process (default): this process; dask: partitioned Parquet on Dask distributed",
        )
        parser.add_argument(
            "--scheduler",
            default=None,
            help="a Dask scheduler, tcp://host:port (default: a LocalCluster on this machine)",
        )
        parser.add_argument("--workers", type=int, default=2, help="LocalCluster workers (2)")
        parser.add_argument(
            "--partition-size",
            type=int,
            default=500,
            help="episodes per Parquet partition (500, the single-process chunk)",
        )
        parser.add_argument(
            "--parquet-dir",
            default=None,
            help="keep the Parquet partitions here (default: a temporary directory, removed)",
        )
        parser.add_argument(
            "--simulate",
            type=int,
            default=None,
            metavar="N",
            help="evaluate N simulated episodes on Dask instead of the database (no alerts)",
        )
        parser.add_argument(
            "--practices", type=int, default=10, help="practices of the simulated network (10)"
        )
        parser.add_argument("--seed", type=int, default=0, help="seed of the simulated episodes")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["simulate"] is not None or options["backend"] == "dask":
            self._dask(options)
            return
        if options["scheduler"]:
            raise CommandError("--scheduler needs --backend dask")
        started = time.perf_counter()
        result = evaluate_practice()
        kinds = Counter(signal.kind for signal in result.signals)
        seconds = time.perf_counter() - started
        if options["json"]:
            self._json(
                backend="process",
                episodes=result.episodes,
                signals=len(result.signals),
                alerts=len(result.alerts),
                kinds=dict(sorted(kinds.items())),
                seconds=round(seconds, 3),
            )
            return
        self.stdout.write(
            f"Evaluated {result.episodes} active episodes in {seconds:.1f} s: "
            f"{len(result.signals)} signals, {len(result.alerts)} alerts opened or updated."
        )
        for kind, count in sorted(kinds.items()):
            self.stdout.write(f"  {kind:<24} {count}")

    def _json(self, **payload: Any) -> None:
        self.stdout.write(json.dumps(payload, sort_keys=True))

    def _dask(self, options: dict[str, Any]) -> None:
        for name in ("workers", "partition_size"):
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1")
        try:
            # inline: Dask and pyarrow are the optional batch extra, loaded only for this backend
            from attune.batch.cluster import connect
            from attune.batch.network import NETWORK, as_dict
        except ImportError as error:
            raise CommandError(
                f"--backend dask needs the batch extra (pip install 'attune[batch]'): {error}"
            ) from error
        started = time.perf_counter()
        with connect(options["scheduler"], n_workers=options["workers"]) as client:
            if options["simulate"] is not None:
                run, alerts = self._simulated(client, options), None
                episodes = run.episodes
                network = run.counts
                kinds = run.kinds
                signals = sum(kinds.values())
                workers = run.workers
                partitions = run.partitions
            else:
                # inline: the ORM side of the batch path imports Dask at its top
                from attune.alerts.batch_dask import evaluate_practice_on_dask

                done = evaluate_practice_on_dask(
                    client, chunk=options["partition_size"], directory=options["parquet_dir"]
                )
                episodes, alerts = done.result.episodes, len(done.result.alerts)
                signals = len(done.result.signals)
                kinds = dict(sorted(Counter(s.kind for s in done.result.signals).items()))
                network = done.courses.counts
                workers = done.active.workers | done.courses.workers
                partitions = done.active.partitions + done.courses.partitions
        seconds = time.perf_counter() - started
        practices = {str(k): as_dict(v) for k, v in network.items() if k != NETWORK}
        total = as_dict(network[NETWORK])
        if options["json"]:
            self._json(
                backend="dask",
                episodes=episodes,
                signals=signals,
                alerts=alerts,
                kinds=kinds,
                seconds=round(seconds, 3),
                partitions=partitions,
                workers={str(pid): round(mb, 1) for pid, mb in sorted(workers.items())},
                network={"total": total, "practices": practices},
            )
            return
        what = "simulated" if options["simulate"] is not None else "active"
        self.stdout.write(
            f"Evaluated {episodes} {what} episodes in {seconds:.1f} s on Dask "
            f"({partitions} partitions, {len(workers)} workers): {signals} signals"
            + ("." if alerts is None else f", {alerts} alerts opened or updated.")
        )
        for kind, count in sorted(kinds.items()):
            self.stdout.write(f"  {kind:<24} {count}")
        self.stdout.write(
            f"Network outcomes ({len(practices)} practices): {total['finished']} finished "
            f"courses, recovery {total['recovery_percent']} %, reliable improvement "
            f"{total['improvement_percent']} %, reliable deterioration "
            f"{total['deterioration_percent']} %."
        )

    def _simulated(self, client: Any, options: dict[str, Any]) -> Any:
        # inline: Dask and pyarrow are the optional batch extra, loaded only for this backend
        from attune.batch.cluster import evaluate_partitions, simulate_partitions

        n = options["simulate"]
        if n < 1:
            raise CommandError("--simulate must be at least 1")
        with tempfile.TemporaryDirectory(prefix="attune-sim-") as tmp:
            directory = options["parquet_dir"] or tmp
            paths = simulate_partitions(
                client,
                directory,
                episodes=n,
                rows_per_partition=options["partition_size"],
                seed=options["seed"],
                practices=options["practices"],
            )
            return evaluate_partitions(client, paths, keep_signals=False, digest=False)
