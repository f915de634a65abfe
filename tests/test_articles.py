"""The article library: sanitised Markdown, cross-references, related articles, demo content."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attune.directory.admin import ArticleForm
from attune.directory.demo import demo_articles, load_demo_articles
from attune.directory.models import Article
from attune.directory.queries import related_articles
from attune.directory.rendering import cross_references, render_markdown, sanitize
from attune.practice.models import Modality, ProblemArea
from attune.simulation import simulate_practice
from tests.conftest import make_therapist


def test_raw_html_and_scripts_never_survive():
    html = render_markdown(
        "Hello <script>alert('x')</script>\n\n"
        "<img src=x onerror=alert(1)>\n\n"
        '<a href="javascript:alert(1)">click</a>\n\n'
        '<div style="color:red" onclick="evil()">styled</div>\n\n'
        '<iframe src="https://evil.example"></iframe>\n'
    )
    assert "<script" not in html
    assert "<img" not in html
    assert "<a " not in html
    assert "<div" not in html
    assert "<iframe" not in html
    # Raw HTML is shown as text, escaped.
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    "markdown",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "<javascript:alert(1)>",
        "[x][1]\n\n[1]: javascript:alert(1)",
        "![img](https://tracker.example/pixel.png)",
    ],
)
def test_dangerous_links_and_images_are_dropped(markdown):
    html = render_markdown(markdown)
    assert 'href="javascript' not in html.lower()
    assert 'href="vbscript' not in html.lower()
    assert 'href="data:' not in html.lower()
    assert "<img" not in html


def test_the_sanitiser_alone_strips_what_markdown_might_let_through():
    dirty = (
        '<p onclick="x()">a<script>alert(1)</script></p>'
        '<img src=x onerror="alert(1)"><a href="javascript:alert(1)">j</a>'
        '<a href="https://example.org" onmouseover="x()" style="color:red">ok</a>'
        '<td style="text-align:right">cell</td><svg onload=alert(1)></svg>'
    )
    clean = sanitize(dirty)
    for bad in ("onclick", "<script", "alert(1)</script>", "onerror", "javascript:", "onmouseover",
                "style=", "<svg", "onload", "<img"):  # fmt: skip
        assert bad not in clean, bad
    assert '<a href="https://example.org" rel="noopener noreferrer">ok</a>' in clean


def test_ordinary_markdown_is_kept():
    html = render_markdown(
        "# Title\n\nSome *emphasis*, **strong**, `code`.\n\n- one\n- two\n\n"
        "> quote\n\n[link](https://example.org) and [inside](/approaches/emdr/)\n\n"
        "| a | b |\n|---|--:|\n| 1 | 2 |\n"
    )
    assert "<h2>Title</h2>" in html  # headings start below the page's h1
    assert "<em>emphasis</em>" in html and "<strong>strong</strong>" in html
    assert "<code>code</code>" in html
    assert "<li>one</li>" in html
    assert "<blockquote>" in html
    assert 'href="https://example.org"' in html
    assert 'href="/approaches/emdr/"' in html
    assert "<table>" in html and "<td>2</td>" in html  # alignment style stripped (CSP)


LINKS = {"first-steps": ("/articles/first-steps/", "First steps")}


def test_cross_references_become_links():
    html = render_markdown("See [[first-steps]] and [[first-steps|this guide]].", links=LINKS)
    assert '<a href="/articles/first-steps/" class="xref"' in html
    assert ">First steps</a>" in html
    assert ">this guide</a>" in html


def test_unknown_cross_reference_is_plain_text_and_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="attune.directory.rendering"):
        html = render_markdown("See [[no-such-article]] and [[gone|the old one]].", links=LINKS)
    assert "<a" not in html
    assert "no such article" in html
    assert "the old one" in html
    messages = [r.getMessage() for r in caplog.records]
    assert "unknown article cross-reference: no-such-article" in messages
    assert "unknown article cross-reference: gone" in messages


def test_cross_references_in_code_are_left_alone():
    html = render_markdown("`[[first-steps]]`\n\n    [[first-steps]]\n", links=LINKS)
    assert "<a" not in html
    assert html.count("[[first-steps]]") == 2


def test_cross_reference_text_is_escaped():
    html = render_markdown("[[first-steps|<script>x</script>]]", links=LINKS)
    assert "<script" not in html
    assert "&lt;script&gt;" in html


def test_cross_references_lists_slugs_once():
    assert cross_references("[[a]] [[b|x]] [[a]] [[Not Valid]]") == ["a", "b"]


# --------------------------------------------------------------------------------------------
# pages
# --------------------------------------------------------------------------------------------


def article(slug, *, modalities=(), areas=(), days_ago=1, **fields) -> Article:
    fields.setdefault("title", slug.replace("-", " ").title())
    fields.setdefault("body", "Body")
    fields.setdefault("published", True)
    row = Article.objects.create(
        slug=slug, published_at=timezone.now() - timedelta(days=days_ago), **fields
    )
    row.modalities.set(Modality.objects.filter(slug__in=modalities))
    row.problem_areas.set(ProblemArea.objects.filter(slug__in=areas))
    return row


@pytest.mark.django_db
def test_article_page_renders_cross_references_to_visible_articles_only(client, caplog):
    article("target", title="The target")
    article("draft", published=False)
    article("future", days_ago=-3)
    article("source", body="Go to [[target]], [[draft]], [[future|later]] and [[nowhere]].")
    with caplog.at_level(logging.WARNING, logger="attune.directory.rendering"):
        response = client.get(reverse("directory:article", args=["source"]))
    assert response.status_code == 200
    body = response.context["body"]
    assert (
        '<a href="/articles/target/" class="xref" rel="noopener noreferrer">The target</a>' in body
    )
    assert "/articles/draft/" not in body and "/articles/future/" not in body
    assert "later" in body and "nowhere" in body
    assert {r.getMessage().rsplit(" ", 1)[1] for r in caplog.records} == {
        "draft", "future", "nowhere",
    }  # fmt: skip


@pytest.mark.django_db
def test_unpublished_and_future_articles_are_404_and_unlisted(client):
    article("draft", published=False)
    article("future", days_ago=-3)
    article("live")
    for slug in ("draft", "future", "missing"):
        assert client.get(f"/articles/{slug}/").status_code == 404
    html = client.get("/articles/").content.decode()
    assert "/articles/live/" in html
    assert "/articles/draft/" not in html and "/articles/future/" not in html


@pytest.mark.django_db
def test_author_is_named_only_while_her_profile_is_public(client, practice):
    author = make_therapist(practice, "ada.author@example.org").therapist_profile
    article("by-ada", author=author)
    html = client.get("/articles/by-ada/").content.decode()
    assert "Ada Author" in html
    assert reverse("directory:therapist", args=[author.pk]) in html
    author.published = False
    author.save()
    for url in ("/articles/by-ada/", "/articles/"):
        html = client.get(url).content.decode()
        assert "Ada Author" not in html and "ada.author" not in html


@pytest.mark.django_db
def test_related_articles_share_modalities_or_problem_areas_then_recency(client):
    main = article("main", modalities=["emdr", "cbt"], areas=["trauma"])
    both = article("both", modalities=["emdr", "cbt"], areas=["trauma"], days_ago=50)
    one_new = article("one-new", modalities=["emdr"], days_ago=2)
    one_old = article("one-old", areas=["trauma"], days_ago=30)
    article("unrelated", modalities=["act"], areas=["sleep"])
    article("hidden", modalities=["emdr", "cbt"], areas=["trauma"], published=False)
    assert related_articles(main) == [both, one_new, one_old]
    assert related_articles(main, limit=2) == [both, one_new]
    response = client.get("/articles/main/")
    assert [a.slug for a in response.context["related"]] == ["both", "one-new", "one-old"]


@pytest.mark.django_db
def test_article_page_query_count_is_fixed(client):
    for i in range(10):
        article(f"other-{i}", modalities=["emdr", "cbt"], areas=["trauma", "sleep"])
    body = " ".join(f"[[other-{i}]]" for i in range(10))
    article("main", body=body, modalities=["emdr"], areas=["trauma"])
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/articles/main/").status_code == 200
    assert len(queries) <= 6


@pytest.mark.django_db
def test_article_list_filters(client):
    article("a-emdr", modalities=["emdr"])
    article("a-sleep", areas=["sleep"])
    response = client.get("/articles/?approach=emdr")
    assert [a.slug for a in response.context["articles"]] == ["a-emdr"]
    response = client.get("/articles/?problem=sleep")
    assert [a.slug for a in response.context["articles"]] == ["a-sleep"]
    response = client.get("/articles/?problem=nope&approach=%3Cb%3E")
    assert response.status_code == 200
    assert len(response.context["notes"]) == 2
    assert len(response.context["articles"]) == 2


@pytest.mark.django_db
def test_admin_form_refuses_unknown_cross_references():
    article("exists")
    data = {"title": "New", "slug": "new", "summary": "", "published_at": "2026-01-01 10:00",
            "published": True}  # fmt: skip
    form = ArticleForm(data={**data, "body": "See [[exists]] and [[new]]."})
    assert form.is_valid(), form.errors
    form = ArticleForm(data={**data, "body": "See [[missing-one]]."})
    assert not form.is_valid()
    assert "[[missing-one]]" in str(form.errors["body"])


@pytest.mark.django_db
def test_admin_lists_and_edits_articles(client, practice_admin):
    practice_admin.is_superuser = True
    practice_admin.save()
    client.force_login(practice_admin)
    row = article("admin-me")
    assert client.get("/admin/directory/article/").status_code == 200
    assert client.get(f"/admin/directory/article/{row.pk}/change/").status_code == 200


# --------------------------------------------------------------------------------------------
# the shipped demo articles
# --------------------------------------------------------------------------------------------


def test_there_are_at_least_eight_demo_articles_with_valid_front_matter():
    files = demo_articles()
    assert len(files) >= 8
    assert len({f.slug for f in files}) == len(files)
    modality_slugs = {"contemporary-psychoanalysis", "emdr", "somatic-experiencing",
                      "clinical-hypnosis", "cbt", "act"}  # fmt: skip
    covered = {m for f in files for m in f.modalities}
    assert modality_slugs <= covered
    slugs = {f.slug for f in files}
    assert {"your-first-consultation", "giving-feedback-to-your-therapist"} <= slugs
    for f in files:
        assert f.path.stem == f.slug
        assert f.title and f.summary and len(f.body) > 800, f.slug


def test_every_cross_reference_in_the_demo_articles_resolves():
    files = demo_articles()
    slugs = {f.slug for f in files}
    for f in files:
        refs = cross_references(f.body)
        assert refs, f"{f.slug} links no other article"
        missing = [r for r in refs if r not in slugs]
        assert not missing, f"{f.slug}: {missing}"
        assert f.slug not in refs


def test_demo_authors_are_therapists_of_the_simulated_practice():
    sim = simulate_practice(today=date(2026, 11, 26))
    emails = {t.person.email for t in sim.therapists}
    for f in demo_articles():
        assert f.author_email in emails, f.slug


@pytest.mark.django_db
def test_demo_vocabulary_exists():
    known_modalities = set(Modality.objects.values_list("slug", flat=True))
    known_areas = set(ProblemArea.objects.values_list("slug", flat=True))
    for f in demo_articles():
        assert set(f.modalities) <= known_modalities, f.slug
        assert set(f.problem_areas) <= known_areas, f.slug


@pytest.mark.django_db
def test_load_demo_articles_is_idempotent_and_every_link_resolves(client, practice, caplog):
    author = make_therapist(practice, "therapist@example.org").therapist_profile
    first = load_demo_articles()
    again = load_demo_articles()
    assert Article.objects.count() == len(first) == len(again) == len(demo_articles())
    assert [a.pk for a in first] == [a.pk for a in again]
    assert Article.objects.filter(author=author).count() >= 3
    assert Article.objects.filter(author__isnull=True).exists()  # authors not in this database
    with caplog.at_level(logging.WARNING, logger="attune.directory.rendering"):
        for a in Article.objects.all():
            response = client.get(a.get_absolute_url())
            assert response.status_code == 200
            assert "[[" not in response.content.decode(), a.slug
            for target in cross_references(a.body):
                assert f'href="/articles/{target}/"' in response.context["body"]
    assert not [r for r in caplog.records if r.name == "attune.directory.rendering"]
