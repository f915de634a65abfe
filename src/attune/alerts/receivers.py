"""Alerts acting on care's events (``attune.care.events``): the safety alert when a safety answer
is stored, and the engine's re-evaluation when an episode's record changes."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from attune.alerts.evaluation import reevaluate_after_write
from attune.alerts.services import raise_safety_alert
from attune.care.events import episode_written, safety_answer_stored
from attune.care.models import Episode
from attune.measures.models import Response


@receiver(safety_answer_stored, dispatch_uid="alerts.open_safety_alert")
def open_safety_alert(sender: object, *, response: Response, **kwargs: Any) -> None:
    """In the response's transaction: the alert, and the therapist's notice with it."""
    raise_safety_alert(response)


@receiver(episode_written, dispatch_uid="alerts.reevaluate")
def reevaluate(sender: object, *, episode: Episode, **kwargs: Any) -> None:
    reevaluate_after_write(episode)
