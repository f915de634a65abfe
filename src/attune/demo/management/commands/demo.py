"""``attune demo``: migrate, load the demo practice once, print the logins, serve."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from attune.demo.loader import DEMO_LOGINS, DEMO_PASSWORD, demo_loaded, load_demo


class Command(BaseCommand):
    help = "Create the demo practice (deterministic) and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="Load and exit.")
        parser.add_argument("--reset", action="store_true", help="Delete all data and reload.")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, no_serve: bool, reset: bool, seed: int, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if reset:
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
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, what in DEMO_LOGINS:
            self.stdout.write(f"  {email:<26} {what}")
        if not settings.ATTUNE_REQUIRE_MFA:
            self.stdout.write("Demo mode: two-step sign-in (MFA) is off; a real install needs it.")
        self.stdout.write("")
        if not no_serve:
            call_command("serve")
