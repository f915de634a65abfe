"""A prospective client's request for a first consultation with a therapist."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class ConsultationStatus(models.TextChoices):
    NEW = "new", "New"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class ConsultationRequest(models.Model):
    """Asked from "Find my match" or a profile; the therapist accepts (and the person is invited
    as a client) or declines (with a colleague to suggest).

    ``intake`` keeps what the person told "Find my match": ``{"text": …, "problem_areas":
    [slugs], "preferences": {…}}``. It is shown on the episode page once accepted.
    """

    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consultation_requests"
    )
    name = models.CharField(max_length=150)
    email = models.EmailField()
    proposed_times = models.JSONField(default=list, help_text="ISO datetimes, 2–3 of them")
    hopes = models.TextField(blank=True)
    intake = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=ConsultationStatus.choices, default=ConsultationStatus.NEW
    )
    created_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    suggested_colleague = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultations_suggested_to",
    )
    scheduled_at = models.DateTimeField(null=True, blank=True)
    client = models.ForeignKey(
        "care.Client",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultation_requests",
    )
    episode = models.OneToOneField(
        "care.Episode",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultation_request",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["therapist", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="new") | Q(decided_at__isnull=False),
                name="consultation_decided_has_date",
            )
        ]

    def __str__(self) -> str:
        return f"Consultation request {self.pk}"

    @property
    def intake_summary(self) -> dict[str, object]:
        """The intake with names instead of slugs (for ``matching/_intake.html``)."""
        from attune.matching.queries import intake_summary

        return intake_summary(self.intake)
