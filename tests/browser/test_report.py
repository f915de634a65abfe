"""The printable report in a browser: the outcome chart is drawn without a script and without a
CSP complaint, sits in the first screen on a desktop and a phone, prints, and the version links
lead to the client's and the colleague's versions."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, sign_in_without_the_form
from tests.test_workspace import scores, weekly_sessions


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_chart_is_in_the_first_screen_and_prints(
    new_page, live_server, therapist, episode, device
):
    weekly_sessions(episode, 6)
    scores(episode, [18, 16, 15, 12, 10, 8], gad7=[12, 11, 9, 8, 7, 6])
    page = new_page(**(PHONE if device == "phone" else {}))
    sign_in_without_the_form(page, live_server, therapist.email)
    page.goto(f"/episodes/{episode.pk}/report/")

    chart = page.get_by_role("img", name="Questionnaire scores by session (lower is better)")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300
    assert box["y"] < page.viewport_size["height"], box  # starts within the first screen
    expect(page.locator('[data-testid="report-chart"] .report-point')).to_have_count(12)

    # The version links: the client's version has no alerts section and says it in words.
    with page.expect_navigation():
        page.get_by_role("link", name="For the client").click()
    expect(page.get_by_test_id("report-kind")).to_contain_text("for you")
    expect(page.get_by_test_id("report-progress")).to_contain_text("PHQ-9 (depression)")
    expect(page.get_by_role("heading", name="Alerts and what was done")).to_have_count(0)
    with page.expect_navigation():
        page.get_by_role("link", name="For a colleague or GP").click()
    expect(page.get_by_test_id("report-risk-note")).to_be_visible()

    # On paper: the chart, not the version links.
    page.emulate_media(media="print")
    expect(page.get_by_test_id("report-chart")).to_be_visible()
    expect(page.get_by_test_id("report-audiences")).to_be_hidden()
