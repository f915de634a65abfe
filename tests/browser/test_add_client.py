"""The journey of issue 10: the therapist adds a client → the invitation e-mail → the client
opens the link, chooses a password, signs in and sees the check-in before the first session.
Pages checked with axe on a desktop (therapist) and a phone (client)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, login
from tests.browser.test_accessibility import VIEWPORTS, Audit

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
