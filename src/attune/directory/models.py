"""The article library: plain-language articles written by the practice's therapists."""

from __future__ import annotations

import secrets

from django.db import models
from django.urls import reverse
from django.utils import timezone

from attune.practice.models import Modality, ProblemArea, TherapistProfile


class ArticleQuerySet(models.QuerySet["Article"]):
    def visible(self) -> ArticleQuerySet:
        """What the public may read: published, and not dated in the future."""
        return self.filter(published=True, published_at__lte=timezone.now())


class Article(models.Model):
    slug = models.SlugField(unique=True, max_length=120)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField(
        help_text="Markdown. Link another article with [[its-slug]] or [[its-slug|your text]]."
    )
    author = models.ForeignKey(
        TherapistProfile,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
    )
    published_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    modalities = models.ManyToManyField(Modality, blank=True, related_name="articles")
    problem_areas = models.ManyToManyField(ProblemArea, blank=True, related_name="articles")
    published = models.BooleanField(default=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("directory:article", args=[self.slug])


class FeeRoute(models.TextChoices):
    """How a client can pay (issue 12): privately, through statutory insurance (e.g. German
    GKV, NHS), or privately with reimbursement by an insurer or benefit."""

    PRIVATE = "private", "Private (self-pay)"
    STATUTORY = "statutory", "Statutory insurance"
    REIMBURSEMENT = "reimbursement", "Private with reimbursement"


def photo_name(instance: DirectoryEntry, filename: str) -> str:
    """A random name: the uploaded file's own name (which may carry a person's name or a
    path) is never kept. Photos are always re-encoded as JPEG (directory.photos)."""
    return f"therapists/{secrets.token_hex(16)}.jpg"


class DirectoryEntry(models.Model):
    """What the public directory shows beyond the therapist's profile: where, a photo, a first
    sentence in the therapist's own words, pronouns and how fees are paid. Gender stays on the
    profile (``TherapistProfile.gender``, self-described)."""

    profile = models.OneToOneField(
        TherapistProfile, on_delete=models.CASCADE, related_name="directory_entry"
    )
    district = models.CharField(
        max_length=100, blank=True, help_text="District or city, e.g. Kreuzberg, Berlin."
    )
    statement = models.CharField(
        "in my words",
        max_length=240,
        blank=True,
        help_text="One sentence in the therapist's own words, shown first on the card.",
    )
    pronouns = models.CharField(
        max_length=40, blank=True, help_text='As the therapist gives them, e.g. "she/her".'
    )
    fee_routes = models.JSONField(
        default=list, blank=True, help_text="private, statutory and/or reimbursement"
    )
    photo = models.ImageField(upload_to=photo_name, blank=True)

    class Meta:
        verbose_name = "directory entry"
        verbose_name_plural = "directory entries"

    def __str__(self) -> str:
        return f"Directory entry of {self.profile}"

    @property
    def fee_route_labels(self) -> list[str]:
        labels = dict(FeeRoute.choices)
        return [labels[r] for r in FeeRoute.values if r in (self.fee_routes or [])]

    @property
    def photo_version(self) -> str:
        """Changes with the photo, so a new one is not hidden by a cached old one."""
        return (self.photo.name or "").rsplit("/", 1)[-1][:8] if self.photo else ""
