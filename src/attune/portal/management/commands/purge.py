"""``attune purge``: delete clinical records whose retention period has ended.

Episodes that ended more than ``ATTUNE_RETENTION_YEARS`` years ago go with their sessions,
answers, alerts, notes (process and supervision), goals, links and messages
(:func:`attune.portal.retention.delete_episodes`); so do the e-mails that told clients about a
decided deletion request, once delivered. Safe to run daily from cron and to run again: a
second run finds nothing. ``--dry-run`` counts without deleting. The audit trail gets one event
per episode (its id, ``detail=purge``), signed by the scheduled-jobs account; nothing clinical
is printed or logged.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from attune.portal.retention import (
    add_years,
    count_episode_rows,
    delete_episodes,
    expired_episodes,
    retention_years,
    system_actor,
)
from attune.portal.retention_notices import delete_delivered_notices, delivered_notices


class Command(BaseCommand):
    help = "Delete clinical records whose retention period (ATTUNE_RETENTION_YEARS) has ended."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")
        parser.add_argument("--json", action="store_true", help="Print the counts as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        ids = expired_episodes(today)
        dry_run = bool(options["dry_run"])
        if dry_run:
            counts = count_episode_rows(ids)
            counts["deletion_notices"] = len(delivered_notices())
        else:
            actor = system_actor() if ids else None
            counts = (
                delete_episodes(ids, actor=actor, detail="purge")
                if actor
                else (count_episode_rows([]))
            )
            counts["deletion_notices"] = delete_delivered_notices()
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "dry_run": dry_run,
                        "retention_years": retention_years(),
                        "today": today.isoformat(),
                        "counts": counts,
                    },
                    sort_keys=True,
                )
            )
            return
        verb = "Would delete" if dry_run else "Deleted"
        cutoff = add_years(today, -retention_years())
        self.stdout.write(
            f"{verb} the records of therapies that ended before {cutoff:%Y-%m-%d} "
            f"(retention {retention_years()} years):"
        )
        for kind, count in counts.items():
            self.stdout.write(f"  {kind.replace('_', ' ')}: {count}")
