"""Who was told about a safety alert outside the app, and when: each notice happens once."""

from __future__ import annotations

from django.db import models


class NoticeKind(models.TextChoices):
    THERAPIST = "therapist", "Treating therapist told"
    ESCALATION = "escalation", "Duty contact told (not acknowledged in time)"


class SafetyNotification(models.Model):
    """One e-mail about one safety alert, queued in django-post-office's outbox.

    The e-mail carries no clinical content (no name, no answer, no score); the outbox keeps it
    and retries until the mail server takes it. The unique constraint makes each kind of notice
    happen once per alert, whatever runs twice.
    """

    alert = models.ForeignKey(
        "alerts.Alert", on_delete=models.CASCADE, related_name="safety_notifications"
    )
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    recipients = models.JSONField(default=list, help_text="The addresses the e-mail went to.")
    email = models.ForeignKey(
        "post_office.Email",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The queued e-mail (its status shows whether it was delivered).",
    )
    queued_at = models.DateTimeField()

    class Meta:
        ordering = ["queued_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "kind"], name="safety_notice_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for alert {self.alert_id}"
