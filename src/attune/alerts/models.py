"""Alerts raised for an episode, and the trail of what was done about them."""

from __future__ import annotations

from functools import cached_property

from django.conf import settings
from django.db import models

from attune.engine.evidence import Evidence, for_people
from attune.engine.levels import Level, level
from attune.engine.signals import KINDS

#: A label for every kind of signal the engine knows (``attune.engine.signals.KINDS``). A kind
#: the engine retires (merged into another signal) keeps its label here, so the alerts stored
#: before still read as words; only the engine's kinds are ``AlertKind`` choices.
KIND_LABELS: dict[str, str] = {
    "safety": "Safety item",
    "not_on_track": "Not on track",
    "reliable_deterioration": "Reliable deterioration",
    "unrepaired_rupture": "Unrepaired rupture",
    "repeated_ruptures": "Repeated ruptures",
    "rupture": "Rupture",
    "repair": "Repair",
    "low_alliance": "Low alliance",
    "dropout_risk": "Dropout risk",
    "as_if": "As-if therapy",
    "fit_check": "Fit check-in",
    "modality_review": "Modality review",
    "sudden_loss": "Sudden loss",
    "sudden_gain": "Sudden gain",
    "reliable_improvement": "Reliable improvement",
}


def kind_label(kind: str) -> str:
    """The label of an alert kind (also of one the engine has retired since)."""
    # A kind the engine added without a label here still reads as words; a test asks for one.
    return KIND_LABELS.get(kind) or kind.replace("_", " ").capitalize()


#: The app's alert kinds are the engine's, in the engine's order: they cannot drift apart.
#: A kind added to the engine needs its label above and an ``alerts`` migration.
AlertKind = models.TextChoices(  # type: ignore[call-overload]  # Enum's functional API with (value, label) pairs, which django-stubs' overloads leave out
    "AlertKind", [(kind.upper(), (kind, kind_label(kind))) for kind in KINDS]
)


class Severity(models.TextChoices):
    """The engine's severity codes, labelled with the one scale people see (engine.levels)."""

    INFO = "info", level("info").label
    YELLOW = "yellow", level("yellow").label
    RED = "red", level("red").label
    HIGH = "high", level("high").label
    URGENT = "urgent", level("urgent").label


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
    #: Good news and markers (severity "info"): shown as a dated note, never acted on.
    NOTE = "note", "Note"


#: The statuses of an alert that still asks for something: what "open alerts" counts.
OPEN_STATUSES: tuple[str, ...] = (
    AlertStatus.OPEN,
    AlertStatus.ACKNOWLEDGED,
    AlertStatus.ACTION_RECORDED,
)


class ActionKind(models.TextChoices):
    DISCUSSED = "discussed", "Discussed in session"
    REPAIR_ATTEMPTED = "repair_attempted", "Repair attempted"
    MODALITY_CHANGED = "modality_changed", "Modality changed or added"
    REFERRED = "referred", "Referred"
    SAFETY_FOLLOW_UP = "safety_follow_up", "Safety follow-up"
    CONTACTED = "contacted", "Contacted the client"
    SUPERVISION = "supervision", "Brought to supervision"
    OTHER = "other", "Other"


class AlertQuerySet(models.QuerySet["Alert"]):
    def open(self) -> AlertQuerySet:
        """Alerts that still ask for something: not closed, and not notes."""
        return self.filter(status__in=OPEN_STATUSES)

    def notes(self) -> AlertQuerySet:
        return self.filter(status=AlertStatus.NOTE)


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

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "dedupe_key"], name="alert_once_per_event")
        ]
        indexes = [models.Index(fields=["episode", "status"])]

    def __str__(self) -> str:
        return self.title

    def get_kind_display(self) -> str:  # type: ignore[no-redef]  # replaces on purpose the one django-stubs adds for a field with choices
        """The kind in words, also for a kind the engine has retired since the alert was
        stored (Django's own version would show the raw code)."""
        return kind_label(self.kind)

    @property
    def is_open(self) -> bool:
        """Still asks for something: neither closed nor a note."""
        return self.status in OPEN_STATUSES

    @property
    def is_note(self) -> bool:
        return self.status == AlertStatus.NOTE

    @property
    def level(self) -> Level:
        """Where the alert sits on the one scale people see (urgent / act soon / watch / note)."""
        return level(self.severity)

    @property
    def summary(self) -> str:
        """The first sentence of the explanation: the line a note shows."""
        first, dot, _ = self.explanation.partition(". ")
        return first + "." if dot else self.explanation

    @property
    def evidence_items(self) -> list[dict[str, object]]:
        """Answers that fired the alert (safety item, fit check-in), when it has them."""
        items = self.evidence.get("items")
        return items if isinstance(items, list) else []

    @property
    def reasons(self) -> list[dict[str, str]]:
        """Why a merged signal fired ("not on track" lists its reasons), when it has them."""
        found = self.evidence.get("reasons")
        if not isinstance(found, list):
            return []
        return [
            {"reason": str(r.get("reason", "")), "detail": str(r.get("detail", "") or "")}
            for r in found
            if isinstance(r, dict) and r.get("reason")
        ]

    @cached_property
    def _evidence_for_people(self) -> Evidence:
        return for_people(self.evidence)

    @property
    def evidence_facts(self) -> list[tuple[str, str]]:
        """The numbers that fired the alert, as short (label, value) lines for people."""
        return list(self._evidence_for_people.facts)

    @property
    def evidence_details(self) -> list[tuple[str, str]]:
        """Long lists and tables behind the facts ("numbers behind this")."""
        return list(self._evidence_for_people.details)


class AlertEventKind(models.TextChoices):
    OPENED = "opened", "Opened"
    UPDATED = "updated", "Updated with new evidence"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ACTION_RECORDED = "action_recorded", "Action recorded"
    CLOSED = "closed", "Closed"
    NOTED = "noted", "Noted"


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
