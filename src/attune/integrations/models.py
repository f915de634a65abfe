"""Personal access tokens: only a SHA-256 digest of the token is stored, never the token."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone


class Scope(models.TextChoices):
    READ = "read", "Read only"
    WRITE = "write", "Read and write"


class PersonalAccessToken(models.Model):
    """A clinician's token for the REST API and FHIR. Shown once when created; only its
    SHA-256 digest and a short visible prefix (to recognise it in the list) are kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for, in your words.")
    prefix = models.CharField(max_length=24, help_text="The token's first characters.")
    digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"Token {self.prefix}…"

    def is_usable(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now

    @property
    def can_write(self) -> bool:
        return self.scope == Scope.WRITE


class CalendarFeed(models.Model):
    """A therapist's private calendar address (``/calendar/<secret>.ics``): her sessions as
    times only. Only the SHA-256 digest of the secret is kept; revoking it ends the address."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    prefix = models.CharField(max_length=24)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Calendar feed {self.prefix}…"


class ExportJob(models.Model):
    """A FHIR Bulk Data ``$export`` of one practice, asked for by its administrator. The files
    are written when downloaded, from the records as they were at ``transaction_time`` (the
    manifest's ``transactionTime``: nothing stored later is included)."""

    practice = models.ForeignKey(
        "practice.Practice", on_delete=models.CASCADE, related_name="exports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports"
    )
    transaction_time = models.DateTimeField(default=timezone.now)
    since = models.DateTimeField(null=True, blank=True)
    types = models.JSONField(default=list)
    request_url = models.CharField(max_length=500)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-transaction_time", "-pk"]

    def __str__(self) -> str:
        return f"Export {self.pk}"
