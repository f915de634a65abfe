"""Attune's own settings, one typed accessor each (issue 15).

Every ``ATTUNE_*`` setting is declared once, with its default, in ``attune.settings`` (read from
the environment there, documented in docs/deployment.md, "Attune's settings"). The code reads
them only through the functions below: each one reads ``django.conf.settings`` when it is
called, never at import time, so ``override_settings`` and the ``settings`` test fixture reach
every reader, and each returns one type.

``site_url_from`` is here too: the settings build ``ATTUNE_SITE_URL`` with it, and ``attune
serve`` builds the same address for the port it listens on.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def site_url_from(environ: Mapping[str, str]) -> str:
    """The address links in e-mails start with: ``ATTUNE_SITE_URL`` when set (a real install
    behind its proxy, docs/deployment.md), else where ``attune serve`` listens, from the same
    ``HOST`` and ``PORT`` it reads, so ``PORT=9123 make demo`` mails links to port 9123."""
    if environ.get("ATTUNE_SITE_URL"):
        return environ["ATTUNE_SITE_URL"]
    host = environ.get("HOST", "").strip() or "127.0.0.1"
    # Listening on every interface (0.0.0.0, ::): this machine answers on 127.0.0.1 too.
    if host in {"0.0.0.0", "::", "[::]"}:  # noqa: S104 - compared, not bound
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{environ.get('PORT', '').strip() or '8000'}"


# --------------------------------------------------------------------------- sign-in, the demo


def demo() -> bool:
    """``ATTUNE_DEMO``: password-only logins for the published demo accounts."""
    return bool(settings.ATTUNE_DEMO)


def require_mfa() -> bool:
    """``ATTUNE_REQUIRE_MFA``: clinical roles must set up a second factor."""
    return bool(settings.ATTUNE_REQUIRE_MFA)


def idle_minutes_clinical() -> int:
    """``ATTUNE_IDLE_MINUTES_CLINICAL``: a clinical role's session ends after this idle time."""
    return int(settings.ATTUNE_IDLE_MINUTES_CLINICAL)


def idle_minutes_client() -> int:
    """``ATTUNE_IDLE_MINUTES_CLIENT``: a client's session ends after this idle time."""
    return int(settings.ATTUNE_IDLE_MINUTES_CLIENT)


def site_url() -> str:
    """``ATTUNE_SITE_URL``: where links in e-mails point, without a trailing slash."""
    return str(settings.ATTUNE_SITE_URL).rstrip("/")


# --------------------------------------------------------------------------- clinical rules


def crisis_resources() -> list[dict[str, str]]:
    """``ATTUNE_CRISIS_RESOURCES``: the crisis contacts when the practice names none."""
    return list(settings.ATTUNE_CRISIS_RESOURCES)


def engine_overrides() -> dict[str, Any]:
    """``ATTUNE_ENGINE``: the practice's overrides of the engine's thresholds, by section."""
    return dict(settings.ATTUNE_ENGINE or {})


def practice_curves_min() -> int:
    """``ATTUNE_PRACTICE_CURVES_MIN``: completed episodes before practice-fitted curves."""
    return int(settings.ATTUNE_PRACTICE_CURVES_MIN)


def fit_check_session() -> int:
    """``ATTUNE_FIT_CHECK_SESSION``: the attended session the fit check-in is asked at."""
    return int(settings.ATTUNE_FIT_CHECK_SESSION)


def notes_keys() -> object:
    """``ATTUNE_NOTES_KEYS``: the Fernet keys of the private notes, as configured (a list, or
    a comma-separated string); ``attune.crypto`` checks them."""
    return settings.ATTUNE_NOTES_KEYS


# --------------------------------------------------------------------------- when forms open


def check_in_opens() -> timedelta:
    """``ATTUNE_CHECK_IN_OPENS_DAYS``: a check-in opens this long before its session."""
    return timedelta(days=settings.ATTUNE_CHECK_IN_OPENS_DAYS)


def feedback_open_for() -> timedelta:
    """``ATTUNE_FEEDBACK_OPEN_DAYS``: session feedback stays open this long after it."""
    return timedelta(days=settings.ATTUNE_FEEDBACK_OPEN_DAYS)


def fit_check_open_for() -> timedelta:
    """``ATTUNE_FIT_CHECK_OPEN_DAYS``: the fit check-in stays open this long after its session."""
    return timedelta(days=settings.ATTUNE_FIT_CHECK_OPEN_DAYS)


def exit_feedback_open_for() -> timedelta:
    """``ATTUNE_EXIT_FEEDBACK_OPEN_DAYS``: the exit feedback stays open this long after the
    ending asked for it."""
    return timedelta(days=settings.ATTUNE_EXIT_FEEDBACK_OPEN_DAYS)


# --------------------------------------------------------------------------- links, reminders


def link_hours() -> int:
    """``ATTUNE_LINK_HOURS``: an e-mailed form link works this long."""
    return int(settings.ATTUNE_LINK_HOURS)


def check_in_reminder_hours() -> timedelta:
    """``ATTUNE_CHECK_IN_REMINDER_HOURS``: the check-in reminder goes out this long before."""
    return timedelta(hours=int(settings.ATTUNE_CHECK_IN_REMINDER_HOURS))


def feedback_reminder_hours() -> timedelta:
    """``ATTUNE_FEEDBACK_REMINDER_HOURS``: feedback is reminded about this long after."""
    return timedelta(hours=int(settings.ATTUNE_FEEDBACK_REMINDER_HOURS))


def reminder_max_attempts() -> int:
    """``ATTUNE_REMINDER_MAX_ATTEMPTS``: failed reminder e-mails are tried this often."""
    return int(settings.ATTUNE_REMINDER_MAX_ATTEMPTS)


# --------------------------------------------------------------------------- safety, supervision


def safety_escalate_after(level: str) -> timedelta:
    """``ATTUNE_SAFETY_ESCALATE_AFTER_HOURS``: how long a safety alert of this level ("urgent",
    "high") may stay unacknowledged before the duty contact is told (from
    ``ATTUNE_SAFETY_ESCALATE_URGENT_HOURS`` and ``…_HIGH_HOURS``; an unknown level is "high")."""
    hours = settings.ATTUNE_SAFETY_ESCALATE_AFTER_HOURS
    return timedelta(hours=float(hours.get(level, hours["high"])))


def duty_contact_emails() -> list[str]:
    """``ATTUNE_DUTY_CONTACT_EMAIL``: the duty contact's addresses (comma-separated)."""
    return [a.strip() for a in str(settings.ATTUNE_DUTY_CONTACT_EMAIL).split(",") if a.strip()]


def supervision_overrides() -> dict[str, Any]:
    """``ATTUNE_SUPERVISION``: the practice's overrides of the supervision thresholds."""
    return dict(settings.ATTUNE_SUPERVISION or {})


# --------------------------------------------------------------------------- records


def retention_years() -> int:
    """``ATTUNE_RETENTION_YEARS``: records are kept this many years after the therapy ended."""
    return int(settings.ATTUNE_RETENTION_YEARS)


def past_clients_months() -> int:
    """``ATTUNE_PAST_CLIENTS_MONTHS``: how far back "past clients" reaches."""
    return int(settings.ATTUNE_PAST_CLIENTS_MONTHS)


# --------------------------------------------------------------------------- matching, outcomes


def matching_cache_seconds() -> int:
    """``ATTUNE_MATCHING_CACHE_SECONDS``: how long a practice's strength is cached (0: never)."""
    return int(settings.ATTUNE_MATCHING_CACHE_SECONDS)


def consultation_rate() -> str:
    """``ATTUNE_CONSULTATION_RATE``: requests per address (django-ratelimit)."""
    return str(settings.ATTUNE_CONSULTATION_RATE)


def outcomes_suppress_below() -> int:
    """``ATTUNE_OUTCOMES_SUPPRESS_BELOW``: outcome counts under it are withheld; a whole
    number ≥ 1, anything else stops the page with ``ImproperlyConfigured``."""
    below = settings.ATTUNE_OUTCOMES_SUPPRESS_BELOW
    if not isinstance(below, int) or isinstance(below, bool) or below < 1:
        raise ImproperlyConfigured("ATTUNE_OUTCOMES_SUPPRESS_BELOW must be a whole number ≥ 1")
    return below


def nhs_tt_measures_csv() -> str | None:
    """``ATTUNE_NHS_TT_MEASURES_CSV``: a newer published CSV of England's figures, or None for
    the shipped ones."""
    value = settings.ATTUNE_NHS_TT_MEASURES_CSV
    return str(value) if value else None


# --------------------------------------------------------------------------- read replica


def analytics_replica() -> str | None:
    """``ATTUNE_ANALYTICS_REPLICA``: the database alias analytics reads go to (set from
    ``DATABASE_REPLICA_URL``), or ``None`` for one database (docs/scaling.md)."""
    alias = settings.ATTUNE_ANALYTICS_REPLICA
    return str(alias) if alias else None


def analytics_paths() -> tuple[str, ...]:
    """``ATTUNE_ANALYTICS_PATHS``: request paths whose reads go to the replica."""
    return tuple(settings.ATTUNE_ANALYTICS_PATHS)
