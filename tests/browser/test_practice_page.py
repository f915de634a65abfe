"""The practice administrator's page on the demo, on a desktop and on a phone (390×844): every
section is there with the demo's waiting requests, nothing scrolls sideways, and axe finds no
serious or critical violation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from attune.accounts.demo_logins import DEMO_PASSWORD
from tests.browser.conftest import PHONE, login
from tests.browser.test_accessibility import Audit

SCREENS = {"1280x900": {"viewport": {"width": 1280, "height": 900}}, "390x844": PHONE}


@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_practice_page_on_the_demo(demo, live_server, new_page: Any, screen: str):
    page, audit = new_page(**SCREENS[screen]), Audit(screen)
    login(page, live_server, "admin@example.org", DEMO_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/practice/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Practice administration")
    expect(page.get_by_test_id("practice-now")).to_contain_text("time zone")

    # The demo's waiting requests: one deletion request, three consultations for two therapists.
    expect(page.get_by_test_id("deletion-row")).to_have_count(1)
    expect(page.get_by_test_id("deletion-row").first).to_contain_text("4 days")
    consultations = page.get_by_test_id("consultation-row")
    expect(consultations).to_have_count(2)
    expect(consultations.first).to_contain_text("6 days")  # the longest wait first
    expect(page.get_by_test_id("failed-reminder")).to_have_count(2)
    expect(page.get_by_test_id("completion-total")).to_contain_text("%")
    expect(page.get_by_test_id("capacity-row")).to_have_count(8)
    expect(page.get_by_test_id("outcome-finished")).to_be_visible()
    expect(page.get_by_test_id("practice-overview")).to_be_visible()

    # "On this page" reaches each section.
    page.get_by_role("link", name="Outcomes").click()
    expect(
        page.get_by_role("heading", name=re.compile(r"^Outcomes, 20\d\d-\d\d$"))
    ).to_be_in_viewport()

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SCREENS[screen]["viewport"]["width"], f"scrolls sideways: {width} px"
    audit(page, "practice page")
    audit.check()
