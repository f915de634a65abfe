"""``attune restore PATH --yes``: replace the database's contents with a backup.

Stop the app servers first; run ``attune migrate`` afterwards if the backup is older than the
code. Without ``--yes`` it only says what it would do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from attune.practice import backup


class Command(BaseCommand):
    help = "Restore the database from a backup made by `attune backup`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="Really replace the current database."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not options["yes"]:
            self.stdout.write(
                f"This replaces everything in the {backup.engine()} database (and the uploaded "
                f"files, if the backup has them) with {path}. "
                "Stop the app servers, then run again with --yes."
            )
            return
        try:
            done = backup.restore(path)
        except (RuntimeError, ValueError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored the {done.engine} database from {done.path}.")
        if done.media_path:
            self.stdout.write(f"Restored the uploaded files from {done.media_path}.")
