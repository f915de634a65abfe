"""``attune backup [--output PATH] [--json]``: a consistent copy of the database while serving.

SQLite: the online backup API; PostgreSQL: ``pg_dump --format=custom``. The file is written
mode 600; keep it encrypted and off the machine, and the note keys apart from it
(docs/deployment.md, "Backups").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from attune.practice import backup


class Command(BaseCommand):
    help = "Back up the database (SQLite online backup or pg_dump)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", type=Path, help="Where to write it (default: var/backups/)."
        )
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["output"] or backup.default_path(timezone.now())
        try:
            done = backup.backup(path)
        except (RuntimeError, ValueError, OSError) as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(done.as_dict()))
        else:
            self.stdout.write(
                f"Backed up the {done.engine} database to {done.path} ({done.size_bytes:,} bytes)."
            )
            if done.media_path:
                self.stdout.write(f"Backed up the uploaded files to {done.media_path}.")
