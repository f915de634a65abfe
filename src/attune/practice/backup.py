"""Backing up and restoring a practice's database: SQLite's online backup, PostgreSQL's
pg_dump / pg_restore — and the uploaded files beside it (therapists' photos under
``MEDIA_ROOT``), as ``<backup>.media.tar.gz``.

A backup holds clinical data: keep it encrypted and off the machine (docs/deployment.md). The
private notes inside it are ciphertext; keep the note keys (``ATTUNE_NOTES_KEYS``) apart from
the backups, and keep an old key for as long as the backups written with it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections


@dataclass(frozen=True)
class Backup:
    path: Path
    engine: str  # "sqlite" or "postgresql"
    size_bytes: int
    media_path: Path | None = None  # the uploaded files, when there are any

    def as_dict(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "engine": self.engine,
            "size_bytes": self.size_bytes,
            "media_path": str(self.media_path) if self.media_path else None,
        }


def _database() -> dict[str, Any]:
    return dict(settings.DATABASES["default"])


def engine() -> str:
    vendor = _database()["ENGINE"].rsplit(".", 1)[-1]
    if vendor == "sqlite3":
        return "sqlite"
    if vendor == "postgresql":
        return "postgresql"
    raise ValueError(f"attune backup knows SQLite and PostgreSQL, not {vendor}.")


def default_path(now: datetime) -> Path:
    suffix = "sqlite3" if engine() == "sqlite" else "dump"
    return settings.VAR_DIR / "backups" / f"attune-{now:%Y%m%d-%H%M%S}.{suffix}"


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    """libpq's own variables, so that no password appears in a process list."""
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[name] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_run(command: list[str], db: dict[str, Any], missing: str) -> None:
    """Run a PostgreSQL client tool (``pg_dump``, ``pg_restore``) on ``db``; ``missing`` is
    what to say when it is not installed."""
    if shutil.which(command[0]) is None:
        raise RuntimeError(missing)
    # Fixed argument lists (no shell); the only variables are our own paths and db name.
    done = subprocess.run(command, env=_pg_env(db), capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {done.stderr.strip()[-500:]}")


def _sqlite_copy(source_path: str | Path, target_path: str | Path) -> None:
    """Copy one SQLite database onto another with the online backup API: a consistent
    snapshot, WAL included, page by page."""
    with sqlite3.connect(source_path) as source, sqlite3.connect(target_path) as target:
        source.backup(target)
    target.close()


def media_archive(path: Path) -> Path:
    """Where the uploaded files of the backup at ``path`` are kept: beside it."""
    return path.with_name(path.name + ".media.tar.gz")


def _back_up_media(path: Path) -> Path | None:
    media = Path(settings.MEDIA_ROOT)
    if not media.is_dir() or not any(p.is_file() for p in media.rglob("*")):
        return None
    archive = media_archive(path)
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(media, arcname=".")
    os.chmod(archive, 0o600)
    return archive


def _restore_media(path: Path) -> Path | None:
    """Put the backup's uploaded files in place of today's; a backup without any leaves them."""
    archive = media_archive(path)
    if not archive.is_file():
        return None
    media = Path(settings.MEDIA_ROOT)
    staging = media.with_name(media.name + ".restoring")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(staging, filter="data")  # no absolute paths, links out or devices
    replaced = media.with_name(media.name + ".before-restore")
    shutil.rmtree(replaced, ignore_errors=True)
    if media.exists():
        media.rename(replaced)
    staging.rename(media)
    shutil.rmtree(replaced, ignore_errors=True)
    return archive


def backup(path: Path) -> Backup:
    """Write a consistent copy of the database to ``path`` while Attune keeps serving."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = _database()
    if engine() == "sqlite":
        _sqlite_copy(db["NAME"], path)
    else:
        _pg_run(
            ["pg_dump", "--format=custom", "--no-owner", f"--file={path}", db["NAME"]],
            db,
            "pg_dump is not installed (Debian: apt install postgresql-client).",
        )
    os.chmod(path, 0o600)  # clinical data: readable by the service account only
    return Backup(
        path=path,
        engine=engine(),
        size_bytes=path.stat().st_size,
        media_path=_back_up_media(path),
    )


def restore(path: Path) -> Backup:
    """Replace the database's contents with the backup at ``path``. Stop the app servers first."""
    if not path.is_file():
        raise FileNotFoundError(f"No backup at {path}.")
    db = _database()
    connections.close_all()
    if engine() == "sqlite":
        _sqlite_copy(path, db["NAME"])
    else:
        _pg_run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={db['NAME']}",
                str(path),
            ],
            db,
            "pg_restore is not installed (apt install postgresql-client).",
        )
    return Backup(
        path=path,
        engine=engine(),
        size_bytes=path.stat().st_size,
        media_path=_restore_media(path),
    )
