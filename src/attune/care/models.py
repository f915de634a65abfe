"""The care model: a client, their treatment episodes with a therapist, goals and sessions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Client(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="client_record"
    )
    practice = models.ForeignKey(
        "practice.Practice", on_delete=models.PROTECT, related_name="clients"
    )
    preferred_name = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.user.display_name


class EpisodeStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ENDED_PLANNED = "ended_planned", "Ended as planned"
    ENDED_EARLY = "ended_early", "Ended early"
    TRANSFERRED = "transferred", "Transferred"


class Episode(models.Model):
    """One course of therapy of one client with one therapist."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="episodes")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="episodes_as_therapist"
    )
    status = models.CharField(
        max_length=20, choices=EpisodeStatus.choices, default=EpisodeStatus.ACTIVE
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    problem_areas = models.ManyToManyField("practice.ProblemArea", blank=True)
    referred_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="referred_to"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="episode_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(status=EpisodeStatus.ACTIVE, ended_on__isnull=True)
                | (~Q(status=EpisodeStatus.ACTIVE) & Q(ended_on__isnull=False)),
                name="episode_ended_has_end_date",
            ),
        ]
        indexes = [models.Index(fields=["therapist", "status"])]

    def __str__(self) -> str:
        return f"Episode {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status == EpisodeStatus.ACTIVE


class Goal(models.Model):
    """A goal set together by client and therapist, in the client's words."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="goals")
    description = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    achieved_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.description

    @property
    def latest_rating(self) -> GoalRating | None:
        ratings = list(self.ratings.all())  # uses the prefetched ratings when there are any
        return ratings[-1] if ratings else None


class GoalRating(models.Model):
    """The client's own rating of progress toward a goal (0 = not at all, 10 = fully there)."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="ratings")
    rating = models.PositiveSmallIntegerField()
    rated_at = models.DateTimeField()

    class Meta:
        ordering = ["rated_at"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__lte=10), name="goal_rating_0_to_10")
        ]

    def __str__(self) -> str:
        return f"{self.rating}/10"


class Attendance(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    ATTENDED = "attended", "Attended"
    CANCELLED = "cancelled", "Cancelled"
    LATE_CANCELLED = "late_cancelled", "Cancelled late"
    NO_SHOW = "no_show", "Did not attend"


class Session(models.Model):
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField()
    scheduled_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=50)
    attendance = models.CharField(
        max_length=20, choices=Attendance.choices, default=Attendance.SCHEDULED
    )
    modalities = models.ManyToManyField("practice.Modality", blank=True, related_name="sessions")
    progress_note = models.TextField(blank=True)

    class Meta:
        ordering = ["episode", "number"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "number"], name="session_number_unique")
        ]
        indexes = [models.Index(fields=["episode", "scheduled_at"])]

    def __str__(self) -> str:
        return f"Session {self.number}"


class EndingKind(models.TextChoices):
    PLANNED = "planned", "Planned ending"
    EARLY = "early", "Early ending"
    TRANSFERRED = "transferred", "Transferred"


#: The episode status each kind of ending leaves behind.
ENDING_STATUS = {
    EndingKind.PLANNED: EpisodeStatus.ENDED_PLANNED,
    EndingKind.EARLY: EpisodeStatus.ENDED_EARLY,
    EndingKind.TRANSFERRED: EpisodeStatus.TRANSFERRED,
}


class Ending(models.Model):
    """How and when an episode ended, who recorded it, and when the client was asked for exit
    feedback (once: ``exit_requested_at`` is set a single time)."""

    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="ending")
    kind = models.CharField(max_length=20, choices=EndingKind.choices)
    ended_on = models.DateField()
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    exit_requested_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ended_on}"


class Referral(models.Model):
    """A warm referral to a colleague in the practice, made with the client's consent.

    The old episode ends as transferred; the new one (``referred_from`` set) starts with the
    colleague, who sees the earlier outcome scores but never the session feedback about the
    previous therapist nor anyone's private notes."""

    from_episode = models.OneToOneField(
        Episode, on_delete=models.PROTECT, related_name="referral_out"
    )
    to_episode = models.OneToOneField(Episode, on_delete=models.PROTECT, related_name="referral_in")
    to_therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_received"
    )
    consent_recorded_at = models.DateField(help_text="The day the client agreed to the referral.")
    consent_note = models.TextField(blank=True)
    handover_email_consent = models.BooleanField(
        default=False,
        help_text="The client agreed that we tell them by e-mail who takes over.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_made"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Referral {self.pk}"
