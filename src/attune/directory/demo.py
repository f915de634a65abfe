"""The demo's article library: Markdown files with a small front-matter block.

``load_demo_articles()`` writes every file in ``content/articles`` as a published ``Article``;
running it again updates the same rows (keyed by slug). Authors are matched by the e-mail of
the simulated therapist named in the front matter; an author who is not in the database leaves
the article without an author.

Front matter (between two ``---`` lines), one ``key: value`` a line:
slug, title, summary, author (e-mail), published_days_ago, modalities and problem_areas
(comma-separated slugs).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from django.db import transaction

from attune.directory.models import Article
from attune.practice.models import Modality, ProblemArea, TherapistProfile

logger = logging.getLogger(__name__)
ARTICLES_DIR = Path(__file__).resolve().parent / "content" / "articles"


@dataclass(frozen=True)
class ArticleFile:
    slug: str
    title: str
    summary: str
    author_email: str
    published_days_ago: int
    modalities: tuple[str, ...]
    problem_areas: tuple[str, ...]
    body: str
    path: Path


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def parse_article(path: Path) -> ArticleFile:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise ValueError(f"{path.name}: no front matter")
    head, _, body = text[4:].partition("\n---\n")
    meta: dict[str, str] = {}
    for line in head.splitlines():
        if line.strip():
            key, sep, value = line.partition(":")
            if not sep:
                raise ValueError(f"{path.name}: bad front-matter line {line!r}")
            meta[key.strip()] = value.strip()
    return ArticleFile(
        slug=meta["slug"],
        title=meta["title"],
        summary=meta.get("summary", ""),
        author_email=meta["author"].lower(),
        published_days_ago=int(meta.get("published_days_ago", "0")),
        modalities=_split(meta.get("modalities", "")),
        problem_areas=_split(meta.get("problem_areas", "")),
        body=body.strip() + "\n",
        path=path,
    )


def demo_articles() -> list[ArticleFile]:
    return [parse_article(p) for p in sorted(ARTICLES_DIR.glob("*.md"))]


@transaction.atomic
def load_demo_articles(today: date | None = None) -> list[Article]:
    """Write the shipped articles (idempotent: the same slugs are updated, never duplicated)."""
    today = today or date.today()
    files = demo_articles()
    authors = {
        p.user.email.lower(): p
        for p in TherapistProfile.objects.select_related("user").filter(
            user__email__in=[f.author_email for f in files]
        )
    }
    modalities = {m.slug: m for m in Modality.objects.all()}
    areas = {a.slug: a for a in ProblemArea.objects.all()}
    articles = []
    for f in files:
        author = authors.get(f.author_email)
        if author is None:
            logger.warning("demo article %s: author not found", f.slug)
        noon = datetime.combine(today - timedelta(days=f.published_days_ago), time(9), UTC)
        article, _ = Article.objects.update_or_create(
            slug=f.slug,
            defaults={
                "title": f.title,
                "summary": f.summary,
                "body": f.body,
                "author": author,
                "published_at": noon,
                "published": True,
            },
        )
        article.modalities.set([modalities[s] for s in f.modalities if s in modalities])
        article.problem_areas.set([areas[s] for s in f.problem_areas if s in areas])
        articles.append(article)
    return articles
