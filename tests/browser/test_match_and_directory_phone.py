"""Issue 12 on a phone (390×844): Find my match lands on its results, the directory shows the
first therapist on the first screen with the filters in a drawer; axe-core on /match/, its
results, /directory/ and a profile, on a phone and on a desktop screen."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from PIL import Image
from playwright.sync_api import expect

from attune.directory.models import DirectoryEntry
from attune.directory.photos import clean_photo
from attune.practice.models import Modality, ProblemArea
from tests.browser.conftest import PHONE, sign_in_without_the_form
from tests.browser.test_accessibility import VIEWPORTS, Audit
from tests.conftest import make_therapist

SCREEN_HEIGHT = PHONE["viewport"]["height"]


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


def _photo() -> ContentFile:
    out = io.BytesIO()
    Image.new("RGB", (400, 400), (120, 150, 170)).save(out, format="PNG")
    out.seek(0)
    return clean_photo(out, len(out.getvalue()))


@pytest.fixture
def practice_with_entries(transactional_db, practice):
    """Four therapists with directory entries: two speak German, one has a waiting list."""
    people = [
        ("miriam.adler", "Miriam", "Adler", "woman", "she/her", ["en", "de"], True),
        ("jonas.becker", "Jonas", "Becker", "man", "he/him", ["en"], True),
        ("sam.whitfield", "Sam", "Whitfield", "non-binary", "they/them", ["en", "de"], False),
        ("leyla.demir", "Leyla", "Demir", "woman", "", ["en", "tr"], True),
    ]
    profiles = []
    for key, first, last, gender, pronouns, languages, accepting in people:
        profile = make_therapist(practice, f"{key}@example.org").therapist_profile
        profile.user.first_name, profile.user.last_name = first, last
        profile.user.save()
        profile.gender, profile.languages, profile.formats = gender, languages, ["online"]
        profile.accepting_new_clients = accepting
        profile.fee_min, profile.fee_max = 90, 120
        profile.credentials = "M.Sc. Psychology, licensed psychotherapist"
        profile.how_i_work = "I work in a warm and structured way."
        profile.save()
        profile.problem_areas.set(ProblemArea.objects.filter(slug__in=["trauma", "anxiety"]))
        profile.modalities.set(Modality.objects.filter(slug__in=["emdr", "cbt"]))
        entry = DirectoryEntry(
            profile=profile,
            district="Kreuzberg, Berlin",
            statement="I listen first, and we find the pace together.",
            pronouns=pronouns,
            fee_routes=["private", "statutory"],
        )
        if first == "Miriam":
            entry.photo.save("x.jpg", _photo(), save=False)
        entry.save()
        profiles.append(profile)
    return profiles


def _in_viewport(page: Any, locator: Any) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def _find(page: Any, live_server: Any, language: str = "de") -> None:
    page.goto(f"{live_server.url}/match/")
    page.get_by_label("Trauma and difficult experiences").check()
    if language:
        page.get_by_label("Language").select_option(language)
    with page.expect_navigation():
        page.get_by_test_id("find").click()


def test_find_my_match_lands_on_its_results(practice_with_entries, live_server, phone):
    page = phone
    _find(page, live_server)
    assert page.url == f"{live_server.url}/match/results/#results"
    heading = page.get_by_test_id("results-heading")
    expect(heading).to_have_text("Therapists who may fit you")
    assert _in_viewport(page, heading), heading.bounding_box()
    expect(heading).to_be_focused()
    # German is a hard filter: Jonas and Leyla are not listed; Sam waits apart.
    names = page.get_by_test_id("match-name")
    expect(names).to_have_text(["Miriam Adler", "Sam Whitfield"])
    expect(page.get_by_test_id("waiting")).to_contain_text("Sam Whitfield")
    expect(page.get_by_test_id("left-out")).to_contain_text("2 therapists who do not speak German")
    expect(page.get_by_test_id("accepting")).to_contain_text("(she/her)")
    expect(page.get_by_test_id("waiting")).to_contain_text("(they/them)")
    # The language option reads as a name; the name links to the profile.
    with page.expect_navigation():
        names.first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Miriam Adler")
    expect(page.locator("img.profile-photo")).to_be_visible()


def test_the_language_option_shows_the_name(practice_with_entries, live_server, phone):
    phone.goto(f"{live_server.url}/match/")
    options = phone.get_by_label("Language").locator("option").all_inner_texts()
    assert "Turkish" in options and "German" in options and "TR" not in options


def test_directory_first_card_on_the_first_screen_and_the_drawer(
    practice_with_entries, live_server, phone
):
    page = phone
    page.goto(f"{live_server.url}/directory/")
    first = page.get_by_test_id("therapist-card").first
    heading = first.get_by_role("heading")
    assert _in_viewport(page, heading), heading.bounding_box()
    assert first.bounding_box()["y"] < SCREEN_HEIGHT
    # The drawer: closed, the filters hidden until it is opened.
    drawer = page.get_by_test_id("filter-drawer")
    gender = page.get_by_label("Therapist's gender")
    expect(gender).to_be_hidden()
    drawer.locator("summary").click()
    expect(gender).to_be_visible()
    gender.select_option("non-binary")
    page.get_by_label("How fees are paid").select_option("statutory")
    with page.expect_navigation():
        page.get_by_role("button", name="Show therapists").click()
    cards = page.get_by_test_id("therapist-card")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Sam Whitfield")
    expect(cards.first).to_contain_text("Statutory insurance")
    expect(page.get_by_test_id("filter-drawer").locator("summary")).to_contain_text("filters on")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_axe_on_match_results_directory_and_profile(
    practice_with_entries, live_server, new_page, viewport
):
    audit = Audit(viewport)
    page = new_page(**VIEWPORTS[viewport])
    page.goto(f"{live_server.url}/match/")
    audit(page, "find my match")
    _find(page, live_server)
    audit(page, "match results")
    page.goto(f"{live_server.url}/directory/")
    audit(page, "directory")
    page.get_by_test_id("filter-drawer").locator("summary").click()
    audit(page, "directory, drawer open")
    page.goto(f"{live_server.url}/directory/{practice_with_entries[0].pk}/")
    audit(page, "profile with photo")
    sign_in_without_the_form(page, live_server, "miriam.adler@example.org")
    page.goto(f"{live_server.url}/directory/my-entry/")
    expect(page.get_by_label("Pronouns")).to_have_value("she/her")
    audit(page, "my directory entry")
    audit.check()
