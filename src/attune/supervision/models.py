"""What a clinical supervisor writes on an episode's trail: what was discussed and what she
recommends, optionally with a date to look at it again. The treating therapist reads it and
marks it read, then done. Written and changed only through ``services.py``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class SupervisionNote(models.Model):
    episode = models.ForeignKey(
        "care.Episode", on_delete=models.PROTECT, related_name="supervision_notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervision_notes"
    )
    created_at = models.DateTimeField()
    discussion = models.TextField(help_text="What was discussed in supervision.")
    recommendation = models.TextField(blank=True, help_text="What the supervisor recommends.")
    follow_up_by = models.DateField(null=True, blank=True)
    #: Set by the treating therapist: she has read it, then she has done what it asks.
    read_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["episode", "created_at"])]
        constraints = [
            # Done implies read: the therapist cannot have done what she has not read.
            models.CheckConstraint(
                condition=Q(done_at__isnull=True) | Q(read_at__isnull=False),
                name="supervision_note_done_after_read",
            )
        ]

    def __str__(self) -> str:
        return f"Supervision note {self.pk}"

    @property
    def status(self) -> str:
        return "done" if self.done_at else "read" if self.read_at else "new"

    @property
    def status_label(self) -> str:
        return {"done": "Done", "read": "Read", "new": "Not read yet"}[self.status]
