"""axe-core over every public page and every client page (issue 12), on a phone (390×844) and a
desktop (1280×800): no "serious" or "critical" violation.

One test per page and screen, so one page's violation never hides another's. How axe
runs under the strict CSP: tests/browser/test_accessibility.py (``Audit``), reused here.

Pages are reached as people reach them (the directory's first therapist by its link, "Find my
match" by filling its form), so the sweep follows the pages when their templates change.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from attune.care.models import Attendance, Ending, EndingKind, EpisodeStatus, Session
from attune.directory.demo import load_demo_articles
from attune.directory.models import Article
from attune.practice.models import Modality, ProblemArea, TherapistProfile
from tests.browser.conftest import login
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


def _password_reset_sent(page: Any, base: str, ctx: dict[str, Any]) -> None:
    _go(page, base, "/accounts/password_reset/")
    page.fill("#id_email", ctx["client"].email)
    _submit(page, page.get_by_role("button", name="Send the link"))


def _check_in_errors(page: Any, base: str, ctx: dict[str, Any]) -> None:
    upcoming = ctx["episode"].sessions.get(number=2)
    _go(page, base, f"/me/sessions/{upcoming.pk}/check-in/")
    _submit(page, page.get_by_role("button", name="Send"))
    expect(page.locator("#form-error")).to_be_visible()


def _check_in_thanks(page: Any, base: str, ctx: dict[str, Any]) -> None:
    upcoming = ctx["episode"].sessions.get(number=2)
    _go(page, base, f"/me/sessions/{upcoming.pk}/check-in/")
    answer_everything(page)
    _submit(page, page.get_by_role("button", name="Send"))


def _feedback_thanks(page: Any, base: str, ctx: dict[str, Any]) -> None:
    last = ctx["episode"].sessions.get(number=1)
    _go(page, base, f"/me/sessions/{last.pk}/feedback/")
    answer_everything(page)
    _submit(page, page.get_by_role("button", name="Send"))


def _fit_check(page: Any, base: str, ctx: dict[str, Any]) -> None:
    now = timezone.now()
    for number, days_ago in ((3, 4), (4, 1)):  # attended 1, 3, 4: the fit check follows 4
        Session.objects.create(
            episode=ctx["episode"],
            number=number,
            scheduled_at=now - timedelta(days=days_ago),
            attendance=Attendance.ATTENDED,
        )
    fit = ctx["episode"].sessions.get(number=4)
    _go(page, base, f"/me/sessions/{fit.pk}/fit-check/")


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


def _exit_feedback(page: Any, base: str, ctx: dict[str, Any]) -> None:
    episode, now = ctx["episode"], timezone.now()
    episode.status, episode.ended_on = EpisodeStatus.ENDED_PLANNED, date.today()
    episode.save()
    Ending.objects.create(
        episode=episode,
        kind=EndingKind.PLANNED,
        ended_on=date.today(),
        recorded_by=ctx["therapist"],
        recorded_at=now,
        exit_requested_at=now,
    )
    _go(page, base, f"/me/episodes/{episode.pk}/exit-feedback/")


def _path(path: str) -> Visit:
    return lambda page, base, ctx: _go(page, base, path)


def _session_path(number: int, form: str) -> Visit:
    def visit(page: Any, base: str, ctx: dict[str, Any]) -> None:
        session = ctx["episode"].sessions.get(number=number)
        _go(page, base, f"/me/sessions/{session.pk}/{form}/")

    return visit


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
    "crisis help": _path("/help/"),
    "sign in": _path("/accounts/login/"),
    "password reset": _path("/accounts/password_reset/"),
    "password reset, sent": _password_reset_sent,
}

#: Signed in as the client.
CLIENT: dict[str, Visit] = {
    "my therapy": _path("/me/"),
    "check-in": _session_path(2, "check-in"),
    "check-in, with errors": _check_in_errors,
    "check-in, thank you": _check_in_thanks,
    "session feedback": _session_path(1, "feedback"),
    "session feedback, thank you": _feedback_thanks,
    "fit check-in": _fit_check,
    "composer": _path("/me/composer/"),
    "composer, message saved": _composer_with_a_message,
    "my data": _path("/me/data/"),
    "ending": _path("/me/ending/"),
    "ending, conversation asked for": _ending_requested,
    "exit feedback": _exit_feedback,
    "crisis help, signed in": _path("/help/"),
    "my goals": _path("/me/goals/"),
    "how my therapist works": _path("/me/therapist/"),
}


def _params(pages: dict[str, Visit]) -> list[Any]:
    params = []
    for name in pages:
        for screen in VIEWPORTS:
            params.append(pytest.param(name, screen, id=f"{name}-{screen}"))
    return params


def _audit(new_page, live_server, name: str, screen: str, visit: Visit, ctx, email=None) -> None:
    page = new_page(**VIEWPORTS[screen])
    if email:
        login(page, live_server, email)
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
