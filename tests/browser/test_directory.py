"""Issue 6, anonymous visitor: filter the directory, open a profile, read a modality explainer,
open an article and follow a cross-reference; on a phone, with no console errors."""

from __future__ import annotations

import pytest

from attune.directory.demo import load_demo_articles
from attune.practice.models import Modality, ProblemArea
from tests.conftest import make_therapist


@pytest.fixture
def public_practice(transactional_db, practice):
    adler = make_therapist(practice, "therapist@example.org").therapist_profile
    adler.user.first_name, adler.user.last_name = "Miriam", "Adler"
    adler.user.save()
    adler.credentials = "Dr. phil., licensed psychological psychotherapist"
    adler.languages, adler.formats = ["en", "de"], ["in_person", "online"]
    adler.fee_min, adler.fee_max = 110, 150
    adler.how_i_work = "I work in an integrative way."
    adler.save()
    adler.modalities.set(Modality.objects.filter(slug__in=["contemporary-psychoanalysis", "emdr"]))
    adler.problem_areas.set(ProblemArea.objects.filter(slug__in=["trauma", "depression"]))
    becker = make_therapist(practice, "colleague@example.org").therapist_profile
    becker.user.first_name, becker.user.last_name = "Jonas", "Becker"
    becker.user.save()
    becker.languages, becker.formats = ["en"], ["online"]
    becker.save()
    becker.modalities.set(Modality.objects.filter(slug__in=["cbt", "act"]))
    becker.problem_areas.set(ProblemArea.objects.filter(slug__in=["anxiety"]))
    load_demo_articles()
    return adler


def test_an_anonymous_visitor_finds_a_therapist_and_reads_up(public_practice, live_server, phone):
    page = phone
    page.goto(f"{live_server.url}/directory/")
    assert page.locator("[data-testid=therapist-card]").count() == 2

    # On a phone the filters wait in a drawer (a <details>): opening it shows them.
    assert not page.locator("#id_problem").is_visible()
    page.locator("[data-testid=filter-drawer] > summary").click()
    page.select_option("#id_problem", "trauma")
    page.select_option("#id_language", "de")
    with page.expect_navigation():
        page.get_by_role("button", name="Show therapists").click()
    cards = page.locator("[data-testid=therapist-card]")
    assert cards.count() == 1
    assert "Miriam Adler" in cards.first.inner_text()

    with page.expect_navigation():
        cards.first.get_by_role("link", name="Miriam Adler").click()
    assert page.get_by_role("heading", level=1, name="Miriam Adler").is_visible()
    assert "@example.org" not in page.content()
    explainer = page.locator("details.modality-explainer[data-modality=emdr]")
    explainer.locator("summary").click()
    assert explainer.get_by_text("What a session is like").is_visible()

    with page.expect_navigation():
        explainer.get_by_role("link", name="More about EMDR").click()
    assert page.url.endswith("/approaches/emdr/")
    assert page.get_by_role("heading", level=1, name="EMDR").is_visible()
    assert page.locator("[data-testid=explainer] h2").count() >= 2

    with page.expect_navigation():
        page.get_by_role("link", name="EMDR step by step: what a session is really like").click()
    assert "/articles/emdr-step-by-step/" in page.url
    xref = page.locator("[data-testid=article-body] a.xref").first
    target = xref.get_attribute("href")
    with page.expect_navigation():
        xref.click()
    assert page.url.endswith(target)
    assert page.locator("#article-title").is_visible()
    assert page.get_by_test_id("find-my-match").get_attribute("href") == "/match/"

    # A bad filter value is explained on the page, not an error.
    page.goto(f"{live_server.url}/directory/?fee_max=cheap&problem=nope")
    assert page.get_by_test_id("filter-notes").is_visible()
    assert page.locator("[data-testid=therapist-card]").count() == 2
    # Nothing on the page overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
