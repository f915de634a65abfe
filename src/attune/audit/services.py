"""Writing the audit trail. Call ``record`` wherever clinical data is read or changed."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.contrib.admin.models import LogEntry
from django.db import models

from attune.accounts.models import User
from attune.audit.models import AuditAction, AuditEvent

log = logging.getLogger(__name__)

#: The model an event is about when it is about an episode. The trail sits below the clinical
#: apps (every app writes to it), so it names care's episode rather than importing it.
EPISODE = "care.episode"


def record(
    actor: User,
    action: str,
    obj: models.Model,
    episode: models.Model | int | None = None,
    detail: str = "",
) -> AuditEvent:
    """Write one event: ``actor`` did ``action`` (read, create, update, delete, export) to
    ``obj``. Only the type and id of the record are kept, never its content; ``detail`` is a
    short code about the how (a report's audience, ``for=client``), never clinical text."""
    if action not in AuditAction.values:
        raise ValueError(f"Unknown audit action {action!r}; use one of {AuditAction.values}.")
    if obj.pk is None:
        raise ValueError("Audit a record after it has been saved: it needs an id.")
    if isinstance(episode, models.Model):
        if episode._meta.label_lower != EPISODE:
            raise TypeError(f"episode= takes an episode or its id, not a {episode._meta.label}.")
        episode_id = episode.pk
    else:
        episode_id = episode
    event = AuditEvent.objects.create(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        episode_id=episode_id,
        detail=detail,
    )
    # Ids only: the log, like the trail, never carries clinical content.
    log.info(
        "audit %s %s %s %s by user %s",
        action,
        event.object_type,
        event.object_id,
        detail,
        actor.pk,
    )
    return event


def record_reads(
    actor: User, objs: Sequence[models.Model], episode_id: int | None = None, *, detail: str = ""
) -> None:
    """``record(actor, "read", obj, episode_id, detail)`` for each of ``objs`` in one INSERT: a
    page that reads many records (the episode and the private notes' timeline, a FHIR search's
    results) writes its events at once rather than one round trip each (issue 11, web load).
    Without ``episode_id``, each event takes its record's own episode (an episode's is
    itself). One log line per call, with the ids of each type: ids only, as in ``record``."""
    if any(obj.pk is None for obj in objs):
        raise ValueError("Audit a record after it has been saved: it needs an id.")
    events = [
        AuditEvent(
            actor=actor,
            action=AuditAction.READ,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            episode_id=episode_id if episode_id is not None else _episode_of(obj),
            detail=detail,
        )
        for obj in objs
    ]
    AuditEvent.objects.bulk_create(events)
    ids: dict[str, list[str]] = {}
    for event in events:
        ids.setdefault(event.object_type, []).append(event.object_id)
    for object_type, object_ids in ids.items():
        log.info(
            "audit read %s %s %s by user %s", object_type, ",".join(object_ids), detail, actor.pk
        )


def _episode_of(obj: models.Model) -> int | None:
    if obj._meta.label_lower == EPISODE:
        return obj.pk if isinstance(obj.pk, int) else None
    episode_id = getattr(obj, "episode_id", None)
    return episode_id if isinstance(episode_id, int) else None


_ADMIN_ACTIONS = {1: AuditAction.CREATE, 2: AuditAction.UPDATE, 3: AuditAction.DELETE}


def record_admin_change(entry: LogEntry) -> AuditEvent | None:
    """Copy a Django admin change (a password reset, a role changed, a person deactivated) into
    the trail: who, which record, when — the admin's own change message stays in the admin."""
    content_type = entry.content_type  # None, without a query, when content_type_id is None
    if content_type is None or not entry.object_id:
        return None
    event = AuditEvent.objects.create(
        actor_id=entry.user_id,
        action=_ADMIN_ACTIONS.get(entry.action_flag, AuditAction.UPDATE),
        object_type=f"{content_type.app_label}.{content_type.model}",
        object_id=str(entry.object_id)[:64],
        detail="admin",
        at=entry.action_time,
    )
    log.info(
        "audit admin %s %s %s by user %s",
        event.action,
        event.object_type,
        event.object_id,
        entry.user_id,
    )
    return event
