"""The caseload's client's-voice badges, its glossary and the past-clients page, in a browser on
a desktop and a phone, checked with axe (serious or critical violations fail)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from attune.clientportal.models import EndingRequest
from tests.browser.conftest import login
from tests.browser.test_accessibility import VIEWPORTS, Audit
from tests.conftest import make_episode
from tests.test_past_clients import end


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_badges_glossary_and_past_clients(
    new_page: Any, viewport: str, live_server, practice, therapist, episode
):
    EndingRequest.objects.create(
        client=episode.client, episode=episode, reason="", requested_at=timezone.now()
    )
    end(make_episode(practice, "pia.planned@example.org", therapist), days_ago=10)

    page, audit = new_page(**VIEWPORTS[viewport]), Audit(viewport)
    login(page, live_server, therapist.email)
    row = page.get_by_test_id("caseload-row").first
    expect(row.get_by_test_id("client-voice")).to_contain_text("Ending requested")

    glossary = page.get_by_test_id("caseload-glossary")
    glossary.get_by_text("What the labels mean").click()
    expect(glossary.get_by_text("Thinking of stopping", exact=True)).to_be_visible()
    audit(page, "caseload with the glossary open")

    with page.expect_navigation():
        page.get_by_role("link", name="Past clients").click()
    rows = page.get_by_test_id("past-client-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Pia Planned")
    expect(rows.first).to_contain_text("Planned ending")
    audit(page, "past clients")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS[viewport]["viewport"]["width"], width
    audit.check()
