"""Issue 10's supervision journey on the demo: the supervisor opens the queue of a supervisee,
opens a client's page from it, writes a recommendation; the therapist signs in and sees it on
the episode's trail, and marks it read. On a desktop and on a phone."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from attune.accounts.demo_logins import DEMO_PASSWORD
from attune.accounts.models import User
from attune.supervision.models import SupervisionNote
from tests.browser.conftest import login, sign_in_without_the_form
from tests.browser.test_accessibility import VIEWPORTS, Audit

RECOMMENDATION = "Ask him what an ending would mean to him before deciding anything."


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_recommendation_reaches_the_therapist(
    new_page: Any, live_server: Any, demo: Any, viewport: str
):
    therapist = User.objects.get(email="therapist@example.org")
    device, audit = VIEWPORTS[viewport], Audit(viewport)
    page = new_page(**device)
    login(page, live_server, "supervisor@example.org", DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/supervision/")
    audit(page, "supervision home")
    row = page.get_by_test_id("supervisee-row").filter(has_text=therapist.display_name)
    with page.expect_navigation():
        row.get_by_test_id("to-discuss").click()
    queue = page.get_by_test_id("supervision-queue")
    brought = queue.locator('[data-reason="brought_to_supervision"]').first
    expect(brought).to_contain_text("How do I raise an early ending")
    expect(page.get_by_test_id("case-mix")).to_contain_text("active client")
    audit(page, "a supervisee's queue and figures")
    client_name = brought.get_by_role("link").inner_text()
    with page.expect_navigation():
        brought.get_by_role("link").click()

    section = page.get_by_test_id("supervision")
    form = section.get_by_test_id("supervision-form")
    if not form.get_by_label("What we discussed").is_visible():  # closed when notes exist
        form.locator("summary").click()
    form.get_by_label("What we discussed").fill("His wish to stop and what it protects.")
    form.get_by_label("Recommendation").fill(RECOMMENDATION)
    with page.expect_navigation():
        form.get_by_role("button", name="Save the supervision note").click()
    expect(page.get_by_role("status")).to_contain_text("Supervision note saved")
    assert SupervisionNote.objects.filter(recommendation=RECOMMENDATION).count() == 1
    episode_url = page.url.split("#")[0]

    page.get_by_role("button", name="Sign out").click()
    sign_in_without_the_form(page, live_server, therapist.email, DEMO_PASSWORD)
    page.goto(episode_url)
    expect(page.get_by_role("heading", level=1)).to_contain_text(client_name)
    note = page.get_by_test_id("supervision-note").filter(has_text=RECOMMENDATION)
    expect(note).to_be_visible()
    expect(note.get_by_test_id("supervision-note-status")).to_have_text("Not read yet")
    expect(page.get_by_test_id("supervision-form")).to_have_count(0)
    with page.expect_navigation():
        note.get_by_role("button", name="Mark as read").click()
    note = page.get_by_test_id("supervision-note").filter(has_text=RECOMMENDATION)
    expect(note.get_by_test_id("supervision-note-status")).to_have_text("Read")
    audit(page, "the episode page with the supervision note")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= device["viewport"]["width"], width
    audit.check()
