"""The episode page's charts: outcome and alliance series, prepared for the chart script."""

from __future__ import annotations

from collections.abc import Sequence

from attune.care.models import Episode


def episode_charts(episode: Episode, note_sessions: Sequence[int]) -> dict[str, object]:
    """Template context for ``workspace/episode/_charts.html``."""
    return {}
