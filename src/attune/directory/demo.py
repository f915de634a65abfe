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

from attune.directory.models import Article, DirectoryEntry
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


# --------------------------------------------------------------------------------------------
# directory entries (issue 12): district, a first sentence in the therapist's words, pronouns
# and how fees are paid. No photos: the demo ships no pictures of people.
# --------------------------------------------------------------------------------------------

#: (first name, last name) → (district, statement, pronouns, fee routes)
DEMO_ENTRIES: dict[tuple[str, str], tuple[str, str, str, tuple[str, ...]]] = {
    ("Miriam", "Adler"): (
        "Prenzlauer Berg, Berlin",
        "I listen for what lies beneath the words, and we go at the pace that feels safe.",
        "she/her",
        ("private", "reimbursement"),
    ),
    ("Jonas", "Becker"): (
        "Kreuzberg, Berlin",
        "Together we try small, concrete steps and see what changes.",
        "he/him",
        ("statutory", "private"),
    ),
    ("Amara", "Osei"): (
        "Neukölln, Berlin",
        "Old patterns made sense once; I help you find ones that fit your life now.",
        "she/her",
        ("statutory", "private"),
    ),
    ("Tomás", "Herrera"): (
        "Friedrichshain, Berlin",
        "Problems live between people, so that is where I like to look for answers.",
        "he/him",
        ("private", "reimbursement"),
    ),
    ("Leyla", "Demir"): (
        "Schöneberg, Berlin",
        "I am curious about how your past still speaks in the present.",
        "she/her",
        ("statutory",),
    ),
    ("Sam", "Whitfield"): (
        "Wedding, Berlin",
        "I offer a kind, unhurried space to make room for difficult feelings.",
        "they/them",
        ("private", "reimbursement"),
    ),
    ("Katarzyna", "Nowak"): (
        "Charlottenburg, Berlin",
        "Clear tools, warmth and a plan we agree on together.",
        "she/her",
        ("statutory", "private"),
    ),
    ("Daniel", "Rosen"): (
        "Mitte, Berlin",
        "Lasting change often starts with understanding what we keep repeating.",
        "he/him",
        ("private", "reimbursement"),
    ),
    ("Yuki", "Tanaka-Berg"): (
        "Online, from Potsdam",
        "The body remembers; we listen to it gently and carefully.",
        "she/her",
        ("private",),
    ),
    ("Rafael", "Costa"): (
        "Moabit, Berlin",
        "I am in my final year of training and bring full attention to our work.",
        "he/him",
        ("statutory", "private"),
    ),
}


@transaction.atomic
def load_demo_directory() -> int:
    """Give the demo therapists their directory entries (idempotent); returns how many."""
    written = 0
    for profile in TherapistProfile.objects.select_related("user"):
        found = DEMO_ENTRIES.get((profile.user.first_name, profile.user.last_name))
        if found is None:
            continue
        district, statement, pronouns, routes = found
        DirectoryEntry.objects.update_or_create(
            profile=profile,
            defaults={
                "district": district,
                "statement": statement,
                "pronouns": pronouns,
                "fee_routes": list(routes),
            },
        )
        written += 1
    return written
