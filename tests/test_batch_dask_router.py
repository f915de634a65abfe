"""The analytics read replica (attune.db_routers) and the web app's independence from Dask.

With a replica configured (``ATTUNE_ANALYTICS_REPLICA``, set by ``DATABASE_REPLICA_URL``), reads
made for the practice outcomes pages go to the replica alias; sign-in state, writes and every
other page stay on ``default``. The alias each query would use is asked of Django itself
(``QuerySet.db``, the router's answer), so no second database is needed here.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from attune.accounts.models import User
from attune.care.models import Episode, Session
from attune.db_routers import AnalyticsReadsMiddleware, AnalyticsReplicaRouter, analytics_reads
from attune.measures.models import Response


@pytest.fixture
def replica(settings):
    settings.ATTUNE_ANALYTICS_REPLICA = "replica"
    return "replica"


def aliases_seen_by_a_view(path: str) -> dict[str, str]:
    seen: dict[str, str] = {}

    def view(request):
        seen.update(
            episode=Episode.objects.all().db,
            session=Session.objects.all().db,
            response=Response.objects.all().db,
            user=User.objects.all().db,
        )
        return HttpResponse("ok")

    AnalyticsReadsMiddleware(view)(RequestFactory().get(path))
    return seen


def test_outcomes_reads_go_to_the_replica_when_one_is_configured(replica):
    seen = aliases_seen_by_a_view("/practice/outcomes/")
    assert seen["episode"] == seen["session"] == seen["response"] == "replica"
    assert seen["user"] == "default"  # who is signed in is never read from a lagging copy
    export = aliases_seen_by_a_view("/practice/outcomes/export/")
    assert export["episode"] == "replica"


def test_other_pages_read_from_default(replica):
    seen = aliases_seen_by_a_view("/workspace/")
    assert seen["episode"] == seen["response"] == "default"


def test_without_a_replica_analytics_reads_stay_on_default(settings):
    settings.ATTUNE_ANALYTICS_REPLICA = None
    assert aliases_seen_by_a_view("/practice/outcomes/")["episode"] == "default"
    with analytics_reads():
        assert Episode.objects.all().db == "default"


def test_writes_never_go_to_the_replica_and_it_is_never_migrated(replica):
    router = AnalyticsReplicaRouter()
    with analytics_reads():
        assert Episode.objects.all().db == "replica"
        assert router.db_for_write(Episode) is None  # default
    assert router.allow_migrate("replica", "care") is False
    assert router.allow_migrate("default", "care") is None
    assert Episode.objects.all().db == "default"  # outside the block


def test_the_replica_url_adds_the_alias_in_the_settings(tmp_path):
    code = (
        "import django, os\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'attune.settings'\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "print(settings.ATTUNE_ANALYTICS_REPLICA, settings.DATABASES['replica']['NAME'],"
        " settings.DATABASES['replica']['TEST']['MIRROR'])\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "ATTUNE_VAR_DIR": str(tmp_path),
        "DATABASE_REPLICA_URL": "postgres://attune@replica.example.org:5432/attune",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.split() == ["replica", "attune", "default"]


def test_the_web_application_loads_no_dask():
    code = (
        "import django, os, sys\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'attune.settings'\n"
        "django.setup()\n"
        "import attune.urls, attune.wsgi\n"
        "from django.urls import get_resolver\n"
        "get_resolver().url_patterns\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_pooling_settings_for_pgbouncer_and_the_psycopg_pool(tmp_path):
    code = (
        "import django, os\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'attune.settings'\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "for alias in ('default', 'replica'):\n"
        "    d = settings.DATABASES[alias]\n"
        "    print(alias, d['DISABLE_SERVER_SIDE_CURSORS'], d['OPTIONS']['pool']['max_size'],"
        " d['CONN_MAX_AGE'])\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "ATTUNE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://attune@db.example.org:6432/attune",
        "DATABASE_REPLICA_URL": "postgres://attune@replica.example.org:6432/attune",
        "DB_DISABLE_SERVER_SIDE_CURSORS": "true",
        "DB_POOL": "true",
        "DB_POOL_MAX": "20",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.split("\n")[:2] == ["default True 20 0", "replica True 20 0"]
