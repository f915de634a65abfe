"""A therapist sets up an authenticator app at her first sign-in, then signs in with her
password and the six-digit code (MFA on, as everywhere but the demo)."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.browser.test_accessibility import Audit
from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _mfa_required(settings):
    settings.ATTUNE_REQUIRE_MFA = True


def totp_code(secret: str) -> str:
    """The authenticator app's code now — or, in a step's last 5 seconds, the next step's code
    once it has begun: a code made at 29.9 s is stale by the time the server checks it (allauth
    accepts the current step only), which made this test fail now and then."""
    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30 + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_a_therapist_sets_up_totp_then_signs_in_with_password_and_code(
    page, live_server, therapist, client_user
):
    audit = Audit("desktop")  # axe on every sign-in page on the way
    login(page, live_server, therapist.email)
    expect(page).to_have_url(f"{live_server.url}/accounts/2fa/")
    audit(page, "MFA set-up required")
    expect(page.get_by_test_id("mfa-required")).to_contain_text("required for your role")
    # Nothing clinical until the second step is set up.
    page.goto(f"{live_server.url}/caseload/")
    expect(page).to_have_url(f"{live_server.url}/accounts/2fa/")

    with page.expect_navigation():
        page.get_by_role("link", name="Activate").click()
    page.fill("#id_password", PASSWORD)  # allauth asks for the password again first
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    expect(page.get_by_role("img")).to_be_visible()  # the QR code, from a data: address
    audit(page, "activate the authenticator app")
    secret = page.locator("#authenticator_secret").input_value()
    page.fill("#id_code", totp_code(secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Activate").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    audit(page, "recovery codes, shown once")

    page.goto(f"{live_server.url}/caseload/")
    expect(page.get_by_test_id("caseload")).to_contain_text("Cleo Client")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()

    login(page, live_server, therapist.email)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    expect(page.get_by_test_id("signed-in-as")).to_have_count(0)
    audit(page, "second step")
    page.fill("#id_code", totp_code(secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/caseload/")
    expect(page.get_by_test_id("signed-in-as")).to_have_text("Tara Therapist")
    audit.check()


def test_the_demo_sign_in_page_says_mfa_is_off(page, live_server, settings):
    settings.ATTUNE_REQUIRE_MFA = False
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_test_id("mfa-off")).to_contain_text("Demo mode")
    audit = Audit("desktop")
    audit(page, "sign in, demo mode")
    audit.check()


def test_a_supervisor_adds_a_passkey_then_signs_in_with_it(
    page, live_server, supervisor, therapist
):
    """Chromium's virtual authenticator stands in for a phone or a security key."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    login(page, live_server, supervisor.email)
    expect(page).to_have_url(f"{live_server.url}/accounts/2fa/")
    page.goto(f"{live_server.url}/accounts/2fa/webauthn/add/")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/webauthn/add/"))
    page.fill("#id_name", "Laptop")
    page.check("#id_passwordless")
    with page.expect_navigation():
        page.get_by_role("button", name="Add").click()
    page.goto(f"{live_server.url}/supervision/")
    expect(page).to_have_url(f"{live_server.url}/supervision/")

    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server.url}/accounts/login/")
    with page.expect_navigation():
        page.get_by_role("button", name="Use a passkey").click()
    expect(page).to_have_url(f"{live_server.url}/supervision/")
    expect(page.get_by_test_id("signed-in-as")).to_have_text("Sam Supervisor")
