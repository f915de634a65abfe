"""Consultation → offer a time → the person confirms through the private link → after the
consultation the therapist takes the person on as a client → the invitation e-mail; the new
client is on the caseload, the first session is booked from the episode, and the client sets a
password and sees the first check-in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from attune.matching.models import ConsultationRequest, ConsultationStatus
from attune.practice.models import ProblemArea
from tests.browser.conftest import PHONE, login
from tests.browser.test_accessibility import Audit


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def mail_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def link_in(body: str, pattern: str) -> str:
    return re.search(rf"(http://\S+{pattern}\S*)", body).group(1)


def test_consultation_to_client(new_page, live_server, therapist):
    ProblemArea.objects.get(slug="trauma")
    soon = timezone.localtime() + timedelta(days=2)

    # 1. Pat asks Tara for a consultation and gets a receipt at once.
    person = new_page(**PHONE)
    person.goto(f"{live_server.url}/match/consultation/{therapist.pk}/")
    person.get_by_label("Your name").fill("Pat Person")
    person.get_by_label("Your e-mail address").fill("pat.person@example.org")
    person.get_by_label("A time that suits you").fill(soon.strftime("%Y-%m-%dT10:00"))
    person.get_by_label("Another time").fill(soon.strftime("%Y-%m-%dT17:30"))
    mail.outbox.clear()
    with person.expect_navigation():
        person.get_by_role("button", name="Send the request").click()
    expect(person.get_by_test_id("consult-sent")).to_contain_text("on its way")
    [receipt] = mail_to("pat.person@example.org")
    assert "What happens next" in receipt.body

    # 2. Tara sees the count in the navigation and offers the second proposed time.
    tara = new_page()
    login(tara, live_server, therapist.email)
    expect(tara.get_by_test_id("consultations-waiting")).to_have_text("1")
    with tara.expect_navigation():
        tara.get_by_test_id("nav-consultations").click()
    audit, phone_audit = Audit("desktop"), Audit("phone")
    audit(tara, "consultation inbox")
    with tara.expect_navigation():
        tara.get_by_test_id("inbox-waiting").get_by_role("link", name="Pat Person").click()
    audit(tara, "consultation request")
    tara.get_by_label(re.compile("17:30")).check()
    tara.get_by_label("A few words with the offer").fill("We meet in room 2, ground floor.")
    with tara.expect_navigation():
        tara.get_by_role("button", name="Offer this time").click()
    expect(tara.get_by_test_id("status")).to_contain_text("Time offered")
    expect(tara.get_by_test_id("nav-consultations")).to_have_text("Consultations")

    # 3. Pat opens the link of the offer e-mail, reads the note and confirms.
    offer = mail_to("pat.person@example.org")[-1]
    assert "room 2" not in offer.body
    person.goto(link_in(offer.body, "/consultation/"))
    expect(person.get_by_test_id("thread")).to_contain_text("room 2, ground floor")
    phone_audit(person, "the person's private page, a time offered")
    with person.expect_navigation():
        person.get_by_role("button", name="Confirm this time").click()
    expect(person.get_by_test_id("person-status")).to_contain_text("booked")
    person.goto(f"{live_server.url}/f/{'x' * 43}/consultation/")
    expect(person.get_by_test_id("consult-link-unknown")).to_be_visible()
    phone_audit(person, "the person's private page, a wrong link")
    req = ConsultationRequest.objects.get()
    assert req.status == ConsultationStatus.BOOKED

    # 4. After the consultation (marked held), Tara takes Pat on as a client.
    tara.reload()
    expect(tara.get_by_test_id("status")).to_contain_text("Consultation booked")
    audit(tara, "consultation request, booked")
    with tara.expect_navigation():
        tara.get_by_role("button", name="Mark the consultation as held").click()
    mail.outbox.clear()
    with tara.expect_navigation():
        tara.get_by_role("button", name="Take on as client").click()
    expect(tara.get_by_test_id("status")).to_contain_text("Taken on as client")
    [invitation] = mail_to("pat.person@example.org")
    tara.goto(f"{live_server.url}/caseload/")
    expect(tara.locator("main")).to_contain_text("Pat Person")
    audit.check()
    phone_audit.check()

    # 5. The first session is booked from the episode, as for every client.
    tara.goto(f"{live_server.url}/consultations/{req.pk}/")
    with tara.expect_navigation():
        tara.get_by_test_id("open-episode").click()
    with tara.expect_navigation():
        tara.get_by_role("link", name="Schedule next session").click()
    first = timezone.localtime() + timedelta(days=1)
    tara.get_by_label("Date").fill(first.strftime("%Y-%m-%d"))
    tara.get_by_label("Time").fill("10:00")
    with tara.expect_navigation():
        tara.get_by_role("button", name="Book session").click()

    # 6. Pat chooses a password from the invitation, signs in and sees the first check-in.
    client = new_page(**PHONE)
    client.goto(link_in(invitation.body, "/accounts/reset/"))
    client.get_by_label("New password", exact=True).fill("pat-has-a-long-password-7")
    client.get_by_label("New password again").fill("pat-has-a-long-password-7")
    with client.expect_navigation():
        client.get_by_role("button", name="Save the password").click()
    login(client, live_server, "pat.person@example.org", "pat-has-a-long-password-7")
    expect(client).to_have_url(f"{live_server.url}/me/")
    expect(
        client.get_by_test_id("open-forms").get_by_role(
            "link", name=re.compile("Check-in before your session")
        )
    ).to_be_visible()
