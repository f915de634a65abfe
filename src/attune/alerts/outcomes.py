"""Reliable change and caseness for the pages — moved to the one ORM → engine adapter,
``attune.care.engine_adapter`` (issue 15).

Kept importable, names only, for the callers not switched yet (``workspace``, ``supervision``,
``api``, ``outcomes``): import from ``attune.care.engine_adapter`` instead; this module goes
when they have.
"""

from __future__ import annotations

from attune.care.engine_adapter import (
    MEASURES,
    Direction,
    caseness,
    episode_outcomes,
    reliable_change,
    reliable_change_points,
    reliable_changes,
    thinking_of_stopping_codes,
)

__all__ = [
    "MEASURES",
    "Direction",
    "caseness",
    "episode_outcomes",
    "reliable_change",
    "reliable_change_points",
    "reliable_changes",
    "thinking_of_stopping_codes",
]
