"""``attune notify``: escalate safety alerts nobody acknowledged in time, then send the outbox.

Run it every 2-5 minutes (cron or a systemd timer, docs/deployment.md). Each notice is queued
once; a failed delivery is retried on later runs (POST_OFFICE["MAX_RETRIES"] every
POST_OFFICE["RETRY_INTERVAL"]). Prints counts only; ``--json`` for monitoring. Exits 1 while a
safety e-mail has been given up on, so that monitoring notices; ``--retry-failed`` queues those
again.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from attune.alerts import notices
from attune.notifications.one_runner import AnotherRunIsGoing, one_runner


class Command(BaseCommand):
    help = "Send the safety notifications and escalate alerts not acknowledged in time."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print the counts as JSON.")
        parser.add_argument(
            "--retry-failed",
            action="store_true",
            help="Queue again the safety e-mails the outbox stopped retrying.",
        )

    def handle(self, *args: Any, retry_failed: bool = False, **options: Any) -> None:

        requeued_by_hand = notices.retry_failed() if retry_failed else 0
        try:
            # One run at a time, across servers: a slow mail server must not make two timers
            # send the same e-mail twice.
            with one_runner("notify"):
                result = notices.run()
        except AnotherRunIsGoing:
            self.stderr.write("Another `attune notify` is running; nothing done.")
            return
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict() | {"retried": requeued_by_hand}))
        else:
            self.stdout.write(
                f"{result.escalated} escalated, {result.sent} sent, {result.requeued} to retry, "
                f"{result.waiting} safety e-mail(s) waiting, {result.given_up} given up."
            )
        if result.given_up:
            raise CommandError(
                f"{result.given_up} safety e-mail(s) could not be delivered: check the mail "
                "server, then run `attune notify --retry-failed`."
            )
