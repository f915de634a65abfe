"""A CBT therapist writes her private note with the session's check-in and feedback beside it,
on a desktop and on a phone: no transference checklist, her own reactions and a question for
supervision."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from attune.care.submission import submit_form
from attune.notes.models import ProcessNote
from attune.practice.models import Modality
from tests.answers import FREQUENCY
from tests.browser.conftest import sign_in_without_the_form

COMMENT = "I felt rushed at the end."


@pytest.fixture
def cbt_session(therapist, episode):
    cbt, _ = Modality.objects.get_or_create(slug="cbt", defaults={"name": "CBT"})
    therapist.therapist_profile.modalities.set([cbt])
    session = episode.sessions.get(number=1)
    phq9 = {f"phq9_{i}": FREQUENCY[1] for i in range(1, 10)}  # total 9, item 9 "several days"
    gad7 = {f"gad7_{i}": FREQUENCY[1] for i in range(1, 8)}
    feedback = {"bond": 8, "goals": 6, "approach": 7, "overall": 7, "rupture": "no"}
    feedback["comment"] = COMMENT
    for phase, answers in (
        ("check_in", {"phq9": phq9, "gad7": gad7}),
        ("feedback", {"session_feedback": feedback}),
    ):
        result = submit_form(
            episode=episode, session=session, respondent=episode.client.user, phase=phase,
            answers=answers, idempotency_key=uuid.uuid4(),
        )  # fmt: skip
        assert result.ok, result.errors
    return session


@pytest.mark.parametrize("device", ["page", "phone"])
def test_a_cbt_therapist_writes_her_note_beside_the_sessions_forms(
    request, device, live_server, therapist, cbt_session
):
    page = request.getfixturevalue(device)
    sign_in_without_the_form(page, live_server, therapist.email)
    page.goto(f"{live_server.url}/notes/sessions/{cbt_session.pk}/")
    side = page.get_by_test_id("session-forms")
    expect(side.get_by_test_id("session-check-in")).to_contain_text("PHQ-9 9/27")
    expect(side.get_by_test_id("item9-flag")).to_contain_text("Several days")
    expect(side.get_by_test_id("session-feedback-comment")).to_contain_text(COMMENT)
    form = page.get_by_test_id("private-note-form")
    expect(form).not_to_contain_text("ransference")
    if device == "page":  # side by side on a desktop, one under the other on a phone
        form_box, side_box = form.bounding_box(), side.bounding_box()
        assert side_box["x"] > form_box["x"] + form_box["width"] - 1
        assert abs(side_box["y"] - form_box["y"]) < 40  # level with the form, not below it
    else:
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.get_by_label("Process note").fill("Avoided the exposure task again.")
    page.get_by_label("My own reactions").fill("Impatient.")
    page.get_by_label("What to take to supervision").fill("Pace of the hierarchy?")
    with page.expect_navigation():
        page.get_by_role("button", name="Save private note").click()
    expect(page.get_by_test_id("note-supervision")).to_have_text("Pace of the hierarchy?")
    assert "Pace of the hierarchy" not in ProcessNote.objects.get().ciphertext
