"""The feedback composer and the ending request: what the therapist sees of each choice, and
bad input that keeps the client's words."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from attune.alerts.evaluation import evaluate_episode
from attune.alerts.models import Alert
from attune.care.endings import end_episode
from attune.care.form_windows import exit_form_is_open
from attune.care.models import Attendance
from attune.clientportal.models import EndingRequest, FeedbackMessage, Intent
from attune.measures.models import Phase, Response
from attune.portal.queries import exit_forms, feedback_for_therapist
from tests.answers import store_feedback_without_evaluation
from tests.care_helpers import exit_post
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

WORDS = "When you looked at the clock, I felt I was too much. What would help is to say so."


def compose(client, text=WORDS, intent="share_now", share_at_session=False, key=None):
    post = {"text": text, "intent": intent, "idempotency_key": str(key or uuid.uuid4())}
    if share_at_session:
        post["share_at_session"] = "on"
    return client.post(reverse("portal:composer"), post)


def therapist_view(episode) -> tuple[list, str]:
    items = feedback_for_therapist(episode)
    return items, render_to_string(
        "workspace/episode/_client_messages.html", {"client_messages": items, "episode": episode}
    )


def take_place(session):
    """The session the message was kept for takes place (the messages were written the day
    before it)."""
    now = timezone.now()
    FeedbackMessage.objects.update(
        created_at=now - timedelta(days=1), updated_at=now - timedelta(days=1)
    )
    session.scheduled_at = now - timedelta(hours=2)
    session.attendance = Attendance.ATTENDED
    session.save()


def test_the_composer_page_guides_and_offers_three_choices(signed_in):
    page = signed_in.get(reverse("portal:composer")).content.decode()
    assert "When … I felt … What would help is …" in page
    assert "I didn&#x27;t say it at the time, but …" in page
    for value in ("share_now", "next_session", "draft"):
        assert f'value="{value}"' in page
    assert "not read in real time" in page


def test_share_now_shows_the_words_to_the_therapist(signed_in, episode):
    response = compose(signed_in, intent="share_now")
    message = FeedbackMessage.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:composer-message", args=[message.pk])
    assert message.shared_at is not None and message.client == episode.client
    items, html = therapist_view(episode)
    assert [i.kind for i in items] == ["shared"]
    assert "too much" in html


def test_next_session_shows_only_that_the_client_wants_to_talk(signed_in, episode, upcoming):
    compose(signed_in, intent="next_session")
    items, html = therapist_view(episode)
    assert [i.kind for i in items] == ["wants_to_talk"]
    assert "wants to talk about something" in html
    assert "too much" not in html and "clock" not in html
    # Once the session has taken place the words stay private, unless the client chose otherwise.
    take_place(upcoming)
    items, html = therapist_view(episode)
    assert [i.kind for i in items] == ["talked"]
    assert "clock" not in html


def test_next_session_with_share_then_shows_the_words_after_the_session(
    signed_in, episode, upcoming
):
    compose(signed_in, intent="next_session", share_at_session=True)
    items, html = therapist_view(episode)
    assert [i.kind for i in items] == ["wants_to_talk"] and "clock" not in html
    take_place(upcoming)
    items, html = therapist_view(episode)
    assert [i.kind for i in items] == ["shared"] and "clock" in html
    assert items[0].session == upcoming


def test_a_cancelled_session_moves_the_talk_to_the_next_one(signed_in, episode, upcoming):
    compose(signed_in, intent="next_session", share_at_session=True)
    take_place(upcoming)
    upcoming.attendance = Attendance.CANCELLED
    upcoming.save()
    items, _ = therapist_view(episode)
    assert [i.kind for i in items] == ["wants_to_talk"]


def test_the_client_can_share_a_next_session_message_before_it(signed_in, episode):
    compose(signed_in, intent="next_session")
    message = FeedbackMessage.objects.get()
    response = signed_in.post(
        reverse("portal:composer-message", args=[message.pk]),
        {"action": "share", "text": message.text, "intent": "next_session"},
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.intent == Intent.SHARE_NOW and message.shared_at is not None
    assert "clock" in therapist_view(episode)[1]


def test_a_draft_is_seen_by_nobody_else(signed_in, episode, client, therapist):
    compose(signed_in, intent="draft")
    items, html = therapist_view(episode)
    assert items == [] and "clock" not in html
    message = FeedbackMessage.objects.get()
    own = signed_in.get(reverse("portal:composer-message", args=[message.pk])).content.decode()
    assert "clock" in own and "private draft" in own
    client.logout()
    sign_in(client, therapist)
    assert client.get(reverse("portal:composer-message", args=[message.pk])).status_code == 403
    assert client.get(reverse("portal:composer")).status_code == 403


def test_a_draft_can_be_changed_and_deleted(signed_in):
    compose(signed_in, intent="draft")
    message = FeedbackMessage.objects.get()
    url = reverse("portal:composer-message", args=[message.pk])
    signed_in.post(url, {"action": "save", "text": "Shorter now.", "intent": "draft"})
    message.refresh_from_db()
    assert message.text == "Shorter now." and message.shared_at is None
    assert signed_in.post(url, {"action": "delete"}).status_code == 302
    assert not FeedbackMessage.objects.exists()


def test_a_shared_message_cannot_be_changed_or_deleted(signed_in):
    compose(signed_in, intent="share_now")
    message = FeedbackMessage.objects.get()
    url = reverse("portal:composer-message", args=[message.pk])
    response = signed_in.post(url, {"action": "save", "text": "Changed", "intent": "draft"})
    assert response.status_code == 400
    assert "can already read this message" in response.content.decode()
    assert signed_in.post(url, {"action": "delete"}).status_code == 400
    message.refresh_from_db()
    assert message.text == WORDS and message.intent == Intent.SHARE_NOW


def test_the_same_message_sent_twice_is_stored_once(signed_in):
    key = uuid.uuid4()
    assert compose(signed_in, key=key).status_code == 302
    assert compose(signed_in, key=key).status_code == 302
    assert FeedbackMessage.objects.count() == 1


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"text": "   ", "intent": "share_now"}, "Please write something first"),
        ({"text": WORDS, "intent": ""}, "Please choose what should happen"),
        ({"text": WORDS, "intent": "shout"}, "Please choose what should happen"),
        ({"text": WORDS + "x" * 5000, "intent": "draft"}, "please keep it to 5000"),
        (
            {"text": WORDS, "intent": "draft", "idempotency_key": "not-a-key"},
            "couldn&#x27;t read part of the form",
        ),
    ],
)
def test_bad_input_gets_a_message_and_keeps_the_words(signed_in, post, message):
    post = {"idempotency_key": str(uuid.uuid4())} | post
    response = signed_in.post(reverse("portal:composer"), post)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    if post["text"].strip():
        assert "When you looked at the clock" in page  # the words are kept
    assert not FeedbackMessage.objects.exists()


def test_another_clients_message_is_a_404(client, client_user, other_client):
    sign_in(client, other_client)
    compose(client, intent="draft", text="Otto's private words")
    message = FeedbackMessage.objects.get()
    client.logout()
    sign_in(client, client_user)
    url = reverse("portal:composer-message", args=[message.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "delete"}).status_code == 404
    assert client.post(url, {"action": "share"}).status_code == 404
    assert "Otto" not in client.get(reverse("portal:composer")).content.decode()
    assert FeedbackMessage.objects.get().shared_at is None


def test_sharing_evaluates_nothing(signed_in, episode):
    # Low session feedback at two sessions in a row, stored without evaluation: any run of the
    # engine would open a low-alliance alert (one low session is not yet a state), so no alert
    # afterwards means sharing did not run it.
    second = episode.sessions.get(number=2)
    second.scheduled_at = timezone.now() - timedelta(hours=1)
    second.attendance = Attendance.ATTENDED
    second.save()
    for session in episode.sessions.filter(number__in=[1, 2]):
        store_feedback_without_evaluation(episode, session, each=4)
    compose(signed_in, intent="share_now", text="This isn't working for me at all.")
    assert not Alert.objects.exists()
    evaluate_episode(episode)  # the control: the engine does see something here
    assert Alert.objects.filter(kind="low_alliance").exists()


# --------------------------------------------------------------------------- ending


def test_asking_for_an_ending_conversation(signed_in, episode):
    response = signed_in.post(
        reverse("portal:ending"), {"reason": "I feel better and want to try alone."}
    )
    assert response.status_code == 302
    request = EndingRequest.objects.get()
    assert request.episode == episode and request.withdrawn_at is None
    items, html = therapist_view(episode)
    assert [i.kind for i in items] == ["ending"]
    assert "asked for an ending conversation" in html and "try alone" in html
    # Asking again keeps one request.
    signed_in.post(reverse("portal:ending"), {"reason": "again"})
    assert EndingRequest.objects.count() == 1
    page = signed_in.get(reverse("portal:ending")).content.decode()
    # The exit feedback waits for the recorded ending: asking is not ending.
    assert reverse("portal:exit-feedback", args=[episode.pk]) not in page
    assert 'data-testid="exit-after-ending"' in page
    assert episode.status == "active"


def test_exit_feedback_waits_until_the_ending_is_recorded(
    signed_in, episode, django_capture_on_commit_callbacks
):
    """Asking for an ending conversation does not open the exit feedback; the therapist's
    recorded ending (asking for it) does (care.form_windows.endings_asking_for_exit_feedback)."""
    exit_url = reverse("portal:exit-feedback", args=[episode.pk])
    signed_in.post(reverse("portal:ending"), {"reason": "I think I want to stop."})
    assert EndingRequest.objects.filter(episode=episode).exists()
    assert exit_url not in signed_in.get(reverse("portal:home")).content.decode()
    assert exit_url not in signed_in.get(reverse("portal:ending")).content.decode()
    assert "This form isn't open" in signed_in.get(exit_url).content.decode()
    refused = signed_in.post(exit_url, exit_post(overall=6, not_helped="Too little structure."))
    assert refused.status_code == 200
    assert not Response.objects.filter(phase=Phase.EXIT).exists()
    assert exit_form_is_open(episode, timezone.now()) is False
    assert exit_forms(episode.client.user, timezone.now()) == []

    with django_capture_on_commit_callbacks(execute=True):
        end_episode(
            episode=episode, kind="planned", ended_on=timezone.localdate(), note="",
            by=episode.therapist, portal_url="", request_exit_feedback=True,
        )  # fmt: skip
    assert exit_form_is_open(episode, timezone.now()) is True
    assert exit_url in signed_in.get(reverse("portal:home")).content.decode()
    response = signed_in.post(exit_url, exit_post(overall=6, not_helped="Too little structure."))
    assert response.status_code == 302
    stored = Response.objects.get(phase=Phase.EXIT)
    assert stored.episode == episode


def test_an_ending_without_asking_for_exit_feedback_keeps_it_closed(signed_in, episode):
    signed_in.post(reverse("portal:ending"), {"reason": ""})
    end_episode(
        episode=episode, kind="early", ended_on=timezone.localdate(), note="",
        by=episode.therapist, portal_url="", request_exit_feedback=False,
    )  # fmt: skip
    assert exit_form_is_open(episode, timezone.now()) is False
    assert exit_forms(episode.client.user, timezone.now()) == []


def test_withdrawing_the_ending_request(signed_in, episode):
    signed_in.post(reverse("portal:ending"), {"reason": "maybe"})
    signed_in.post(reverse("portal:ending"), {"action": "withdraw"})
    assert EndingRequest.objects.get().withdrawn_at is not None
    assert therapist_view(episode)[0] == []


def test_a_too_long_reason_keeps_the_words(signed_in):
    response = signed_in.post(reverse("portal:ending"), {"reason": "Because " + "x" * 2100})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Please keep this to 2000 characters" in page and "Because xxx" in page
    assert not EndingRequest.objects.exists()


def test_the_therapist_panel_needs_a_fixed_number_of_queries(
    signed_in, episode, django_assert_max_num_queries
):
    for intent in ("share_now", "next_session", "draft", "share_now"):
        compose(signed_in, intent=intent)
    signed_in.post(reverse("portal:ending"), {"reason": "x"})
    episode = (
        type(episode)
        .objects.select_related("client")
        .prefetch_related("sessions")
        .get(pk=episode.pk)
    )
    with django_assert_max_num_queries(3):
        items = feedback_for_therapist(episode)
    assert sorted(i.kind for i in items) == ["ending", "shared", "shared", "wants_to_talk"]
