"""The practice outcomes page on the demo (issue 13): the administrator and the supervisor see the
tables beside England's figures (and the recovery chart with its table alternative when the
practice's rate may be shown); a therapist sees only her own figures. Desktop and 390×844, no
sideways scroll, axe finds nothing serious or critical."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from attune.accounts.demo_logins import DEMO_PASSWORD
from tests.browser.conftest import PHONE, loaded_demo, login, restored
from tests.browser.test_accessibility import Audit

SCREENS = {"1280x900": {"viewport": {"width": 1280, "height": 900}}, "390x844": PHONE}


@pytest.fixture
def history(transactional_db):
    """The demo has 9 finished courses, all withheld under the limit of 10. Add a past year
    (2024-25, which has England figures) of finished courses for therapist@ and a colleague
    she shares a supervisor with, so that rates and the chart may be shown. Built once per
    worker, restored for the other tests (``restored``)."""
    return restored(f"{timezone.localdate()} demo + 2024-25 history", _demo_with_history)


def _demo_with_history() -> str:
    from attune.accounts.models import User
    from tests.test_practice_outcomes_page import UNCHANGED, finished

    loaded_demo()
    therapist = User.objects.get(email="therapist@example.org")
    supervisor = User.objects.get(email="supervisor@example.org")
    other = (
        User.objects.filter(therapist_profile__supervisors=supervisor)
        .exclude(pk=therapist.pk)
        .first()
    ) or User.objects.get(email="colleague@example.org")
    practice = therapist.practice
    finished(practice, therapist, 14)
    finished(practice, therapist, 10, course=UNCHANGED)
    finished(practice, other, 12)
    finished(practice, other, 10, course=UNCHANGED)
    return "2024-25"


def _open(page: Any, live_server: Any, email: str) -> None:
    login(page, live_server, email, DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outcome figures").click()
    expect(page).to_have_url(f"{live_server.url}/practice/outcomes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Outcomes")


def _no_sideways_scroll(page: Any, screen: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SCREENS[screen]["viewport"]["width"], f"scrolls sideways: {width} px"


@pytest.mark.parametrize("screen", list(SCREENS))
def test_admin_and_supervisor_see_the_tables(history, live_server, new_page: Any, screen: str):
    for email, scope in (
        ("admin@example.org", "the whole practice"),
        ("supervisor@example.org", "the therapists you supervise"),
    ):
        page, audit = new_page(**SCREENS[screen]), Audit(screen)
        _open(page, live_server, email)
        expect(page.get_by_test_id("outcomes-scope")).to_contain_text(scope)
        expect(page.get_by_test_id("outcomes-summary-row")).to_have_count(1)
        expect(page.get_by_test_id("national-row").first).to_contain_text("England 2024-25")
        expect(page.get_by_test_id("outcomes-therapist-row").first).to_be_visible()
        expect(page.get_by_test_id("outcomes-area-row").first).to_be_visible()
        expect(page.get_by_test_id("outcomes-approach-row").first).to_be_visible()
        expect(page.get_by_test_id("attribution")).to_contain_text("Open Government Licence")
        # The demo's own year: 9 to 11 finished courses (its schedule follows the weekday it is
        # built on), too few for any rate: the figures are withheld.
        expect(page.get_by_test_id("outcomes-summary-row")).to_contain_text(
            re.compile(r"fewer than 10|not shown \(small numbers\)")
        )
        expect(page.get_by_test_id("outcomes-summary-row")).not_to_contain_text("%")
        _no_sideways_scroll(page, screen)
        audit(page, f"outcomes as {email}, this year")
        # The past year with England's figures of the same year: rates and the chart.
        page.select_option("#outcomes-year", history)
        page.get_by_role("button", name="Show").click()
        expect(page).to_have_url(f"{live_server.url}/practice/outcomes/?year={history}&quarter=all")
        expect(page.get_by_test_id("national-note")).to_have_count(0)
        summary = page.get_by_test_id("outcomes-summary-row")
        expect(summary).to_contain_text("%")
        chart = page.get_by_test_id("recovery-chart")
        expect(chart.get_by_role("img")).to_be_visible()
        expect(chart).to_contain_text("England 2024-25")
        expect(page.get_by_test_id("outcomes-therapist-row").first).to_be_visible()
        expect(page.get_by_test_id("outcomes-quarter-row").first).to_be_visible()
        assert "@example.org" not in page.locator("main").inner_text()
        print(f"\n{email} [{screen}] {history}: {' | '.join(summary.all_inner_texts())}")
        _no_sideways_scroll(page, screen)
        audit(page, f"outcomes as {email}")
        audit.check()
        page.close()


@pytest.mark.parametrize("screen", list(SCREENS))
def test_a_therapist_sees_only_her_own(history, live_server, new_page: Any, screen: str):
    page, audit = new_page(**SCREENS[screen]), Audit(screen)
    _open(page, live_server, "therapist@example.org")
    expect(page.get_by_test_id("outcomes-scope")).to_contain_text("your own clients")
    expect(page.get_by_role("heading", name="By therapist")).to_have_count(0)
    expect(page.get_by_test_id("outcomes-therapist-row")).to_have_count(0)
    expect(page.get_by_test_id("outcomes-summary-row")).to_have_count(1)
    page.goto(f"{live_server.url}/practice/outcomes/?year={history}")
    # her own 24 courses (14 recovered) — not the colleague's 22
    expect(page.get_by_test_id("outcomes-summary-row")).to_contain_text("24")
    expect(page.get_by_test_id("outcomes-summary-row")).to_contain_text("58.3 %")
    expect(page.get_by_test_id("recovery-chart")).to_contain_text("Your clients")
    _no_sideways_scroll(page, screen)
    audit(page, "outcomes as a therapist")
    audit.check()
