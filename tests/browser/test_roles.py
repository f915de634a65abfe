"""Each role signs in through the real login page and lands on its own home page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.conftest import PASSWORD


def test_the_client_lands_on_her_portal_with_the_open_forms(page, live_server, client_user):
    login(page, live_server, client_user.email)
    expect(page).to_have_url(f"{live_server.url}/me/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello Cleo")
    forms = page.get_by_test_id("open-forms")
    expect(
        forms.get_by_role("link", name=re.compile("Check-in before your session"))
    ).to_be_visible()
    expect(forms.get_by_role("link", name=re.compile("Feedback on your session"))).to_be_visible()


def test_the_therapist_lands_on_her_caseload(page, live_server, therapist, client_user):
    login(page, live_server, therapist.email)
    expect(page).to_have_url(f"{live_server.url}/caseload/")
    expect(page.get_by_test_id("caseload")).to_contain_text("Cleo Client")
    expect(page.get_by_test_id("signed-in-as")).to_have_text("Tara Therapist")


def test_the_supervisor_lands_on_supervision_listing_the_therapist(
    page, live_server, supervisor, therapist, client_user
):
    login(page, live_server, supervisor.email)
    expect(page).to_have_url(f"{live_server.url}/supervision/")
    row = page.get_by_test_id("supervisees").get_by_role("row", name=re.compile("Tara Therapist"))
    expect(row).to_be_visible()
    expect(row.get_by_role("cell").first).to_have_text("1")  # one active client


def test_the_practice_admin_lands_on_the_practice_overview(
    page, live_server, practice_admin, client_user
):
    login(page, live_server, practice_admin.email)
    expect(page).to_have_url(f"{live_server.url}/practice/")
    overview = page.get_by_test_id("practice-overview")
    expect(overview).to_be_visible()
    expect(overview).to_contain_text("Clients")


def test_a_wrong_password_shows_the_error_and_stays_on_the_login_page(
    page, live_server, client_user
):
    login(page, live_server, client_user.email, password=PASSWORD + "-wrong")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("alert")).to_have_text(
        "That e-mail and password don't match. Please try again."
    )
    expect(page.locator("#id_username")).to_have_value(client_user.email)
    expect(page.get_by_test_id("signed-in-as")).to_have_count(0)


def test_signing_out_ends_the_session(page, live_server, therapist):
    login(page, live_server, therapist.email)
    expect(page).to_have_url(f"{live_server.url}/caseload/")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_test_id("signed-in-as")).to_have_count(0)
    # Signed out, the caseload sends the visitor back to the login page.
    page.goto(f"{live_server.url}/caseload/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/caseload/$"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
