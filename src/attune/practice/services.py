"""Plain functions about the practice."""

from __future__ import annotations

from django.conf import settings

from attune.practice.models import Practice


def crisis_resources_for(practice: Practice | None) -> list[dict[str, str]]:
    """The practice's own crisis resources, or the defaults from the settings."""
    if practice is not None and practice.crisis_resources:
        return list(practice.crisis_resources)
    return list(settings.ATTUNE_CRISIS_RESOURCES)
