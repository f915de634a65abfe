"""The therapist between two sessions: the caseload puts the urgent client first, shows each
client's trend, and leads to a printable progress report."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.conftest import make_episode
from tests.test_workspace import check_in, scores, weekly_sessions


def test_the_urgent_client_comes_first_with_a_trend_and_a_report(
    page, live_server, practice, therapist, episode
):
    # Cleo (the fixture's client) improves steadily; Zara answered the safety item "more than
    # half the days" and must come first although her name sorts later.
    weekly_sessions(episode, 4)
    scores(episode, [18, 16, 15, 12])
    urgent = make_episode(practice, "zara.urgent@example.org", therapist)
    check_in(urgent, item9=2)

    login(page, live_server, therapist.email)
    expect(page).to_have_url(f"{live_server.url}/caseload/")
    rows = page.get_by_test_id("caseload-row")
    expect(rows).to_have_count(2)
    first = rows.nth(0)
    expect(first.get_by_role("rowheader")).to_contain_text("Zara Urgent")
    expect(first).to_contain_text("Safety item")
    second = rows.nth(1)
    expect(second.get_by_role("rowheader")).to_contain_text("Cleo Client")
    expect(second.get_by_role("img", name="PHQ-9 trend: 18, 16, 15, 12")).to_be_visible()

    # Filters: only those needing attention.
    page.get_by_label("Needs attention only").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(page.get_by_test_id("caseload-count")).to_contain_text("Showing 1 of 2")
    with page.expect_navigation():
        page.get_by_role("link", name="Show everyone").click()
    expect(rows).to_have_count(2)

    # The progress report of the improving client, and its Print button.
    with page.expect_navigation():
        second.get_by_role("link", name=re.compile("Progress report")).click()
    expect(page).to_have_url(f"{live_server.url}/episodes/{episode.pk}/report/")
    report = page.get_by_test_id("report")
    expect(report.get_by_role("heading", level=1)).to_have_text("Cleo Client")
    expect(page.get_by_test_id("report-tt-outcome")).to_contain_text("Reliable improvement")
    page.evaluate("window.print = () => { window.__printed = true; }")
    button = page.get_by_role("button", name="Print")
    expect(button).to_be_visible()
    button.click()
    assert page.evaluate("window.__printed === true")

    # On paper: no navigation, no buttons.
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(button).to_be_hidden()
    expect(report.get_by_test_id("report-sessions")).to_be_visible()


def test_the_caseload_reads_as_cards_on_a_phone(phone, live_server, therapist, episode):
    weekly_sessions(episode, 3)
    scores(episode, [14, 12, 9])
    login(phone, live_server, therapist.email)
    row = phone.get_by_test_id("caseload-row").first
    expect(row.get_by_role("img", name="PHQ-9 trend: 14, 12, 9")).to_be_visible()
    # Nothing sticks out sideways: the page is no wider than the phone.
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
