"""``attune demo``: migrate, load the demo practice once, print where to open it and the
logins, serve. ``--reset`` (``make demo-reset``) drops the demo database first."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections, transaction
from django.utils import timezone

from attune.accounts.demo_logins import DEMO_LOGINS, DEMO_PASSWORD
from attune.demo.banner import banner
from attune.demo.loader import demo_loaded, load_demo


def drop_sqlite_database(database: Mapping[str, Any]) -> bool:
    """Delete the SQLite file of ``database`` (and its -wal/-shm journals): a reset then starts
    from an empty file, whatever an older version of Attune left in it. Returns whether a file
    was deleted; another database (PostgreSQL) is left to ``flush``."""
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return False
    path = Path(str(database["NAME"]))
    if not path.is_file():  # not created yet, or in memory (the tests)
        return False
    connections.close_all()
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        file.unlink(missing_ok=True)
    return True


class Command(BaseCommand):
    help = "Create the demo practice (deterministic) and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="Load and exit.")
        parser.add_argument("--reset", action="store_true", help="Delete all data and reload.")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, no_serve: bool, reset: bool, seed: int, **options: Any) -> None:
        dropped = reset and drop_sqlite_database(settings.DATABASES["default"])
        if dropped:
            self.stdout.write("Dropped the demo database; loading it again.")
        call_command("migrate", interactive=False, verbosity=0)
        if reset and not dropped:  # not SQLite (PostgreSQL…): empty the tables instead
            call_command("flush", interactive=False, verbosity=0)
            call_command("migrate", interactive=False, verbosity=0)  # reloads shipped data
        if demo_loaded():
            self.stdout.write(
                "The demo practice is already loaded (attune demo --reset reloads it)."
            )
        else:
            started = time.perf_counter()
            logging.getLogger("attune").setLevel(logging.WARNING)  # one summary line instead
            with transaction.atomic():
                sim = load_demo(timezone.localdate(), seed=seed)
            sessions = sum(len(e.sessions) for e in sim.episodes)
            self.stdout.write(
                f"Loaded {sim.name}: {len(sim.therapists)} therapists, {len(sim.clients)} clients, "
                f"{len(sim.episodes)} episodes, {sessions} sessions "
                f"in {time.perf_counter() - started:.1f} s."
            )
        self.stdout.write("")
        self.stdout.write(
            banner(
                site_url=settings.ATTUNE_SITE_URL,
                logins=DEMO_LOGINS,
                password=DEMO_PASSWORD,
                mfa_required=settings.ATTUNE_REQUIRE_MFA,
                email_backend=settings.EMAIL_BACKEND,
            )
        )
        self.stdout.write("")
        if not no_serve:
            call_command("serve")
