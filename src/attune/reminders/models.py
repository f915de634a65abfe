"""Password-free form links and the reminders that carry them.

A :class:`FormLink` opens exactly one form (one phase of one session, or the exit feedback of
one episode) for one client, once, until it expires. Only the SHA-256 of its token is stored:
the database, its backups and its administrators never hold a working link.

A :class:`ReminderDelivery` is one e-mail that carried a link: to whom, when, and whether it
went out. It holds no clinical content.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class LinkPhase(models.TextChoices):
    CHECK_IN = "check_in", "Check-in before the session"
    FEEDBACK = "feedback", "Feedback after the session"
    FIT_CHECK = "fit_check", "Fit check-in"
    EXIT = "exit", "Exit feedback"


#: Forms that belong to one session; the exit feedback belongs to the episode.
SESSION_PHASES = (LinkPhase.CHECK_IN, LinkPhase.FEEDBACK, LinkPhase.FIT_CHECK)


class FormLink(models.Model):
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="form_links"
    )
    episode = models.ForeignKey("care.Episode", on_delete=models.CASCADE, related_name="form_links")
    session = models.ForeignKey(
        "care.Session",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="form_links",
    )
    phase = models.CharField(max_length=20, choices=LinkPhase.choices)
    token_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token.")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="form_link_expires_later"
            ),
            models.CheckConstraint(
                condition=Q(phase="exit", session__isnull=True)
                | (~Q(phase="exit") & Q(session__isnull=False)),
                name="form_link_session_matches_phase",
            ),
        ]
        indexes = [models.Index(fields=["session", "phase"])]

    def __str__(self) -> str:
        return f"Form link {self.pk}"


class DeliveryKind(models.TextChoices):
    REMINDER = "reminder", "Automatic reminder"
    RESEND = "resend", "Sent again by the therapist"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class ReminderDelivery(models.Model):
    """One e-mail carrying a form link. ``error_kind`` is the exception's class name only."""

    link = models.ForeignKey(FormLink, on_delete=models.CASCADE, related_name="deliveries")
    episode = models.ForeignKey(
        "care.Episode", on_delete=models.CASCADE, related_name="reminder_deliveries"
    )
    session = models.ForeignKey(
        "care.Session",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminder_deliveries",
    )
    phase = models.CharField(max_length=20, choices=LinkPhase.choices)
    kind = models.CharField(
        max_length=20, choices=DeliveryKind.choices, default=DeliveryKind.REMINDER
    )
    channel = models.CharField(max_length=20, default="email")
    to_address = models.EmailField()
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    error_kind = models.CharField(max_length=100, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The therapist who sent it again; empty for automatic reminders.",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "reminder deliveries"
        constraints = [
            # One automatic reminder per session and form, ever: a second run (or two runs at
            # once) cannot claim it again. A failed one frees the slot for a retry.
            models.UniqueConstraint(
                fields=["session", "phase"],
                condition=Q(kind="reminder", status__in=["pending", "sent"]),
                name="one_automatic_reminder_per_form",
            ),
        ]
        indexes = [models.Index(fields=["session", "phase", "created_at"])]

    def __str__(self) -> str:
        return f"Reminder delivery {self.pk}"
