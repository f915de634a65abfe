"""axe-core over every public page and every client page (issue 12), on a phone (390×844) and a
desktop (1280×800): no "serious" or "critical" violation.

One test per page and screen, so one page's violation never hides another's. How axe
runs under the strict CSP: tests/browser/test_accessibility.py (``Audit``), reused here.

Pages are reached as people reach them (the directory's first therapist by its link, "Find my
match" by filling its form), so the sweep follows the pages when their templates change.

A page the journeys of test_accessibility.py already audit, at both sizes and in the same state,
is not audited a second time here (``IN_THE_JOURNEYS``; each costs a browser context, a sign-in
and a page load): ``test_the_journeys_audit_what_the_sweep_leaves_to_them`` checks that they still
do. The pages only the sweep reaches (public pages, the composer, your data, goals, how my
therapist works, the ending…) stay here, one test per page and screen.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from attune.directory.demo import load_demo_articles
from attune.directory.models import Article
from attune.practice.models import Modality, ProblemArea, TherapistProfile
from tests.browser import test_accessibility
from tests.browser.conftest import sign_in_without_the_form
from tests.browser.test_accessibility import VIEWPORTS, Audit, answer_everything

Visit = Callable[[Any, str, dict[str, Any]], None]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def practice_pages(transactional_db, practice, therapist, colleague, client_user, episode):
    """A small practice with everything its public pages show: two published therapists with
    approaches, areas, languages and fees, the shipped articles; a client in therapy."""
    profile = TherapistProfile.objects.get(user=therapist)
    profile.languages, profile.formats, profile.gender = (
        ["en", "de"],
        ["in_person", "online"],
        "woman",
    )
    profile.fee_min, profile.fee_max, profile.years_experience = 90, 120, 12
    profile.credentials = "Licensed psychological psychotherapist"
    profile.how_i_work = "I work in an integrative way, at your pace."
    profile.save()
    profile.modalities.set(
        Modality.objects.filter(slug__in=["emdr", "contemporary-psychoanalysis"])
    )
    profile.problem_areas.set(ProblemArea.objects.filter(slug__in=["trauma", "sleep", "anxiety"]))
    other = TherapistProfile.objects.get(user=colleague)
    other.languages, other.formats, other.accepting_new_clients = ["en"], ["online"], False
    other.save()
    other.modalities.set(Modality.objects.filter(slug="cbt"))
    other.problem_areas.set(ProblemArea.objects.filter(slug="depression"))
    load_demo_articles()
    return {"episode": episode, "client": client_user, "therapist": therapist}


# --------------------------------------------------------------------------- how to reach a page


def _go(page: Any, base: str, path: str) -> None:
    page.goto(f"{base}{path}")


def _submit(page: Any, locator: Any) -> None:
    with page.expect_navigation():
        locator.click()


def _first_profile(page: Any, base: str, ctx: dict[str, Any]) -> None:
    _go(page, base, "/directory/")
    href = page.evaluate(
        """() => [...document.querySelectorAll('main a[href]')]
             .map((a) => a.getAttribute('href'))
             .find((h) => /^\\/directory\\/\\d+\\/$/.test(h))"""
    )
    assert href, "the directory links no therapist profile"
    _go(page, base, href)


def _match_results(page: Any, base: str, ctx: dict[str, Any]) -> None:
    _go(page, base, "/match/")
    form = page.locator("main form").filter(has=page.locator("textarea")).first
    form.locator("textarea").first.fill(
        "Since the accident I have nightmares and I can't sleep through the night."
    )
    boxes = form.locator("input[type=checkbox]")
    if boxes.count() and not form.locator("input[type=checkbox]:checked").count():
        boxes.first.check()
    _submit(page, form.get_by_role("button", name=re.compile("find my match", re.I)).last)
    expect(page.locator("main")).to_contain_text("Tara Therapist")  # the results, not the form


def _feedback_thanks(page: Any, base: str, ctx: dict[str, Any]) -> None:
    last = ctx["episode"].sessions.get(number=1)
    _go(page, base, f"/me/sessions/{last.pk}/feedback/")
    answer_everything(page)
    _submit(page, page.get_by_role("button", name="Send"))


def _composer_with_a_message(page: Any, base: str, ctx: dict[str, Any]) -> None:
    _go(page, base, "/me/composer/")
    composer = page.get_by_test_id("composer")
    composer.locator("textarea").first.fill("I felt rushed at the end of our last session.")
    _submit(page, composer.locator("button[type=submit]").first)


def _ending_requested(page: Any, base: str, ctx: dict[str, Any]) -> None:
    _go(page, base, "/me/ending/")
    ending = page.get_by_test_id("ending-form")
    ending.locator("textarea").first.fill("I would like to talk about ending.")
    _submit(page, ending.locator("button[type=submit]").first)


def _path(path: str) -> Visit:
    return lambda page, base, ctx: _go(page, base, path)


def _demo_front(page: Any, base: str, ctx: dict[str, Any]) -> None:
    ctx["settings"].ATTUNE_DEMO = True
    _go(page, base, "/")


#: Signed out. (name, how to get there)
PUBLIC: dict[str, Visit] = {
    "front page": _path("/"),
    "front page, demo mode": _demo_front,
    "directory": _path("/directory/"),
    "therapist profile": _first_profile,
    "approaches": _path("/approaches/"),
    "approach": _path("/approaches/emdr/"),
    "articles": _path("/articles/"),
    "article": lambda page, base, ctx: _go(
        page, base, f"/articles/{Article.objects.visible().order_by('slug').first().slug}/"
    ),
    "find my match": _path("/match/"),
    "find my match, results": _match_results,
    "ask for a consultation": lambda page, base, ctx: _go(
        page, base, f"/match/consultation/{ctx['therapist'].pk}/"
    ),
}

#: Signed in as the client.
CLIENT: dict[str, Visit] = {
    "session feedback, thank you": _feedback_thanks,
    "composer": _path("/me/composer/"),
    "composer, message saved": _composer_with_a_message,
    "my data": _path("/me/data/"),
    "ending": _path("/me/ending/"),
    "ending, conversation asked for": _ending_requested,
    "my goals": _path("/me/goals/"),
    "how my therapist works": _path("/me/therapist/"),
}

#: Audited by a journey of test_accessibility.py (its ``screen`` fixture: phone and desktop) in
#: the same state as here, so not again by the sweep: (name in the sweep, the journey's test, the
#: name it audits the page under).
IN_THE_JOURNEYS = [
    ("sign in", "test_sign_in_and_password_reset_pages", "sign in"),
    ("password reset", "test_sign_in_and_password_reset_pages", "password reset"),
    ("password reset, sent", "test_sign_in_and_password_reset_pages", "password reset sent"),
    ("crisis help", "test_sign_in_and_password_reset_pages", "crisis help, signed out"),
    ("my therapy", "test_home_with_open_forms_help_and_sign_out", "my therapy, forms open"),
    (
        "crisis help, signed in",
        "test_home_with_open_forms_help_and_sign_out",
        "crisis help, signed in",
    ),
    ("check-in", "test_check_in_empty_with_errors_and_thanks", "check-in, empty"),
    (
        "check-in, with errors",
        "test_check_in_empty_with_errors_and_thanks",
        "check-in, with errors",
    ),
    ("check-in, thank you", "test_check_in_empty_with_errors_and_thanks", "thank you"),
    ("session feedback", "test_feedback_with_the_rupture_follow_up", "feedback"),
    ("fit check-in", "test_fit_check_form_and_thanks", "fit check-in"),
    ("exit feedback", "test_exit_feedback_form_and_thanks", "exit feedback"),
]


def test_the_journeys_audit_what_the_sweep_leaves_to_them():
    """Each page the sweep leaves to a journey is still audited there, at both screen sizes."""
    assert set(test_accessibility.VIEWPORTS) == {"phone", "desktop"}
    for name, test, there in IN_THE_JOURNEYS:
        assert name not in PUBLIC and name not in CLIENT, f"{name!r} is audited twice"
        source = inspect.getsource(getattr(test_accessibility, test))
        assert "screen" in inspect.signature(getattr(test_accessibility, test)).parameters, test
        assert f'audit(screen, "{there}")' in source, f"{test} no longer audits {there!r}"
    # …and the other way round: test_accessibility.py leaves these pages on their own to the sweep.
    assert {"composer", "my data", "ending", "my goals", "how my therapist works"} <= set(CLIENT)


def _params(pages: dict[str, Visit]) -> list[Any]:
    params = []
    for name in pages:
        for screen in VIEWPORTS:
            params.append(pytest.param(name, screen, id=f"{name}-{screen}"))
    return params


def _audit(new_page, live_server, name: str, screen: str, visit: Visit, ctx, email=None) -> None:
    page = new_page(**VIEWPORTS[screen])
    if email:  # the sign-in pages are audited on their own (test_accessibility.py)
        sign_in_without_the_form(page, live_server, email)
    visit(page, live_server.url, ctx)
    audit = Audit(screen)
    audit(page, name)
    audit.check()


@pytest.mark.parametrize(("name", "screen"), _params(PUBLIC))
def test_public_page(name, screen, new_page, live_server, practice_pages, settings, browser_errors):
    browser_errors.allow(r"status of 400")  # a form refused with 400 is still audited
    settings.ATTUNE_DEMO = False
    ctx = {**practice_pages, "settings": settings}
    _audit(new_page, live_server, name, screen, PUBLIC[name], ctx)


@pytest.mark.parametrize(("name", "screen"), _params(CLIENT))
def test_client_page(name, screen, new_page, live_server, practice_pages, browser_errors):
    browser_errors.allow(r"status of 400")
    email = practice_pages["client"].email
    _audit(new_page, live_server, name, screen, CLIENT[name], practice_pages, email)
