"""The article library: plain-language articles written by the practice's therapists."""

from __future__ import annotations

from django.db import models
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
        from django.urls import reverse

        return reverse("directory:article", args=[self.slug])
