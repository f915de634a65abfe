"""The safety answer on a phone when the rest of the form is not finished: kept at once, the
crisis contacts first, every answer still selected; then the therapist finds it pinned first and
records the follow-up from there."""

from __future__ import annotations

from playwright.sync_api import expect

from attune.alerts.models import Alert, AlertStatus
from attune.measures.models import Response
from tests.browser.conftest import login
from tests.browser.test_check_in_journey import (
    MILD_GAD7,
    answer_check_in,
    assert_no_horizontal_scroll,
    choose,
    question,
    send,
    start_check_in,
)


def test_a_partial_check_in_keeps_the_safety_answer_and_the_therapist_acts_on_it(
    phone, new_page, live_server, client_user, upcoming, therapist, episode, browser_errors
):
    browser_errors.allow(r"status of 400 \(Bad Request\)")  # the form comes back with its errors
    start_check_in(phone, live_server, client_user, upcoming)
    answer_check_in(phone, [1] * 8 + [3], MILD_GAD7, skip={"gad7_4"})
    send(phone)

    safety = phone.get_by_test_id("safety-message")
    expect(safety).to_be_visible()
    expect(safety).to_contain_text("within 4 hours")
    expect(phone.get_by_test_id("crisis-resources").first).to_be_visible()
    expect(question(phone, "gad7_4").locator(".error")).to_contain_text("Please choose an answer")
    expect(question(phone, "phq9_9").get_by_role("radio", name="Nearly every day")).to_be_checked()
    assert_no_horizontal_scroll(phone)
    kept = Response.all_objects.get(instrument_version__instrument__code="phq9")
    assert kept.complete is False
    assert Alert.objects.get().status == AlertStatus.OPEN

    choose(phone, "gad7_4", "Several days")
    send(phone)
    expect(phone.get_by_test_id("stored-confirmation")).to_contain_text("check-in")
    expect(phone.get_by_test_id("safety-message")).to_be_visible()
    assert Response.all_objects.get(pk=kept.pk).complete is True
    assert Alert.objects.count() == 1

    desk = new_page()
    login(desk, live_server, therapist.email)
    pinned = desk.get_by_test_id("pinned-alerts")
    expect(pinned).to_contain_text("Cleo Client")
    expect(pinned.get_by_test_id("came-in")).to_contain_text("today")
    with desk.expect_navigation():
        pinned.get_by_role("link", name="Cleo Client").click()
    panel = desk.get_by_test_id("pinned-alerts")
    expect(panel).to_contain_text("Urgent")
    # The follow-up form opens in place (the pinned card stays short on a phone).
    panel.get_by_test_id("safety-follow-up-open").locator("> summary").click()
    panel.get_by_label("Instrument used (e.g. C-SSRS, ASQ)").fill("C-SSRS")
    with desk.expect_navigation():
        panel.get_by_role("button", name="Record safety follow-up").click()
    expect(desk.get_by_test_id("pinned-alerts")).to_have_count(0)
    assert Alert.objects.get().status == AlertStatus.ACTION_RECORDED
