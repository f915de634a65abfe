"""Therapists' outcomes, for learning, on the practice outcomes page in a browser (issue 13).

On the demo's own year nobody has 15 finished courses: the page says nobody is placed. A past
year (2024-25) is added with four therapists of ≥ 15 finished courses each: the administrator
and the supervisor then see the funnel plot and the caterpillar plot drawn (SVG with marks)
with their tables, a therapist only her own row. axe finds nothing serious or critical."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from attune.accounts.demo_logins import DEMO_PASSWORD
from tests.browser.conftest import PHONE, loaded_demo, login, restored
from tests.browser.test_accessibility import Audit

YEAR = "2024-25"
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def team(transactional_db):
    """The demo, and 2024-25 courses: therapist@ 28 of 38 recovered, another supervisee of
    supervisor@ 10 of 38, two therapists she does not supervise 15 of 30 each. Built once per
    worker, restored for the other tests (``restored``)."""
    return restored(f"{timezone.localdate()} demo + 2024-25 team", _demo_with_team)


def _demo_with_team() -> dict[str, Any]:
    from attune.accounts.models import Role, User
    from tests.test_practice_outcomes_therapists import courses

    loaded_demo()
    therapist = User.objects.get(email="therapist@example.org")
    supervisor = User.objects.get(email="supervisor@example.org")
    practice = therapist.practice
    supervised = list(
        User.objects.filter(therapist_profile__supervisors=supervisor)
        .exclude(pk=therapist.pk)
        .order_by("pk")
    )
    others = list(
        User.objects.filter(role=Role.THERAPIST, practice=practice)
        .exclude(pk__in=[therapist.pk, *(u.pk for u in supervised)])
        .order_by("pk")
    )
    assert supervised and len(others) >= 2, "the demo's supervision has changed"
    courses(practice, therapist, 28, 10, 1)
    courses(practice, supervised[0], 10, 28, 2)
    courses(practice, others[0], 15, 15, 3)
    courses(practice, others[1], 15, 15, 4)
    return {
        "therapist": therapist.display_name,
        "supervisee": supervised[0].display_name,
        "others": [u.display_name for u in others[:2]],
    }


def _open(page: Any, live_server: Any, email: str) -> None:
    login(page, live_server, email, DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outcome figures").click()
    expect(page).to_have_url(f"{live_server.url}/practice/outcomes/")


def _plots_drawn(page: Any) -> None:
    section = page.get_by_test_id("therapist-outcomes")
    funnel = section.get_by_test_id("funnel-figure")
    expect(funnel.locator("svg[role=img]")).to_be_visible()
    expect(funnel.locator("figcaption")).to_contain_text("99.8 %")
    assert funnel.locator("svg .funnel-mark").count() >= 1
    assert funnel.locator("svg polyline.limit-inner").count() == 2
    assert funnel.locator("svg polyline.limit-outer").count() == 2
    caterpillar = section.get_by_test_id("caterpillar-figure")
    expect(caterpillar.locator("svg[role=img]")).to_be_visible()
    assert caterpillar.locator("svg .effect-mark").count() >= 1
    assert caterpillar.locator("svg line.interval").count() >= 1
    expect(section.get_by_test_id("icc")).to_contain_text("lies between therapists")
    expect(section.get_by_test_id("icc")).to_contain_text("95 % interval")


def _names(page: Any, testid: str) -> list[str]:
    return page.get_by_test_id(testid).locator("tbody th").all_inner_texts()


@pytest.mark.parametrize("who", ["admin@example.org", "supervisor@example.org"])
def test_admin_and_supervisor_see_both_plots_and_their_tables(
    team, live_server, new_page: Any, who: str
):
    page, audit = new_page(**DESKTOP), Audit("1280x900")
    _open(page, live_server, who)
    # the demo's year: fewer than 15 finished courses for everyone
    expect(page.get_by_test_id("not-placed")).to_contain_text("Nobody is placed in this period")
    expect(page.get_by_test_id("not-placed")).to_contain_text("15 finished courses")
    audit(page, f"outcomes as {who}, nobody placed")
    page.goto(f"{live_server.url}/practice/outcomes/?year={YEAR}")
    _plots_drawn(page)
    expect(page.get_by_test_id("not-placed")).to_have_count(0)
    funnel_rows = _names(page, "funnel-table")
    effect_rows = _names(page, "effects-table")
    expected = [team["therapist"], team["supervisee"]]
    if who == "admin@example.org":
        expected += team["others"]
    assert sorted(expected, key=str.casefold) == funnel_rows == effect_rows  # alphabetical
    marks = page.get_by_test_id("funnel-figure").locator("svg .funnel-mark").count()
    assert marks == len(expected)
    where = page.get_by_test_id("funnel-table").locator("tbody td:last-child").all_inner_texts()
    assert "above the expected range" in where and "below the expected range" in where
    if who == "supervisor@example.org":
        for other in team["others"]:
            expect(page.get_by_test_id("therapist-outcomes")).not_to_contain_text(other)
    print(f"\n{who}: {len(funnel_rows)} rows, {marks} funnel marks; {where}")
    print(page.get_by_test_id("icc").inner_text())
    audit(page, f"outcomes as {who}, {YEAR}")
    audit.check()


def test_a_therapist_sees_only_her_own_on_a_phone(team, live_server, new_page: Any):
    page, audit = new_page(**PHONE), Audit("390x844")
    _open(page, live_server, "therapist@example.org")
    expect(page.get_by_test_id("not-placed")).to_contain_text("You are not placed")
    page.goto(f"{live_server.url}/practice/outcomes/?year={YEAR}")
    expect(page.get_by_role("heading", name="Your outcomes beside the practice, for learning"))
    _plots_drawn(page)
    assert _names(page, "funnel-table") == [team["therapist"]]
    assert _names(page, "effects-table") == [team["therapist"]]
    assert page.get_by_test_id("funnel-figure").locator("svg .funnel-mark").count() == 1
    section = page.get_by_test_id("therapist-outcomes")
    for other in [team["supervisee"], *team["others"]]:
        expect(section).not_to_contain_text(other)
    expect(page.get_by_test_id("funnel-table")).to_contain_text("above the expected range")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"scrolls sideways: {width} px"
    audit(page, "outcomes as a therapist")
    audit.check()
