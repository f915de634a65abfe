"""The practice, its therapists, and the vocabulary they describe their work in."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Practice(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    crisis_resources = models.JSONField(
        default=list,
        blank=True,
        help_text="List of {name, contact, note}. Empty: the defaults from the settings.",
    )
    welcome = models.TextField(
        blank=True,
        help_text="A paragraph for visitors on the front page. Empty: a general welcome.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Modality(models.Model):
    """A way of working (EMDR, contemporary psychoanalysis, …) with a plain-language explainer."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    summary = models.CharField(max_length=200, blank=True)
    explainer = models.TextField(blank=True, help_text="Markdown, written for clients.")
    sources = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "modalities"

    def __str__(self) -> str:
        return self.name


class ProblemArea(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Format(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    ONLINE = "online", "Online"


class TherapistProfile(models.Model):
    """What a therapist tells clients about herself and how she works."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="therapist_profile"
    )
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="therapists")
    gender = models.CharField(max_length=30, blank=True)
    credentials = models.CharField(max_length=300, blank=True)
    training = models.TextField(blank=True)
    years_experience = models.PositiveSmallIntegerField(default=0)
    modalities = models.ManyToManyField(Modality, blank=True, related_name="therapists")
    problem_areas = models.ManyToManyField(ProblemArea, blank=True, related_name="therapists")
    languages = models.JSONField(default=list, blank=True, help_text="ISO 639-1 codes")
    formats = models.JSONField(default=list, blank=True, help_text="in_person and/or online")
    accepting_new_clients = models.BooleanField(default=True)
    how_i_work = models.TextField(blank=True)
    fee_min = models.PositiveIntegerField(null=True, blank=True)
    fee_max = models.PositiveIntegerField(null=True, blank=True)
    supervisors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="supervisees"
    )
    published = models.BooleanField(default=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        return self.user.display_name
