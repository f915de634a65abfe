"""Reads of what clients wrote and asked for."""

from __future__ import annotations

from django.db.models import Model

from attune.clientportal.models import EndingRequest


def open_ending_request(episode: Model) -> EndingRequest | None:
    """The episode's ending request that is not withdrawn, if any (one at most)."""
    return EndingRequest.objects.filter(episode_id=episode.pk, withdrawn_at__isnull=True).first()
