"""The API tokens page in a browser (issue 14): create a token, see it once, use it, revoke
it; axe on the page and on the API reference, under the production CSP."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in_without_the_form
from tests.browser.test_accessibility import VIEWPORTS, Audit


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    return request.param


def test_create_use_and_revoke_a_token(
    new_page: Any, viewport: str, browser_errors: Any, live_server: Any, therapist: Any, episode
) -> None:
    import urllib.request

    page = new_page(**VIEWPORTS[viewport])
    audit = Audit(viewport)
    sign_in_without_the_form(page, live_server, therapist.email)
    page.goto(f"{live_server.url}/api-tokens/")
    expect(page.get_by_test_id("no-tokens")).to_be_visible()
    audit(page, "tokens, none yet")
    page.get_by_label("What is it for?").fill("Record system")
    page.get_by_label("Access").select_option("read")
    with page.expect_navigation():
        page.get_by_role("button", name="Create token").click()
    raw = page.get_by_test_id("token-value").inner_text()
    assert raw.startswith("attune_pat_")
    audit(page, "token created")

    def call() -> int:
        request = urllib.request.Request(  # noqa: S310 - the test server
            f"{live_server.url}/api/v1/clients", headers={"Authorization": f"Bearer {raw}"}
        )
        try:
            with urllib.request.urlopen(request) as answer:  # noqa: S310 - the test server
                return int(answer.status)
        except urllib.error.HTTPError as error:
            return error.code

    assert call() == 200
    page.goto(f"{live_server.url}/api-tokens/")
    expect(page.get_by_test_id("token-value")).to_have_count(0)  # shown once
    with page.expect_navigation():
        page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_test_id("token-table")).to_contain_text("Revoked")
    audit(page, "token revoked")
    assert call() == 401
    with page.expect_navigation():
        page.get_by_role("button", name="Make a calendar address").click()
    feed_url = page.get_by_test_id("feed-url").inner_text()
    assert "/calendar/cal_" in feed_url and feed_url.endswith(".ics")
    audit(page, "calendar address made")
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.get_by_test_id("api-operations")).to_contain_text("/api/v1/alerts")
    audit(page, "API reference")
    audit.check()
    assert browser_errors.unexpected() == []
