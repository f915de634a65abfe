"""The journey of issue 10: the therapist adds a client → the invitation e-mail → the client
opens the link, chooses a password, signs in and sees the check-in before the first session.
Pages checked with axe on a desktop (therapist) and a phone (client)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, login
from tests.browser.test_accessibility import VIEWPORTS, Audit
from tests.conftest import make_episode
from tests.test_past_clients import end

NEW_PASSWORD = "a-fresh-client-password-42"


def test_add_a_client_then_the_client_sets_a_password_and_sees_the_first_check_in(
    new_page: Any, browser_errors: Any, live_server, practice, therapist
):
    browser_errors.allow(r"status of 400")  # the refused first try, on purpose
    mail.outbox.clear()
    page, audit = new_page(**VIEWPORTS["desktop"]), Audit("desktop")
    login(page, live_server, therapist.email)
    with page.expect_navigation():
        page.get_by_test_id("add-client").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a client")
    audit(page, "add a client")

    # A first try without the time: a message, and the rest is kept.
    day = timezone.localdate() + timedelta(days=1)
    page.get_by_label("Client's name").fill("Nina Newcomer")
    page.get_by_label("Client's e-mail address").fill("nina.newcomer@example.org")
    page.get_by_label("First session: date (optional)").fill(day.isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_test_id("form-error")).to_be_visible()
    expect(page.get_by_label("Client's name")).to_have_value("Nina Newcomer")
    assert not mail.outbox

    page.get_by_label("First session: time (optional)").fill("10:00")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".messages")).to_contain_text("Nina Newcomer is added")
    assert re.search(r"/episodes/\d+/$", page.url), page.url

    [message] = mail.outbox
    assert message.to == ["nina.newcomer@example.org"]
    link = re.search(r"https?://\S+/accounts/reset/\S+/", message.body).group(0)
    path = link[link.index("/accounts/") :]

    phone = new_page(**PHONE)
    phone_audit = Audit("phone")
    phone.goto(f"{live_server.url}{path}")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    phone.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    phone.get_by_label("New password again").fill(NEW_PASSWORD)
    with phone.expect_navigation():
        phone.get_by_role("button", name="Save the password").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your password is saved")
    with phone.expect_navigation():
        phone.get_by_role("main").get_by_role("link", name="Sign in").click()
    phone.fill("#id_username", "nina.newcomer@example.org")
    phone.fill("#id_password", NEW_PASSWORD)
    with phone.expect_navigation():
        phone.get_by_role("button", name="Sign in").click()
    expect(phone).to_have_url(f"{live_server.url}/me/")
    open_forms = phone.get_by_test_id("open-forms")
    check_in = open_forms.get_by_role("link", name=re.compile("Check-in before your session"))
    expect(check_in).to_be_visible()
    phone_audit(phone, "the invited client's first portal home")
    audit.check()
    phone_audit.check()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_new_episode_setting_and_send_now_pages(
    new_page: Any, viewport: str, live_server, practice, therapist, practice_admin, episode
):
    """The other practice-basics pages, checked with axe, on a desktop and a phone: a past
    client's new episode, the new-clients setting, "Send now", the administrator's invitation."""
    returning = make_episode(practice, "rita.returning@example.org", therapist)
    end(returning, days_ago=3)
    page, audit = new_page(**VIEWPORTS[viewport]), Audit(viewport)
    width = VIEWPORTS[viewport]["viewport"]["width"]
    login(page, live_server, therapist.email)

    page.goto(f"{live_server.url}/reminders/not-completed/")
    audit(page, "forms not completed with send now")
    with page.expect_navigation():
        page.get_by_test_id("send-now").first.click()
    expect(page.locator(".messages")).to_contain_text("A link was sent")

    page.goto(f"{live_server.url}/past-clients/")
    with page.expect_navigation():
        page.get_by_test_id("start-new-episode").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rita Returning")
    audit(page, "start a new episode")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    with page.expect_navigation():
        page.get_by_role("button", name="Start the episode").click()
    expect(page.locator(".messages")).to_contain_text("A new episode")

    page.goto(f"{live_server.url}/caseload/")
    with page.expect_navigation():
        page.get_by_test_id("new-clients-setting").click()
    audit(page, "new clients setting")
    page.get_by_label("No, not at the moment").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("not taking new clients")

    admin = new_page(**VIEWPORTS[viewport])
    login(admin, live_server, practice_admin.email)
    with admin.expect_navigation():
        admin.get_by_test_id("admin-add-client").click()
    expect(admin.get_by_label("Therapist")).to_contain_text("not accepting new clients")
    audit(admin, "the administrator's invitation")
    assert admin.evaluate("document.documentElement.scrollWidth") <= width
    audit.check()
