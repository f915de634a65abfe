"""A prospective client's request for a first consultation with a therapist."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ConsultationStatus(models.TextChoices):
    """Where a request stands, in the order a clinician would tell it."""

    NEW = "new", "New"
    TIME_OFFERED = "time_offered", "Time offered"
    QUESTION_ASKED = "question_asked", "Question asked"
    BOOKED = "booked", "Consultation booked"
    TAKEN_ON = "taken_on", "Taken on as client"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


#: Still in conversation: the therapist can offer, ask, decline; the person can reply.
OPEN_STATUSES = (
    ConsultationStatus.NEW,
    ConsultationStatus.TIME_OFFERED,
    ConsultationStatus.QUESTION_ASKED,
    ConsultationStatus.BOOKED,
)
#: The request's life is over; ``decided_at`` says when.
CLOSED_STATUSES = (
    ConsultationStatus.TAKEN_ON,
    ConsultationStatus.DECLINED,
    ConsultationStatus.WITHDRAWN,
)


class ConsultationRequest(models.Model):
    """Asked from "Find my match" or a profile. The therapist offers a time or asks a question,
    the person confirms or replies through a private link, and after the consultation the
    therapist takes the person on as a client (an invitation) or declines kindly.

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
        max_length=20, choices=ConsultationStatus.choices, default=ConsultationStatus.NEW
    )
    waiting_for_therapist = models.BooleanField(
        default=True, help_text="The person asked or replied last; the navigation counts these."
    )
    offered_at = models.DateTimeField(
        null=True, blank=True, help_text="The consultation time the therapist offered."
    )
    held_at = models.DateTimeField(
        null=True, blank=True, help_text="When the therapist marked the consultation as held."
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
    scheduled_at = models.DateTimeField(
        null=True, blank=True, help_text="The consultation, once the person confirmed the time."
    )
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
        indexes = [
            models.Index(fields=["therapist", "status"]),
            models.Index(fields=["therapist", "waiting_for_therapist"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=CLOSED_STATUSES) | Q(decided_at__isnull=False),
                name="consultation_closed_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=ConsultationStatus.BOOKED) | Q(scheduled_at__isnull=False),
                name="consultation_booked_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Consultation request {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def consultation_has_taken_place(self, now: datetime | None = None) -> bool:
        """Booked, and either marked held or its time has passed: only then can the person be
        taken on as a client."""
        if self.status != ConsultationStatus.BOOKED or self.scheduled_at is None:
            return False
        return self.held_at is not None or self.scheduled_at <= (now or timezone.now())

    @property
    def intake_summary(self) -> dict[str, object]:
        """The intake with names instead of slugs (for ``matching/_intake.html``)."""
        # inline: matching.queries imports matching.models: at the top it would be circular
        from attune.matching.queries import intake_summary

        return intake_summary(self.intake)


class Author(models.TextChoices):
    THERAPIST = "therapist", "Therapist"
    PERSON = "person", "Person asking"


class MessageKind(models.TextChoices):
    MESSAGE = "message", "Message"
    OFFER = "offer", "Time offered"
    CONFIRM = "confirm", "Time confirmed"
    WITHDRAW = "withdraw", "Request withdrawn"


class ConsultationMessage(models.Model):
    """One entry of the short thread between the therapist and the person asking, shown to
    both (the therapist's page and the person's private link). Never sent in an e-mail."""

    request = models.ForeignKey(
        ConsultationRequest, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.CharField(max_length=10, choices=Author.choices)
    kind = models.CharField(max_length=10, choices=MessageKind.choices, default=MessageKind.MESSAGE)
    body = models.TextField(blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="offer") | Q(offered_at__isnull=False),
                name="consultation_offer_has_time",
            )
        ]

    def __str__(self) -> str:
        return f"Consultation message {self.pk}"


class ConsultationLink(models.Model):
    """A private link for the person asking: opens their request's thread and nothing else.
    Only the SHA-256 of the token is stored (as for :class:`attune.reminders.models.FormLink`);
    every e-mail carries a fresh one, and each works until it expires."""

    request = models.ForeignKey(ConsultationRequest, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token.")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="consultation_link_expires_later",
            )
        ]

    def __str__(self) -> str:
        return f"Consultation link {self.pk}"
