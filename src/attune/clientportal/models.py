"""What a client writes and asks for in the portal: feedback messages (the composer), requests
for an ending conversation, and requests to delete their data.

A message's words belong to the client: a draft is seen by nobody else, and a message kept for
the next session shows the therapist only that the client wants to talk about something until
the client lets the words go (see ``portal.queries.feedback_for_therapist``). None of these
models is registered in the Django admin except the deletion request, which the practice
administrator handles there.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Intent(models.TextChoices):
    SHARE_NOW = "share_now", "Share it now"
    NEXT_SESSION = "next_session", "Bring it up next session"
    DRAFT = "draft", "Keep it as a private draft"


class FeedbackMessage(models.Model):
    """Something the client put into words with the feedback composer."""

    client = models.ForeignKey(
        "care.Client", on_delete=models.PROTECT, related_name="feedback_messages"
    )
    episode = models.ForeignKey(
        "care.Episode", on_delete=models.PROTECT, related_name="feedback_messages"
    )
    text = models.TextField()
    intent = models.CharField(max_length=20, choices=Intent.choices)
    #: For "bring it up next session": let the therapist read the words once that session has
    #: taken place (otherwise they stay with the client; the client can still share them).
    share_at_session = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    #: When the therapist could first read the words ("share now", or shared later).
    shared_at = models.DateTimeField(null=True, blank=True)
    #: A second click or a retried request stores nothing new.
    idempotency_key = models.UUIDField(unique=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["episode", "intent"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(intent__in=["share_now", "next_session", "draft"]),
                name="feedback_message_intent_known",
            ),
            models.CheckConstraint(
                condition=~Q(intent="share_now") | Q(shared_at__isnull=False),
                name="feedback_message_shared_now_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Feedback message {self.pk}"  # never the words

    @property
    def is_shared(self) -> bool:
        return self.shared_at is not None


class EndingRequest(models.Model):
    """The client asks for a conversation about ending the therapy."""

    client = models.ForeignKey("care.Client", on_delete=models.PROTECT, related_name="+")
    episode = models.ForeignKey(
        "care.Episode", on_delete=models.PROTECT, related_name="ending_requests"
    )
    reason = models.TextField(blank=True)
    requested_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # One open request per episode: a double click asks once.
            models.UniqueConstraint(
                fields=["episode"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_open_ending_request_per_episode",
            )
        ]

    def __str__(self) -> str:
        return f"Ending request {self.pk}"


class DeletionStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    DONE = "done", "Done"
    DECLINED = "declined", "Declined"


class DeletionRequest(models.Model):
    """A client asks the practice to delete their data. The practice administrator decides in
    the Django admin (``portal.erasure``: carry out or decline), within the retention rules
    (``ATTUNE_RETENTION_YEARS``, ``portal.retention``). ``handled_at`` is when it was decided."""

    client = models.ForeignKey(
        "care.Client", on_delete=models.PROTECT, related_name="deletion_requests"
    )
    requested_at = models.DateTimeField()
    status = models.CharField(
        max_length=20, choices=DeletionStatus.choices, default=DeletionStatus.REQUESTED
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(
        blank=True,
        help_text="What was deleted, or what has to be kept and until when (or why the "
        "request was declined). The client is told this by e-mail.",
    )
    #: What the erasure deleted or blanked, by kind (counts only: ``portal.erasure``).
    erased = models.JSONField(default=dict, blank=True)
    #: What legal retention kept, by kind, with the day each is deleted at the latest
    #: (``[{"kind": …, "count": …, "until": "YYYY-MM-DD"}]``): no clinical content.
    kept = models.JSONField(default=list, blank=True)
    #: The last day anything of the client's record is kept; ``attune purge`` deletes it after.
    kept_until = models.DateField(null=True, blank=True)
    #: The e-mail that told the client the decision (it holds their address until it is
    #: delivered; ``attune purge`` deletes it afterwards).
    notice_email = models.ForeignKey(
        "post_office.Email",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(status="requested"),
                name="one_open_deletion_request_per_client",
            )
        ]

    def __str__(self) -> str:
        return f"Deletion request {self.pk}"
