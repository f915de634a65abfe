"""The audit trail: who read or changed which clinical record, and when.

An event names the record by type and id only; it never holds clinical content, so the trail
itself can be shown to a practice administrator. Events are append-only.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditAction(models.TextChoices):
    READ = "read", "Read"
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"
    EXPORT = "export", "Exported"


class AuditEvent(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="audit_events"
    )
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    #: ``app_label.modelname`` of the record, e.g. ``notes.processnote``.
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    #: The episode the record belongs to, if any: a plain id, so the trail outlives the records.
    episode_id = models.PositiveBigIntegerField(null=True, blank=True)
    #: A short code saying how, never what: e.g. ``for=client`` for a report's audience.
    detail = models.CharField(max_length=40, blank=True, default="")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["actor", "at"]),
            models.Index(fields=["object_type", "object_id", "at"]),
            models.Index(fields=["episode_id", "at"]),
            models.Index(fields=["at"]),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type} {self.object_id} by user {self.actor_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Audit events are append-only: they are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("Audit events are append-only: they are never deleted.")
