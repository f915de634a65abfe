"""The client's loop on a phone (390×844): check-in, session feedback, the safety answer and what
the therapist then does with the alert. Clicks go to the visible option labels, as a thumb would."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from attune.alerts.models import Alert, AlertStatus
from attune.measures.models import Response
from tests.browser.conftest import login, sign_in_without_the_form

FREQUENCY = ["Not at all", "Several days", "More than half the days", "Nearly every day"]
MODERATE_PHQ9 = [2, 2, 2, 1, 1, 2, 1, 1, 0]  # total 12, "Moderate"
MILD_GAD7 = [1, 1, 1, 1, 1, 1, 1]  # total 7, "Mild"
PHONE_WIDTH = 390


def question(page, item_code):
    return page.locator(f'fieldset[data-item="{item_code}"]')


def choose(page, item_code, label):
    """Tap the visible label of one answer and check that its radio is now selected."""
    item = question(page, item_code)
    item.locator("label.option").get_by_text(label, exact=True).click()
    expect(item.locator("label.option", has_text=re.compile(rf"^{re.escape(label)}$"))
           .get_by_role("radio")).to_be_checked()  # fmt: skip


def answer_check_in(page, phq9, gad7, skip=()):
    for number, value in enumerate(phq9, start=1):
        if f"phq9_{number}" not in skip:
            choose(page, f"phq9_{number}", FREQUENCY[value])
    for number, value in enumerate(gad7, start=1):
        if f"gad7_{number}" not in skip:
            choose(page, f"gad7_{number}", FREQUENCY[value])


def assert_no_horizontal_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"the page is {width}px wide on a {PHONE_WIDTH}px phone"


def open_from_home(page, link_name):
    with page.expect_navigation():
        page.get_by_test_id("open-forms").get_by_role("link", name=re.compile(link_name)).click()


def send(page):
    with page.expect_navigation():
        page.get_by_role("button", name="Send").click()


def start_check_in(phone, live_server, client_user, upcoming):
    login(phone, live_server, client_user.email)
    open_from_home(phone, "Check-in before your session")
    expect(phone).to_have_url(f"{live_server.url}/me/sessions/{upcoming.pk}/check-in/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Check-in before your session")


def test_a_check_in_on_a_phone_is_stored_and_scored(phone, live_server, client_user, upcoming):
    start_check_in(phone, live_server, client_user, upcoming)
    assert_no_horizontal_scroll(phone)
    answer_check_in(phone, MODERATE_PHQ9, MILD_GAD7)
    choose(phone, "phq9_difficulty", "Somewhat difficult")
    choose(phone, "gad7_difficulty", "Not difficult at all")
    assert_no_horizontal_scroll(phone)
    send(phone)

    expect(phone).to_have_url(f"{live_server.url}/me/sessions/{upcoming.pk}/check_in/thanks/")
    expect(phone.get_by_test_id("stored-confirmation")).to_contain_text("check-in")
    expect(phone.get_by_test_id("safety-message")).to_have_count(0)
    assert_no_horizontal_scroll(phone)
    stored = {r.instrument_version.instrument.code: r for r in Response.objects.all()}
    assert set(stored) == {"phq9", "gad7"}
    assert stored["phq9"].score == 12
    assert stored["phq9"].scores["scales"]["total"]["band"] == "Moderate"
    assert stored["phq9"].answers["phq9_difficulty"] == "LA6573-5"
    assert stored["gad7"].score == 7
    assert all(r.session_id == upcoming.pk for r in stored.values())
    assert not Alert.objects.exists()


def test_feedback_with_a_rupture_reveals_and_stores_the_follow_up(
    phone, live_server, client_user, last_attended
):
    login(phone, live_server, client_user.email)
    open_from_home(phone, "Feedback on your session")
    expect(phone).to_have_url(f"{live_server.url}/me/sessions/{last_attended.pk}/feedback/")
    resolved = question(phone, "rupture_resolved")
    expect(resolved).to_be_hidden()  # until a difficult moment is reported
    assert_no_horizontal_scroll(phone)  # the 0–10 scales fit on a phone

    for item, rating in {"bond": 6, "goals": 5, "approach": 4, "overall": 5}.items():
        choose(phone, item, str(rating))
    choose(phone, "rupture", "A little")
    expect(resolved).to_be_visible()
    choose(phone, "rupture_resolved", "Partly")
    choose(phone, "rupture", "No")
    expect(resolved).to_be_hidden()
    choose(phone, "rupture", "A little")
    expect(resolved).to_be_visible()
    expect(resolved.get_by_role("radio", name="Partly")).to_be_checked()
    comment = "I felt rushed at the end."
    phone.locator("#session_feedback-comment").fill(comment)
    assert_no_horizontal_scroll(phone)
    send(phone)

    expect(phone.get_by_test_id("stored-confirmation")).to_contain_text("feedback for the session")
    stored = Response.objects.get()
    assert stored.session_id == last_attended.pk
    assert stored.score == 20
    assert stored.answers["rupture"] == "a_little"
    assert stored.answers["rupture_resolved"] == "partly"
    assert stored.answers["comment"] == comment


def test_no_rupture_hides_the_follow_up_and_drops_its_answer(
    phone, live_server, client_user, last_attended
):
    sign_in_without_the_form(phone, live_server, client_user.email)
    phone.goto(f"{live_server.url}/me/sessions/{last_attended.pk}/feedback/")
    resolved = question(phone, "rupture_resolved")
    for item in ("bond", "goals", "approach", "overall"):
        choose(phone, item, "9")
    choose(phone, "rupture", "Yes")
    choose(phone, "rupture_resolved", "Completely")
    choose(phone, "rupture", "No")
    expect(resolved).to_be_hidden()
    send(phone)

    expect(phone.get_by_test_id("stored-confirmation")).to_be_visible()
    stored = Response.objects.get()
    assert stored.answers["rupture"] == "no"
    assert "rupture_resolved" not in stored.answers


def test_the_safety_answer_reaches_the_therapist_who_follows_it_up(
    phone, new_page, live_server, client_user, upcoming, therapist, episode
):
    start_check_in(phone, live_server, client_user, upcoming)
    answer_check_in(phone, [1] * 9, MILD_GAD7)  # item 9: "Several days"
    send(phone)

    safety = phone.get_by_test_id("safety-message")
    expect(safety).to_be_visible()
    expect(safety).to_contain_text("not watched in real time")
    expect(phone.get_by_test_id("crisis-resources")).to_be_visible()
    expect(phone.get_by_test_id("crisis-resources")).to_contain_text("TelefonSeelsorge")
    assert_no_horizontal_scroll(phone)
    alert = Alert.objects.get()
    assert alert.status == AlertStatus.OPEN

    desk = new_page()
    login(desk, live_server, therapist.email)
    with desk.expect_navigation():
        desk.get_by_test_id("caseload").get_by_role("link", name="Cleo Client").click()
    expect(desk).to_have_url(f"{live_server.url}/episodes/{episode.pk}/")
    # The one action form of this alert: on its card, or in the pinned safety panel at the top
    # when the page has one. Nothing is chosen for the therapist.
    form = desk.locator(f"form[action$='/alerts/{alert.pk}/action/']")
    expect(form).to_have_count(1)
    expect(desk.locator(f"#alert-{alert.pk}")).to_contain_text(
        "Thoughts that you would be better off dead"
    )
    expect(desk.locator(f"#alert-{alert.pk}")).to_contain_text("Several days")
    expect(form.locator("input[type=radio]:checked")).to_have_count(0)
    expect(form.get_by_role("button", name="Discussed in session")).to_have_count(0)

    seen = desk.locator(f"#pinned-alert-{alert.pk}, #alert-{alert.pk}").get_by_role(
        "button", name=re.compile("Mark as seen|Acknowledge")
    )
    with desk.expect_navigation():
        seen.first.click()
    expect(seen).to_have_count(0)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED

    # The pinned card keeps its follow-up form folded (a short card on a phone): open it.
    opener = desk.get_by_test_id("safety-follow-up-open").locator("> summary")
    if opener.count():
        opener.click()
    radio = form.get_by_role("radio", name="Safety follow-up")
    if radio.count():  # the card's form asks what was done; the pinned one is for follow-ups
        radio.check()
    form.locator("input[name=follow_up_instrument]").fill("C-SSRS")
    form.locator("textarea[name=note]").fill(
        "Called the client; C-SSRS screen negative; safety plan reviewed."
    )
    with desk.expect_navigation():
        form.get_by_role("button", name=re.compile("^Record (and close|safety follow-up)")).click()
    alert.refresh_from_db()
    if alert.status != AlertStatus.CLOSED:  # recorded from the panel: it waits in the list
        with desk.expect_navigation():
            desk.locator(f"#alert-{alert.pk}").get_by_role(
                "button", name="Close (action already recorded)"
            ).click()
    expect(desk.get_by_test_id("alert")).to_have_count(0)  # nothing left to do
    closed = desk.get_by_test_id("closed-alert")
    expect(closed).to_have_count(1)
    expect(closed.locator("summary")).to_contain_text("Safety follow-up")
    trail = closed.locator("ol.trail > li")
    expect(trail).to_have_count(4)
    expect(trail.nth(0)).to_contain_text("Opened")
    expect(trail.nth(1)).to_contain_text("Acknowledged by Tara Therapist")
    expect(trail.nth(2)).to_contain_text(
        "Action recorded by Tara Therapist: Safety follow-up (C-SSRS) — Called the client"
    )
    expect(trail.nth(3)).to_contain_text("Closed by Tara Therapist")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED


def test_an_unanswered_question_is_pointed_out_and_the_rest_is_kept(
    phone, browser_errors, live_server, client_user, upcoming
):
    browser_errors.allow(r"status of 400 \(Bad Request\)")  # the refused form comes back as 400
    start_check_in(phone, live_server, client_user, upcoming)
    answer_check_in(phone, MODERATE_PHQ9, MILD_GAD7, skip={"phq9_3"})
    send(phone)

    expect(phone.locator("#form-error")).to_be_focused()
    expect(question(phone, "phq9_3")).to_contain_text("Please choose an answer.")
    expect(question(phone, "phq9_3").get_by_role("radio", checked=True)).to_have_count(0)
    expect(question(phone, "phq9_1").get_by_role("radio", name="More than half the days"))\
        .to_be_checked()  # fmt: skip
    expect(question(phone, "gad7_7").get_by_role("radio", name="Several days")).to_be_checked()
    expect(phone.get_by_role("radio", checked=True)).to_have_count(15)
    assert not Response.objects.exists()

    choose(phone, "phq9_3", "More than half the days")
    send(phone)
    expect(phone.get_by_test_id("stored-confirmation")).to_be_visible()
    assert Response.objects.get(instrument_version__instrument__code="phq9").score == 12


def test_the_check_in_can_be_answered_with_the_keyboard(phone, live_server, client_user, upcoming):
    start_check_in(phone, live_server, client_user, upcoming)
    focused_name = "document.activeElement && document.activeElement.name"
    for _ in range(20):
        phone.keyboard.press("Tab")
        if phone.evaluate(focused_name) == "phq9-phq9_1":
            break
    else:
        raise AssertionError("Tab never reached the first question")
    first = question(phone, "phq9_1")
    expect(first.get_by_role("radio", name="Not at all")).to_be_focused()

    phone.keyboard.press("Space")
    expect(first.get_by_role("radio", name="Not at all")).to_be_checked()
    phone.keyboard.press("ArrowDown")
    expect(first.get_by_role("radio", name="Several days")).to_be_checked()
    expect(first.get_by_role("radio", name="Several days")).to_be_focused()
    phone.keyboard.press("ArrowRight")
    expect(first.get_by_role("radio", name="More than half the days")).to_be_checked()
    expect(first.get_by_role("radio", checked=True)).to_have_count(1)

    phone.keyboard.press("Tab")  # on to the next question, not through the options
    assert phone.evaluate(focused_name) == "phq9-phq9_2"
