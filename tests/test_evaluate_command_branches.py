"""``attune evaluate`` (the process backend) and the options it refuses before starting Dask."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from attune.alerts.models import Alert

pytestmark = pytest.mark.django_db


def _evaluate(*args: str) -> str:
    out = StringIO()
    call_command("evaluate", *args, stdout=out)
    return out.getvalue()


def test_json_of_the_process_backend_counts_the_signals(episode, upcoming):
    result = json.loads(_evaluate("--json"))
    assert result["backend"] == "process"
    assert result["episodes"] == 1
    assert result["alerts"] == Alert.objects.count()
    assert result["signals"] == sum(result["kinds"].values())


def test_a_scheduler_needs_the_dask_backend():
    with pytest.raises(CommandError, match="--scheduler needs --backend dask"):
        _evaluate("--scheduler", "tcp://127.0.0.1:8786")


@pytest.mark.parametrize("option", ["--workers", "--partition-size"])
def test_dask_wants_at_least_one_worker_and_one_row_a_partition(option):
    with pytest.raises(CommandError, match=f"{option} must be at least 1"):
        _evaluate("--backend", "dask", option, "0")
