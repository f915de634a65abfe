"""Serve Attune with gunicorn; WhiteNoise serves the static files from the same process."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from gunicorn.app.wsgiapp import WSGIApplication

from attune.conf import site_url_from


class Command(BaseCommand):
    help = "Serve Attune with gunicorn on http://127.0.0.1:$PORT (default 8000)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2"))
        )

    def handle(self, *args: Any, host: str, port: int, workers: int, **options: Any) -> None:
        if not os.environ.get("ATTUNE_SITE_URL"):
            # `attune serve --port 9123` without PORT: e-mailed links still open where it listens.
            settings.ATTUNE_SITE_URL = site_url_from({"HOST": host, "PORT": str(port)})

        self.stdout.write(f"Attune is serving on http://{host}:{port}/ (Ctrl+C stops it)")
        sys.argv = [
            "gunicorn",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            # The path only: a query string can carry a search for a client's name.
            "--access-logformat",
            '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss',
            "--forwarded-allow-ips",
            os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
            "attune.wsgi:application",
        ]
        WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()
