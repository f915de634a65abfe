"""The Dask path (issue 13): partitioned Parquet on a 2-worker LocalCluster gives exactly the
signals and the practice outcome counts of the single process.

The cluster is real (two worker processes, one thread each), started once for the module and
always closed; every wait on it has a timeout so a broken cluster fails the test instead of
hanging CI.
"""

from __future__ import annotations

import json
import math
from dataclasses import fields

import numpy as np
import pytest
from distributed import Client, LocalCluster
from django.core.management import call_command
from django.utils import timezone

from attune.alerts.batch_dask import evaluate_practice_on_dask
from attune.alerts.evaluation import evaluate_practice
from attune.alerts.models import Alert
from attune.batch.cluster import (
    connect,
    evaluate_partitions,
    signal_digest,
    simulate_partitions,
)
from attune.batch.network import NETWORK, as_dict, combine, percentages, practice_counts
from attune.batch.parquet import partition_paths, read_partition, write_partitions
from attune.care.models import EpisodeStatus
from attune.engine.batch import _SESSION_FIELDS
from attune.engine.evaluate import evaluate
from attune.engine.practice_outcomes import (
    course_outcomes,
    finished_course,
    grouped_counts,
    published_percentage,
)
from attune.engine.signals import Signal
from attune.simulation.to_batch import simulate_batch
from tests.conftest import make_episode
from tests.test_evaluation import check_in, give_feedback, weekly_sessions

EPISODES = 5_000
PER_PARTITION = 700  # 8 partitions, the last one shorter
PRACTICES = 7
TIMEOUT = 240


@pytest.fixture(scope="module")
def client():
    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        timeout=60,
    )
    try:
        with Client(cluster, timeout=60) as dask_client:
            yield dask_client
    finally:
        cluster.close(timeout=60)


@pytest.fixture(scope="module")
def simulated():
    batch, _ = simulate_batch(EPISODES, seed=13)
    return batch, batch.episode_ids % PRACTICES


def plain(value: object) -> object:
    """Evidence compared exactly: numbers by value and type family, NaN equal to NaN."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    return value


def every_field(signal: Signal) -> tuple[object, ...]:
    return tuple(plain(getattr(signal, f.name)) for f in fields(signal))


def test_a_partition_reads_back_exactly_what_was_written(simulated, tmp_path):
    batch, practice = simulated
    paths = write_partitions(
        batch, tmp_path, rows_per_partition=PER_PARTITION, practice=practice, as_of=None
    )
    assert len(paths) == math.ceil(EPISODES / PER_PARTITION) == 8
    assert list(partition_paths(tmp_path)) == paths
    part = read_partition(paths[3])
    rows = slice(3 * PER_PARTITION, 4 * PER_PARTITION)
    assert part.as_of is None
    assert part.practice.tolist() == practice[rows].tolist()
    assert part.batch.episode_ids.tolist() == batch.episode_ids[rows].tolist()
    assert part.batch.ended.tolist() == batch.ended[rows].tolist()
    for name in (*_SESSION_FIELDS, "alliance"):
        written, read = getattr(batch, name)[rows], getattr(part.batch, name)
        assert read.dtype == written.dtype, name
        assert np.array_equal(read, written, equal_nan=read.dtype.kind == "f"), name
    last = read_partition(paths[-1])
    assert last.batch.size == EPISODES - 7 * PER_PARTITION
    assert last.batch.columns == batch.columns


def test_the_dask_path_gives_the_single_process_signals_field_by_field(client, simulated, tmp_path):
    batch, practice = simulated
    single = evaluate(batch)
    paths = write_partitions(batch, tmp_path, rows_per_partition=PER_PARTITION, practice=practice)
    run = evaluate_partitions(client, paths, timeout=TIMEOUT)
    assert run.partitions == 8
    assert run.episodes == EPISODES
    assert len(run.workers) == 2  # both workers evaluated partitions
    assert run.signals is not None
    assert len(single) > EPISODES  # a real workload: several signals per episode
    assert [every_field(s) for s in run.signals] == [every_field(s) for s in single]
    assert signal_digest(run.signals) == signal_digest(single)
    assert sum(run.kinds.values()) == len(single)

    # the network's practice outcomes: counts over partitions added up = counts over the whole
    assert run.counts == combine([practice_counts(batch, practice)])
    p0 = first_last_reference(batch.phq9)
    g0 = first_last_reference(batch.gad7)
    out = course_outcomes(p0[0], p0[1], g0[0], g0[1])
    finished = finished_course(batch.attended.sum(axis=1), batch.ended)
    whole = grouped_counts(out, finished, practice, PRACTICES)
    assert [run.counts[p] for p in range(PRACTICES)] == whole
    total = run.counts[NETWORK]
    assert total.finished == int(finished.sum()) > 1000
    assert total.recovered > 0 and total.deteriorated > 0
    assert percentages(total).recovery == published_percentage(
        sum(c.recovered for c in whole), sum(c.caseness_denominator for c in whole)
    )


def first_last_reference(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last score per row, a plain loop (the reference for the vectorised one)."""
    first = np.full(scores.shape[0], np.nan)
    last = np.full(scores.shape[0], np.nan)
    for i, row in enumerate(scores):
        values = row[~np.isnan(row)]
        if values.size >= 2:
            first[i], last[i] = values[0], values[-1]
    return first, last


def test_counts_add_up_over_any_split_and_percentages_come_from_the_sums(simulated):
    batch, practice = simulated
    whole = combine([practice_counts(batch, practice)])
    cuts = [0, 1, 17, 1234, 1235, 4000, EPISODES]
    parts = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        rows = np.arange(start, end)
        parts.append(
            practice_counts(
                type(batch)(
                    episode_ids=batch.episode_ids[rows],
                    ended=batch.ended[rows],
                    alliance=batch.alliance[rows],
                    **{n: getattr(batch, n)[rows] for n in _SESSION_FIELDS},
                ),
                practice[rows],
            )
        )
    assert combine(parts) == whole
    shown = as_dict(whole[NETWORK])
    assert shown["improvement_percent"] == published_percentage(
        whole[NETWORK].improved, whole[NETWORK].finished
    )


def test_simulated_partitions_are_written_and_evaluated_on_the_workers(client, tmp_path):
    paths = simulate_partitions(
        client, tmp_path, episodes=900, rows_per_partition=400, seed=2, practices=3
    )
    assert [p.rsplit("/", 1)[1] for p in paths] == [
        "part-00000.parquet",
        "part-00001.parquet",
        "part-00002.parquet",
    ]
    run = evaluate_partitions(client, paths, keep_signals=False, timeout=TIMEOUT)
    assert run.signals is None
    assert run.episodes == 900
    ids = np.concatenate([read_partition(p).batch.episode_ids for p in paths])
    assert ids.tolist() == list(range(900))
    # the workers' digests are those of evaluating each partition here
    assert run.digests == [signal_digest(evaluate(read_partition(p).batch)) for p in paths]
    assert sorted(k for k in run.counts if k != NETWORK) == [0, 1, 2]


@pytest.mark.django_db(transaction=True)
def test_attune_evaluate_on_dask_opens_the_alerts_the_single_process_opens(
    client, practice, therapist, colleague
):
    episodes = [make_episode(practice, f"c{i}@example.org", therapist) for i in range(3)]
    ended = make_episode(practice, "done@example.org", colleague)
    for episode, items in zip(
        [*episodes, ended],
        [[1, 1, 2, 2, 3], [3, 3, 2, 1, 0], [2, 2, 2, 2, 2], [3, 3, 2, 1, 0]],
        strict=True,
    ):
        sessions = weekly_sessions(episode, 5, start_days_ago=40)
        for session, per_item in zip(sessions, items, strict=True):
            check_in(episode, session, per_item)
        give_feedback(episode, sessions[-1], total_each=5, rupture="yes")
    ended.status = EpisodeStatus.ENDED_PLANNED
    ended.ended_on = timezone.localdate()
    ended.save()
    Alert.objects.all().delete()

    single = evaluate_practice()
    opened = sorted(Alert.objects.values_list("episode_id", "dedupe_key", "severity"))
    Alert.objects.all().delete()

    done = evaluate_practice_on_dask(client, chunk=2)
    assert done.active.partitions == 2  # 3 active episodes, 2 per partition
    assert done.result.episodes == single.episodes == 3
    assert [every_field(s) for s in done.result.signals] == [every_field(s) for s in single.signals]
    assert sorted(Alert.objects.values_list("episode_id", "dedupe_key", "severity")) == opened
    assert opened  # the deteriorating client and the ruptures opened alerts
    total = done.courses.counts[NETWORK]
    assert total.finished == 1 and total.recovered == 1  # 27 → 0 PHQ-9: recovered
    assert list(done.courses.counts) == [practice.pk, NETWORK]


def test_the_command_takes_the_dask_backend_and_simulated_input(capsys):
    call_command(
        "evaluate",
        "--backend",
        "dask",
        "--simulate",
        "600",
        "--partition-size",
        "250",
        "--practices",
        "4",
        "--json",
    )
    out = json.loads(capsys.readouterr().out)
    assert out["backend"] == "dask"
    assert out["episodes"] == 600
    assert out["partitions"] == 3
    assert out["alerts"] is None
    assert out["signals"] == sum(out["kinds"].values()) > 600
    assert sorted(out["network"]["practices"]) == ["0", "1", "2", "3"]
    total = out["network"]["total"]
    assert total["finished"] == sum(p["finished"] for p in out["network"]["practices"].values())
    assert total["recovery_percent"] == published_percentage(
        total["recovered"], total["finished"] - total["not_at_caseness"]
    )


def test_a_running_scheduler_is_reached_by_its_address(client, simulated, tmp_path, capsys):
    batch, practice = simulated
    address = client.scheduler.address
    assert address.startswith("tcp://")
    paths = write_partitions(batch, tmp_path, rows_per_partition=2_500, practice=practice)
    with connect(address) as other:
        run = evaluate_partitions(other, paths, keep_signals=False, timeout=TIMEOUT)
    assert run.digests == [signal_digest(evaluate(read_partition(p).batch)) for p in paths]
    call_command(
        "evaluate", "--backend", "dask", "--scheduler", address, "--simulate", "300", "--json"
    )
    out = json.loads(capsys.readouterr().out)
    assert out["episodes"] == 300
    assert len(out["workers"]) >= 1
    assert client.scheduler_info()["workers"]  # the cluster is still up: the command only left it
