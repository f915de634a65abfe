"""The ``attune`` command: Django's management commands under the product's name.

``attune demo``, ``attune serve``, ``attune migrate``, ``attune createsuperuser`` … are the same
commands ``manage.py`` would run, with the settings module already chosen.

``attune outcomes …`` and ``attune sudden-gains …`` are the researchers' commands on CSV files:
they go to :mod:`attune.engine.research_cli` before Django is set up, so they need no database.
"""

from __future__ import annotations

import os
import sys

#: Commands answered by ``attune.engine.research_cli`` without Django.
RESEARCH_COMMANDS = frozenset({"outcomes", "sudden-gains"})


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in RESEARCH_COMMANDS:
        # inline: the research commands run without Django: the engine's CLI is imported only for
        #   them
        from attune.engine import research_cli

        raise SystemExit(research_cli.main(args))
    if args and not args[0].startswith("-"):
        # `attune send-reminders` reads better than Django's `send_reminders`; both work.
        args = [args[0].replace("-", "_"), *args[1:]]
    if args and args[0] == "demo":
        # The published demo logins sign in with a password only (settings.ATTUNE_DEMO).
        os.environ.setdefault("ATTUNE_DEMO", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attune.settings")
    # inline: Django only after DJANGO_SETTINGS_MODULE and ATTUNE_DEMO are set, never for the
    #   research commands
    from django.core.management import execute_from_command_line

    execute_from_command_line(["attune", *args])


if __name__ == "__main__":
    main()
