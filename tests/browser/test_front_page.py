"""Issue 12: the front page a visitor meets on a phone (390×844), the demo logins box in demo
mode, and a signed-in person sent on to their own home; axe-core finds nothing serious."""

from __future__ import annotations

from playwright.sync_api import expect

from attune.accounts.demo_logins import DEMO_LOGINS, DEMO_PASSWORD
from tests.browser.conftest import sign_in_without_the_form
from tests.browser.test_accessibility import Audit


def _fits_the_phone(page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px phone"


def test_a_visitor_on_a_phone_finds_every_way_in(phone, live_server, practice, settings):
    settings.ATTUNE_DEMO = False
    phone.goto(f"{live_server.url}/")
    expect(phone.get_by_role("heading", level=1, name="Test Practice")).to_be_visible()
    expect(phone.get_by_test_id("practice-welcome")).to_be_visible()
    match = phone.get_by_test_id("front-match")
    expect(match).to_be_visible()
    # The two ways to a therapist are on the first screen.
    assert match.bounding_box()["y"] + match.bounding_box()["height"] <= 844
    for testid in ("front-directory", "front-approaches", "front-articles", "front-sign-in"):
        expect(phone.get_by_test_id(testid)).to_be_visible()
    crisis = phone.get_by_test_id("front-crisis")
    expect(crisis.get_by_role("link", name="112")).to_have_attribute("href", "tel:112")
    expect(crisis.get_by_role("link", name="0800 111 0 111")).to_have_attribute(
        "href", "tel:08001110111"
    )
    expect(phone.get_by_test_id("demo-logins")).to_have_count(0)
    _fits_the_phone(phone)
    audit = Audit("phone")
    audit(phone, "front page")

    with phone.expect_navigation():
        match.click()
    assert phone.url.endswith("/match/")
    phone.go_back()
    with phone.expect_navigation():
        phone.get_by_test_id("front-sign-in").click()
    assert phone.url.endswith("/accounts/login/")
    audit.check()


def test_in_demo_mode_a_box_lists_the_demo_logins(phone, live_server, practice, settings):
    settings.ATTUNE_DEMO = True
    phone.goto(f"{live_server.url}/")
    expect(phone.get_by_test_id("demo-notice")).to_be_visible()
    phone.get_by_test_id("demo-notice").get_by_role("link").click()
    box = phone.get_by_test_id("demo-logins")
    expect(box).to_be_in_viewport()
    expect(box.get_by_role("heading", name="Try the demo")).to_be_visible()
    expect(box).to_contain_text(DEMO_PASSWORD)
    for email, _ in DEMO_LOGINS:
        expect(box.get_by_text(email, exact=True)).to_be_visible()
    _fits_the_phone(phone)
    audit = Audit("phone")
    audit(phone, "front page, demo mode")
    phone.goto(f"{live_server.url}/accounts/login/")
    expect(phone.get_by_test_id("demo-logins")).to_be_visible()
    audit(phone, "sign in, demo mode")
    audit.check()


def test_signed_in_people_go_on_to_their_home(phone, live_server, client_user, therapist):
    sign_in_without_the_form(phone, live_server, client_user.email)
    phone.goto(f"{live_server.url}/")
    assert phone.url == f"{live_server.url}/me/"
    expect(phone.get_by_test_id("practice-name")).to_have_count(0)
