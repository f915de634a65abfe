"""Instruments (versioned definition files) and the responses given to them."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from attune.engine.instruments import Instrument as InstrumentDefinition
from attune.engine.instruments import parse_definition


class Instrument(models.Model):
    code = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=40)
    kind = models.CharField(max_length=30)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.short_name


class InstrumentVersion(models.Model):
    """One version of a definition file. Immutable once a response points at it."""

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="versions")
    version = models.CharField(max_length=20)
    definition = models.JSONField()
    checksum = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["instrument", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "version"], name="instrument_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument.short_name} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = InstrumentVersion.objects.filter(pk=self.pk).values_list("checksum", flat=True)
            if stored and stored[0] != self.checksum and self.responses.exists():
                raise ValidationError(
                    f"{self} has responses and cannot change; publish a new version instead."
                )
        super().save(*args, **kwargs)

    @cached_property
    def parsed(self) -> InstrumentDefinition:
        # Parsed once per process and version: a page lists many responses, each with its own
        # InstrumentVersion object. The checksum is part of the key, so a definition changed by
        # the sync (allowed while no response points at it) is parsed again; the parsed
        # definition is frozen, so sharing it is safe.
        if self.pk is None:
            return parse_definition(self.definition)
        key = (self.pk, self.checksum)
        parsed = _PARSED.get(key)
        if parsed is None:
            parsed = _PARSED[key] = parse_definition(self.definition)
        return parsed


#: Parsed definitions by (version id, checksum); a handful of instruments, never evicted.
_PARSED: dict[tuple[int, str], InstrumentDefinition] = {}


class Phase(models.TextChoices):
    CHECK_IN = "check_in", "Check-in before the session"
    FEEDBACK = "feedback", "Feedback after the session"
    FIT_CHECK = "fit_check", "Fit check-in"
    INTAKE = "intake", "Intake"
    EXIT = "exit", "Exit"


class CompleteResponses(models.Manager["Response"]):
    """Completed responses only: every list, chart, report and the engine's adapter reads these,
    so a form in progress never lends them a total."""

    def get_queryset(self) -> models.QuerySet[Response]:
        return super().get_queryset().filter(complete=True)


class Response(models.Model):
    """A completed form, or a form in progress (``complete=False``).

    Answers use the definition's stable codes; scores are stored once the form is complete. A
    form is stored before it is complete only to keep a safety answer (PHQ-9 item 9 >= 1) that
    came with blank or invalid answers elsewhere: it then holds the valid answers given so far
    and the safety flags, no totals, and is completed in place (see ``care.submission``).
    ``Response.objects`` sees completed responses only; ``Response.all_objects`` sees both.
    """

    episode = models.ForeignKey("care.Episode", on_delete=models.PROTECT, related_name="responses")
    session = models.ForeignKey(
        "care.Session", on_delete=models.PROTECT, null=True, blank=True, related_name="responses"
    )
    instrument_version = models.ForeignKey(
        InstrumentVersion, on_delete=models.PROTECT, related_name="responses"
    )
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="responses_given"
    )
    phase = models.CharField(max_length=20, choices=Phase.choices)
    answers = models.JSONField()
    scores = models.JSONField()
    score = models.IntegerField(
        null=True, help_text="The instrument's first scale, kept as a column for lists and charts."
    )
    safety_level = models.CharField(max_length=10, blank=True)
    idempotency_key = models.UUIDField()
    submitted_at = models.DateTimeField()
    complete = models.BooleanField(
        default=True,
        help_text="False while a form kept for its safety answer still has questions to answer.",
    )

    all_objects = models.Manager()
    objects = CompleteResponses()

    class Meta:
        # Lists, related managers (``session.responses``) and prefetches see completed forms
        # only; deletion and ``alert.response`` see every row.
        default_manager_name = "objects"
        base_manager_name = "all_objects"
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key", "instrument_version"], name="response_submitted_once"
            ),
            # One check-in and one feedback per session and person, whatever tab, link or
            # replay sends it (issue 11: two tabs stored the same check-in twice).
            models.UniqueConstraint(
                fields=["session", "respondent", "phase", "instrument_version"],
                condition=models.Q(session__isnull=False),
                name="response_once_per_session",
            ),
            # The fit check-in and the exit feedback are asked once per episode and person.
            models.UniqueConstraint(
                fields=["episode", "respondent", "phase", "instrument_version"],
                condition=models.Q(phase__in=["fit_check", "exit"]),
                name="response_once_per_episode",
            ),
        ]
        indexes = [models.Index(fields=["episode", "submitted_at"])]

    def __str__(self) -> str:
        return f"Response {self.pk}"
