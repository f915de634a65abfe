"""One ``attune notify`` at a time, across every app server.

Several servers may run the same timer against one database. On PostgreSQL a session advisory
lock, taken in that database, lets one run send while the others skip (no e-mail is sent twice
by two servers); on SQLite — one machine by construction — a lock file beside the database does
the same. A run that finds the lock taken does nothing and says so.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection
from post_office.lockfile import FileLock, FileLocked


class AnotherRunIsGoing(Exception):
    """The lock is held by another run (on this server or another)."""


def _key(name: str) -> int:
    return zlib.crc32(f"attune:{name}".encode())  # a stable 32-bit key for pg_advisory_lock


@contextmanager
def one_runner(name: str) -> Iterator[None]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_key(name)])
            (taken,) = cursor.fetchone()
        if not taken:
            raise AnotherRunIsGoing
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_key(name)])
        return
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(str(settings.VAR_DIR / f"attune-{name}")):
            yield
    except FileLocked as error:
        raise AnotherRunIsGoing from error
