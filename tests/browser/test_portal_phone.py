"""The client's own pages on a phone (390×844): answers kept through a reload, the feedback
composer's three choices, and rating a goal."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from attune.care.models import Goal, GoalRating
from attune.clientportal.models import FeedbackMessage, Intent
from attune.measures.models import Response
from tests.browser.conftest import login, sign_in_without_the_form
from tests.browser.test_check_in_journey import (
    FREQUENCY,
    MILD_GAD7,
    MODERATE_PHQ9,
    answer_check_in,
    assert_no_horizontal_scroll,
    choose,
    question,
    send,
)

SAVED_KEYS = "Object.keys(sessionStorage).filter(k => k.startsWith('attune:'))"


def checked(page, item_code, label):
    item = question(page, item_code)
    return item.locator("label.option", has_text=re.compile(rf"^{re.escape(label)}$")).get_by_role(
        "radio"
    )


def test_a_reload_in_the_middle_of_a_check_in_keeps_the_answers(
    phone, live_server, client_user, upcoming
):
    sign_in_without_the_form(phone, live_server, client_user.email)
    phone.goto(f"{live_server.url}/me/sessions/{upcoming.pk}/check-in/")
    for number in range(1, 5):
        choose(phone, f"phq9_{number}", FREQUENCY[MODERATE_PHQ9[number - 1]])
    phone.reload()
    for number in range(1, 5):
        expect(
            checked(phone, f"phq9_{number}", FREQUENCY[MODERATE_PHQ9[number - 1]])
        ).to_be_checked()
    expect(question(phone, "phq9_5").get_by_role("radio", checked=True)).to_have_count(0)

    # Away and back (the back button re-loads the page: clinical pages are never cached).
    phone.goto(f"{live_server.url}/me/")
    phone.go_back()
    expect(checked(phone, "phq9_4", FREQUENCY[MODERATE_PHQ9[3]])).to_be_checked()

    answer_check_in(phone, MODERATE_PHQ9, MILD_GAD7)
    send(phone)
    expect(phone.get_by_test_id("stored-confirmation")).to_contain_text("check-in")
    assert Response.objects.count() == 2
    # Stored: nothing of the answers stays behind in the tab.
    phone.wait_for_load_state("load")
    assert phone.evaluate(SAVED_KEYS) == []


def test_a_refused_form_keeps_the_answers_and_announces_the_problem(
    phone, live_server, client_user, upcoming, browser_errors
):
    browser_errors.allow(r"status of 400")
    sign_in_without_the_form(phone, live_server, client_user.email)
    phone.goto(f"{live_server.url}/me/sessions/{upcoming.pk}/check-in/")
    answer_check_in(phone, MODERATE_PHQ9, MILD_GAD7, skip=("phq9_3",))
    send(phone)
    summary = phone.locator("#form-error")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(1)
    expect(checked(phone, "phq9_2", FREQUENCY[MODERATE_PHQ9[1]])).to_be_checked()
    choose(phone, "phq9_3", FREQUENCY[MODERATE_PHQ9[2]])
    phone.reload()  # a reload after a refused form still keeps everything
    expect(checked(phone, "phq9_3", FREQUENCY[MODERATE_PHQ9[2]])).to_be_checked()
    expect(checked(phone, "gad7_7", FREQUENCY[MILD_GAD7[6]])).to_be_checked()


def write(phone, live_server, words, intent_label):
    phone.goto(f"{live_server.url}/me/composer/")
    box = phone.get_by_label("What would you like to say?")
    box.fill(words)
    phone.get_by_role("radio", name=intent_label).check()
    with phone.expect_navigation():
        phone.get_by_role("button", name="Save", exact=True).click()
    return FeedbackMessage.objects.order_by("-pk").first()


def test_the_composer_offers_three_choices_on_a_phone(phone, live_server, client_user, episode):
    login(phone, live_server, client_user.email)
    with phone.expect_navigation():
        phone.get_by_role("link", name="Put it into words").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Put it into words")
    assert_no_horizontal_scroll(phone)

    # A sentence starter goes into the message with its first gap selected; typing fills it.
    phone.get_by_role("button", name="When …, I felt …. What would help is …").click()
    box = phone.get_by_label("What would you like to say?")
    expect(box).to_be_focused()
    phone.keyboard.type("you checked the time")
    expect(box).to_have_value("When you checked the time, I felt …. What would help is …")
    phone.reload()  # the words survive a reload
    expect(box).to_have_value("When you checked the time, I felt …. What would help is …")

    phone.get_by_role("radio", name="Share it now").check()
    with phone.expect_navigation():
        phone.get_by_role("button", name="Save", exact=True).click()
    expect(phone.get_by_test_id("message-status")).to_contain_text("Shared with your therapist")
    shared = FeedbackMessage.objects.get()
    assert shared.intent == Intent.SHARE_NOW and shared.shared_at is not None
    assert shared.text.startswith("When you checked the time")
    assert phone.evaluate(SAVED_KEYS) == []  # stored: the tab keeps nothing

    nxt = write(
        phone, live_server, "I'd like more time on my work stress.", "Bring it up next session"
    )
    expect(phone.get_by_test_id("message-status")).to_contain_text("not your words")
    assert nxt.intent == Intent.NEXT_SESSION and nxt.shared_at is None

    draft = write(
        phone, live_server, "Not sure I want to say this yet.", "Keep it as a private draft"
    )
    expect(phone.get_by_test_id("message-status")).to_contain_text("only you can see it")
    assert draft.intent == Intent.DRAFT and draft.shared_at is None
    assert_no_horizontal_scroll(phone)

    # The draft can be shared later, from its own page.
    with phone.expect_navigation():
        phone.get_by_role("button", name="Share it now").click()
    expect(phone.get_by_test_id("message-status")).to_contain_text("Shared with your therapist")
    draft.refresh_from_db()
    assert draft.intent == Intent.SHARE_NOW and draft.shared_at is not None


def test_rating_a_goal_on_a_phone(phone, live_server, client_user, episode):
    Goal.objects.create(episode=episode, description="Go back to work part-time")
    Goal.objects.create(episode=episode, description="See friends once a week")
    goal = Goal.objects.create(episode=episode, description="Sleep through the night")
    login(phone, live_server, client_user.email)
    with phone.expect_navigation():
        phone.get_by_test_id("more").get_by_role("link", name="Your goals").click()
    card = phone.get_by_test_id(f"goal-{goal.pk}")
    expect(card.get_by_role("group", name="Sleep through the night")).to_be_visible()
    card.locator("label.option").get_by_text("7", exact=True).click()
    assert_no_horizontal_scroll(phone)
    with phone.expect_navigation():
        card.get_by_role("button", name="Save my rating").click()
    # The confirmation is where the person is looking: next to the goal, on screen, focused.
    saved = phone.get_by_test_id(f"goal-{goal.pk}").get_by_test_id("saved-here")
    expect(saved).to_contain_text("your rating of 7 is saved")
    expect(saved).to_be_in_viewport()
    expect(saved).to_be_focused()
    expect(phone.locator(".messages")).to_have_count(0)
    expect(phone.get_by_test_id(f"goal-{goal.pk}").get_by_test_id("latest-rating")).to_contain_text(
        "7 of 10"
    )
    assert GoalRating.objects.get(goal=goal).rating == 7
