"""Keep one-time tokens out of the logs.

``/f/<token>/`` (a form link) and ``/accounts/reset/<uid>/<token>/`` (a password reset or a
client's invitation) carry a secret in their path. Django logs the path of every 4xx response
(``django.request``), ``runserver`` and gunicorn log every request: this filter replaces the
secret with ``…`` in those records before any handler sees them.
"""

from __future__ import annotations

import logging
import re
from typing import Any

#: (secret in a path, what the log shows instead)
TOKENS_IN_PATHS = (
    (re.compile(r"/f/[^/\s?#\"']+"), "/f/…"),
    (
        re.compile(r"/accounts/reset/[^/\s?#\"']+/(?!set-password/)[^/\s?#\"']+"),
        "/accounts/reset/…/…",
    ),
    # allauth's "forgotten password" link (attune.accounts.urls).
    (re.compile(r"/accounts/password/reset/key/[^/\s?#\"']+"), "/accounts/password/reset/key/…"),
)
LOGGERS = (
    "django.request",
    "django.server",
    "django.security.csrf",
    "django.security.DisallowedHost",
    "django.security.SuspiciousOperation",
    "gunicorn.access",
    "gunicorn.error",
)


def redact(value: Any) -> Any:
    if isinstance(value, str):
        for secret, shown in TOKENS_IN_PATHS:
            value = secret.sub(shown, value)
    return value


class RedactFormLinkTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, dict):
            # In place: gunicorn's access atoms are a dict subclass with its own lookups.
            for key, value in list(record.args.items()):
                record.args[key] = redact(value)
        elif isinstance(record.args, tuple):
            record.args = tuple(redact(v) for v in record.args)
        return True


def _attach(filterer: logging.Filterer) -> None:
    if not any(isinstance(f, RedactFormLinkTokens) for f in filterer.filters):
        filterer.addFilter(RedactFormLinkTokens())


def install() -> None:
    """Attach the filter to the loggers that write request paths, and to the handlers of the
    root and ``django`` loggers for any other record that carries one (idempotent)."""
    for name in LOGGERS:
        _attach(logging.getLogger(name))
    for name in ("", "django", *LOGGERS):
        for handler in logging.getLogger(name).handlers:
            _attach(handler)
