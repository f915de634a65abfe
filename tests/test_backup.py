"""``attune backup`` → ``attune restore`` gives back the same practice (issue 11).

Runs the real commands in a fresh database of the engine under test: a SQLite file, or — when
the suite runs on PostgreSQL — a new PostgreSQL database (pg_dump / pg_restore).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

COUNT = (
    "from attune.accounts.models import User; from attune.audit.models import AuditEvent; "
    "print(User.objects.count(), sorted(User.objects.values_list('email', flat=True)))"
)


def _attune(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "attune", *args], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture
def database_url(tmp_path):
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'practice.sqlite3'}"
        return
    import psycopg

    settings = connection.settings_dict
    name = f"attune_backup_{uuid.uuid4().hex[:8]}"
    host = quote(settings["HOST"] or "localhost", safe="")  # a socket's folder, percent-encoded
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    server = f"postgres://{settings['USER']}@{host}{port}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{server}/{name}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restores_the_practice_as_it_was(tmp_path, database_url):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ATTUNE_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "attune.settings",
    }
    _attune(env, "migrate", "--noinput")
    # One process adds a user and counts (each `attune` process starts Django: ~1.5 s).
    make = "from attune.accounts.models import User; User.objects.create_user('{}', 'pw-123456')"
    before = _attune(env, "shell", "-c", make.format("kept.before@example.org") + "; " + COUNT)
    photos = tmp_path / "var" / "media" / "therapists"  # uploaded files (ATTUNE_MEDIA_ROOT)
    photos.mkdir(parents=True)
    (photos / "kept.jpg").write_bytes(b"kept photo")

    # --skip-checks: the system checks (they import every view, ~2 s a process) are not what
    # this test is about; `attune backup` and `attune restore` run them by default.
    backup = ("backup", "--skip-checks", "--json", "--output", str(tmp_path / "b.bak"))
    result = json.loads(_attune(env, *backup))
    assert Path(result["path"]).stat().st_size == result["size_bytes"] > 0
    assert oct(Path(result["path"]).stat().st_mode)[-3:] == "600"
    assert result["media_path"] == str(tmp_path / "b.bak.media.tar.gz")
    assert oct(Path(result["media_path"]).stat().st_mode)[-3:] == "600"

    (photos / "added.jpg").write_bytes(b"added photo")
    (photos / "kept.jpg").write_bytes(b"changed photo")
    after = _attune(env, "shell", "-c", make.format("added.after@example.org") + "; " + COUNT)
    assert after != before
    restore = ("restore", "--skip-checks", str(tmp_path / "b.bak"))
    assert "Stop the app servers" in _attune(env, *restore)
    _attune(env, *restore, "--yes")
    assert _attune(env, "shell", "-c", COUNT) == before
    assert sorted(p.name for p in photos.iterdir()) == ["kept.jpg"]
    assert (photos / "kept.jpg").read_bytes() == b"kept photo"
