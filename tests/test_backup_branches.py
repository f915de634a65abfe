"""attune.practice.backup in process: the engine chosen, SQLite backup → restore with and without
uploaded files, PostgreSQL's client tools missing or failing, a restore from nothing refused.

tests/test_backup.py runs the real commands end to end in subprocesses (not measured by
coverage); these run the same functions on a throwaway SQLite file, without the test database.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from attune.practice import backup as bk

pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES:UserWarning")


def _use_database(settings, **db: object) -> None:
    settings.DATABASES = {"default": db}


@pytest.fixture
def sqlite_db(settings, tmp_path) -> Path:
    name = tmp_path / "live.sqlite3"
    with sqlite3.connect(name) as con:
        con.execute("CREATE TABLE t (v TEXT)")
        con.execute("INSERT INTO t VALUES ('before')")
    con.close()
    _use_database(settings, ENGINE="django.db.backends.sqlite3", NAME=str(name))
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.VAR_DIR = tmp_path / "var"
    return name


def _rows(path: Path) -> list[str]:
    with sqlite3.connect(path) as con:
        rows = [r[0] for r in con.execute("SELECT v FROM t ORDER BY v")]
    con.close()
    return rows


def test_the_engine_is_named_from_the_django_backend(settings):
    _use_database(settings, ENGINE="django.db.backends.sqlite3", NAME="x")
    assert bk.engine() == "sqlite"
    assert bk.default_path(datetime(2026, 1, 2, 3, 4, 5)).name == "attune-20260102-030405.sqlite3"
    _use_database(settings, ENGINE="django.db.backends.postgresql", NAME="x")
    assert bk.engine() == "postgresql"
    assert bk.default_path(datetime(2026, 1, 2, 3, 4, 5)).name == "attune-20260102-030405.dump"
    _use_database(settings, ENGINE="django.db.backends.mysql", NAME="x")
    with pytest.raises(ValueError, match="knows SQLite and PostgreSQL, not mysql"):
        bk.engine()


def test_libpq_variables_carry_only_what_is_set(monkeypatch):
    for name in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD"):
        monkeypatch.delenv(name, raising=False)
    env = bk._pg_env({"HOST": "db.example", "PORT": 5433, "USER": "attune", "PASSWORD": "s3"})
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGPASSWORD"]) == (
        "db.example",
        "5433",
        "attune",
        "s3",
    )
    bare = bk._pg_env({"HOST": "", "PORT": "", "USER": None})
    assert not {"PGHOST", "PGPORT", "PGUSER", "PGPASSWORD"} & set(bare)


def test_sqlite_backup_without_uploads_then_restore(sqlite_db, tmp_path):
    target = tmp_path / "backups" / "b.sqlite3"
    made = bk.backup(target)
    assert made.engine == "sqlite" and made.media_path is None
    assert made.size_bytes == target.stat().st_size > 0
    assert target.stat().st_mode & 0o777 == 0o600
    assert made.as_dict()["media_path"] is None

    with sqlite3.connect(sqlite_db) as con:
        con.execute("UPDATE t SET v = 'after'")
    con.close()
    restored = bk.restore(target)
    assert _rows(sqlite_db) == ["before"]
    assert restored.media_path is None  # no archive beside the backup: today's files stay


def test_sqlite_backup_with_uploads_restores_the_files_as_they_were(sqlite_db, tmp_path, settings):
    media = Path(settings.MEDIA_ROOT)
    (media / "photos").mkdir(parents=True)
    (media / "photos" / "a.jpg").write_bytes(b"photo-a")
    target = tmp_path / "b.sqlite3"
    made = bk.backup(target)
    assert made.media_path == tmp_path / "b.sqlite3.media.tar.gz"
    assert made.as_dict()["media_path"] == str(made.media_path)

    (media / "photos" / "a.jpg").write_bytes(b"changed")
    (media / "photos" / "new.jpg").write_bytes(b"new")
    assert bk.restore(target).media_path == made.media_path
    assert sorted(p.name for p in (media / "photos").iterdir()) == ["a.jpg"]
    assert (media / "photos" / "a.jpg").read_bytes() == b"photo-a"
    assert not media.with_name("media.before-restore").exists()

    # Restoring when the uploads directory is gone puts it back.
    shutil.rmtree(media)
    bk.restore(target)
    assert (media / "photos" / "a.jpg").read_bytes() == b"photo-a"


def test_an_empty_uploads_directory_is_not_archived(sqlite_db, tmp_path, settings):
    (Path(settings.MEDIA_ROOT) / "empty").mkdir(parents=True)
    assert bk.backup(tmp_path / "b.sqlite3").media_path is None


def test_restore_from_a_missing_file_is_refused(sqlite_db, tmp_path):
    with pytest.raises(FileNotFoundError, match="No backup at"):
        bk.restore(tmp_path / "nothing.sqlite3")
    assert _rows(sqlite_db) == ["before"]


def _postgres_nowhere(settings, tmp_path) -> None:
    # Port 1 on the loopback: nothing listens, so the client tools fail at once.
    _use_database(
        settings,
        ENGINE="django.db.backends.postgresql",
        NAME="attune_nowhere",
        HOST="127.0.0.1",
        PORT=1,
        USER="attune",
        PASSWORD="",
    )
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_postgresql_without_client_tools_says_what_to_install(settings, tmp_path, monkeypatch):
    _postgres_nowhere(settings, tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump / pg_restore on it
    with pytest.raises(RuntimeError, match="pg_dump is not installed"):
        bk.backup(tmp_path / "b.dump")
    (tmp_path / "b.dump").write_bytes(b"PGDMP")
    with pytest.raises(RuntimeError, match="pg_restore is not installed"):
        bk.restore(tmp_path / "b.dump")


@pytest.mark.skipif(shutil.which("pg_restore") is None, reason="needs postgresql-client")
def test_postgresql_tool_failure_is_reported_with_its_message(settings, tmp_path):
    _postgres_nowhere(settings, tmp_path)
    (tmp_path / "b.dump").write_bytes(b"not a dump")
    with pytest.raises(RuntimeError, match="pg_restore failed: .+"):
        bk.restore(tmp_path / "b.dump")
