"""Alerts raised for an episode, and the trail of what was done about them."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AlertKind(models.TextChoices):
    SAFETY = "safety", "Safety item"
    NOT_ON_TRACK = "not_on_track", "Not on track"
    RELIABLE_DETERIORATION = "reliable_deterioration", "Reliable deterioration"
    RELIABLE_IMPROVEMENT = "reliable_improvement", "Reliable improvement"
    LOW_ALLIANCE = "low_alliance", "Low alliance"
    RUPTURE = "rupture", "Rupture"
    REPAIR = "repair", "Repair"
    UNREPAIRED_RUPTURE = "unrepaired_rupture", "Unrepaired rupture"
    REPEATED_RUPTURES = "repeated_ruptures", "Repeated ruptures"
    AS_IF = "as_if", "As-if therapy"
    FIT_CHECK = "fit_check", "Fit check-in"
    DROPOUT_RISK = "dropout_risk", "Dropout risk"
    SUDDEN_GAIN = "sudden_gain", "Sudden gain"
    SUDDEN_LOSS = "sudden_loss", "Sudden loss"
    MODALITY_REVIEW = "modality_review", "Modality review"


class Severity(models.TextChoices):
    INFO = "info", "For information"
    YELLOW = "yellow", "Yellow"
    RED = "red", "Red"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


SEVERITY_ORDER = {
    Severity.URGENT: 0,
    Severity.HIGH: 1,
    Severity.RED: 2,
    Severity.YELLOW: 3,
    Severity.INFO: 4,
}


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ACTION_RECORDED = "action_recorded", "Action recorded"
    CLOSED = "closed", "Closed"


class ActionKind(models.TextChoices):
    DISCUSSED = "discussed", "Discussed in session"
    REPAIR_ATTEMPTED = "repair_attempted", "Repair attempted"
    MODALITY_CHANGED = "modality_changed", "Modality changed or added"
    REFERRED = "referred", "Referred"
    SAFETY_FOLLOW_UP = "safety_follow_up", "Safety follow-up"
    OTHER = "other", "Other"


class Alert(models.Model):
    episode = models.ForeignKey("care.Episode", on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(max_length=30, choices=AlertKind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    status = models.CharField(max_length=20, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    title = models.CharField(max_length=300)
    explanation = models.TextField(help_text="The rule in plain words.")
    evidence = models.JSONField(default=dict, help_text="The numbers that fired it.")
    source = models.TextField()
    suggested_actions = models.JSONField(default=list)
    dedupe_key = models.CharField(
        max_length=100, help_text="One alert per event: the same key updates, never duplicates."
    )
    response = models.ForeignKey(
        "measures.Response", on_delete=models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    opened_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "dedupe_key"], name="alert_once_per_event")
        ]
        indexes = [models.Index(fields=["episode", "status"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status != AlertStatus.CLOSED

    @property
    def evidence_items(self) -> list[dict[str, object]]:
        """Answers that fired the alert (safety item, fit check-in), when it has them."""
        items = self.evidence.get("items")
        return items if isinstance(items, list) else []

    @property
    def evidence_facts(self) -> list[tuple[str, str]]:
        """The other numbers that fired the alert, as (label, value) lines for the page."""
        return [
            (key.replace("_", " ").capitalize(), _readable(value))
            for key, value in self.evidence.items()
            if key not in {"items", "response_id"}
        ]


def _readable(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.1f}".removesuffix(".0")
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')} {_readable(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_readable(v) for v in value)
    if value is None:
        return "—"
    return str(value)


class AlertEventKind(models.TextChoices):
    OPENED = "opened", "Opened"
    UPDATED = "updated", "Updated with new evidence"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ACTION_RECORDED = "action_recorded", "Action recorded"
    CLOSED = "closed", "Closed"


class AlertEvent(models.Model):
    """Who did what to an alert, and when: the trail supervisors read."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=AlertEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    at = models.DateTimeField()
    action = models.CharField(max_length=30, choices=ActionKind.choices, blank=True)
    follow_up_instrument = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"
