"""Private process notes: a therapist's own notes on the process of a session (a psychotherapy
note in the legal sense), readable only by their author.

Everything clinical — the body, the transference themes and the countertransference — lives in
one encrypted field (``ciphertext``, a Fernet token, see ``crypto.py``). The other columns say
only who wrote a note about which session, and when. The model is never registered in the
Django admin, never exported and never logged; read and write it through ``services.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Transference(models.TextChoices):
    """Transference themes a note is tagged with (kept inside the encrypted content)."""

    POSITIVE = "positive", "Positive"
    NEGATIVE = "negative", "Negative"
    EROTIC = "erotic", "Erotic"
    IDEALISING = "idealising", "Idealising"
    OTHER = "other", "Other"


class ProcessNote(models.Model):
    episode = models.ForeignKey(
        "care.Episode", on_delete=models.PROTECT, related_name="process_notes"
    )
    session = models.ForeignKey(
        "care.Session",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="process_notes",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="process_notes"
    )
    #: Fernet token of the JSON content: {"v", "body", "themes", "countertransference",
    #: "supervision"} (``services.NoteContent``; version 1 had no "supervision").
    ciphertext = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "session"],
                condition=Q(session__isnull=False),
                name="one_process_note_per_author_and_session",
            )
        ]
        indexes = [models.Index(fields=["author", "episode"])]

    def __str__(self) -> str:
        return f"Process note {self.pk}"  # never any content

    def __repr__(self) -> str:
        return f"<ProcessNote {self.pk}>"
