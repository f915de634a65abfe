"""The figures the supervision queue and the per-supervisee figures use, with their reasons.

Defaults below; a practice overrides them by name in ``ATTUNE_SUPERVISION`` (settings, JSON in
the environment). An unknown name or a value that is not a positive number stops with a clear
message instead of being ignored.

* ``safety_follow_up_hours = 24``: a safety answer (PHQ-9 item 9) is acknowledged or followed
  up within a working day at the latest — the practice's own escalation for "high"
  (``ATTUNE_SAFETY_ESCALATE_AFTER_HOURS``; same-day follow-up for "urgent", NICE NG225). A safety
  alert without an acknowledgement or an action by then comes to supervision.
* ``lookback_days = 28``: supervision is at least monthly (BACP: at least 1.5 hours a month for
  practising counsellors and psychotherapists), so what happened in the last four weeks — a late
  safety follow-up, the latest of repeated ruptures — is still to be talked about.
* ``ruptures_at_least = 2``: two ruptures in one episode, repaired or not, are a pattern worth
  reflecting on together (Safran, Muran & Eubanks-Carter 2011); the engine's own
  "repeated ruptures" alert (2 *unrepaired* ruptures, McLaughlin et al. 2014) comes to the queue
  whatever this number.
* ``figures_days = 90``: check-in completion and alert response times over the last quarter —
  long enough for a stable figure on a caseload of 15-20 clients.
* ``ended_months = 12``: reliable improvement and deterioration among episodes ended in the last
  year (as "past clients", ``ATTUNE_PAST_CLIENTS_MONTHS``).
* ``severe_phq9_at_least = 20``: the case mix notes the share of clients who started in the
  severe PHQ-9 range (20-27, Kroenke, Spitzer & Williams 2001): their outcomes are not
  comparable with a caseload of mild cases.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class SupervisionThresholds:
    safety_follow_up_hours: float = 24.0
    lookback_days: int = 28
    ruptures_at_least: int = 2
    figures_days: int = 90
    ended_months: int = 12
    severe_phq9_at_least: int = 20


def thresholds() -> SupervisionThresholds:
    """The defaults with the practice's overrides (``ATTUNE_SUPERVISION``)."""
    overrides = dict(settings.ATTUNE_SUPERVISION or {})
    known = {f.name: f for f in fields(SupervisionThresholds)}
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        raise ImproperlyConfigured(
            f"ATTUNE_SUPERVISION: unknown name(s) {', '.join(unknown)}; known: {', '.join(known)}."
        )
    values: dict[str, Any] = {}  # each a float or an int, as its field says
    for name, value in overrides.items():
        kind = float if known[name].type in (float, "float") else int
        try:
            number = kind(value)
        except (TypeError, ValueError):
            number = 0
        if number <= 0:
            raise ImproperlyConfigured(f"ATTUNE_SUPERVISION: {name} must be a positive number.")
        values[name] = number
    return replace(SupervisionThresholds(), **values)
