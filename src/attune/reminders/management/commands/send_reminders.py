"""``attune send-reminders``: e-mail form links for check-ins and feedback that are due.

Cron-friendly: run it every 15 minutes; each reminder goes out once (see
``attune.reminders.services.send_reminders``). ``--dry-run`` lists what is due and sends nothing.
Output carries ids and counts only.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from attune.reminders.services import send_reminders


class Command(BaseCommand):
    help = "E-mail form links for check-ins before sessions and feedback after them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List the reminders that are due; send none."
        )

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        run = send_reminders(dry_run=dry_run)
        if dry_run:
            for item in run.due:
                self.stdout.write(f"due: session {item.session.pk} {item.phase}")
            self.stdout.write(f"{len(run.due)} reminder(s) due; dry run, nothing sent.")
            return
        self.stdout.write(
            f"{len(run.sent)} sent, {len(run.failed)} failed, {run.skipped} already claimed."
        )
        if run.failed:
            self.stderr.write("Some reminders failed; they are tried again on the next run.")
