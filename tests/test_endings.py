"""Endings (planned, early, transferred) and the exit feedback: ending asks the client once by a
plain e-mail; the ended client finds "Tell us about your therapy" in the portal and answers once;
the therapist reads the answers on the episode page."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from post_office.models import STATUS, Email

from attune.care.models import Attendance, Ending, EndingKind, EpisodeStatus
from attune.care.services import end_episode
from attune.measures.models import Phase, Response
from tests.care_helpers import DENIED, as_user, exit_post

pytestmark = pytest.mark.django_db


def end_url(episode):
    return reverse("care:end", args=[episode.pk])


def exit_url(episode):
    return reverse("portal:exit-feedback", args=[episode.pk])


def ending_post(kind="planned", ended_on=None, note="Goals reached; agreed to stop."):
    return {
        "kind": kind,
        "ended_on": f"{ended_on or timezone.localdate():%Y-%m-%d}",
        "note": note,
    }


@pytest.fixture
def ended(client, therapist, episode, django_capture_on_commit_callbacks):
    as_user(client, therapist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(end_url(episode), ending_post())
    assert response.status_code == 302
    episode.refresh_from_db()
    return episode


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("planned", EpisodeStatus.ENDED_PLANNED),
        ("early", EpisodeStatus.ENDED_EARLY),
        ("transferred", EpisodeStatus.TRANSFERRED),
    ],
)
def test_ending_records_kind_date_and_note(
    client, therapist, episode, upcoming, kind, status, django_capture_on_commit_callbacks
):
    as_user(client, therapist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(end_url(episode), ending_post(kind=kind))
    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.status == status
    assert episode.ended_on == timezone.localdate()
    ending = Ending.objects.get(episode=episode)
    assert (ending.kind, ending.note, ending.recorded_by) == (
        kind,
        "Goals reached; agreed to stop.",
        therapist,
    )
    assert ending.exit_requested_at is not None
    upcoming.refresh_from_db()
    assert upcoming.attendance == Attendance.CANCELLED
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="ending"' in page
    assert "has not answered yet" in page
    assert reverse("care:end", args=[episode.pk]) not in page


def test_the_e_mail_is_plain_and_carries_no_clinical_content(ended, client_user):
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [client_user.email]
    assert "http://testserver/me/" in message.body
    text = (message.subject + message.body).lower()
    for word in ("phq", "gad", "score", "ended", "planned", "goals reached", "tara", "therapist"):
        assert word not in text, word


def test_ending_twice_asks_for_exit_feedback_once(
    client, therapist, ended, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(end_url(ended), ending_post(kind="early", note="Second try"))
        _, created = end_episode(
            episode=ended, kind="early", ended_on=timezone.localdate(), note="", by=therapist,
            portal_url="http://testserver/me/",
        )  # fmt: skip
    assert again.status_code == 302
    assert created is False
    assert len(mail.outbox) == 1
    assert Ending.objects.count() == 1
    ended.refresh_from_db()
    assert ended.status == EpisodeStatus.ENDED_PLANNED


@pytest.mark.parametrize(
    ("post", "message"),
    [
        (ending_post(ended_on=timezone.localdate() + timedelta(days=3)), "not in advance"),
        (ending_post(ended_on=timezone.localdate() - timedelta(days=365)), "before the therapy"),
        (ending_post(kind="vanished"), "Select a valid choice"),
        (ending_post(kind=""), "Please choose how the therapy ended."),
        ({**ending_post(), "ended_on": "someday"}, "Enter a valid date."),
        (ending_post(note="x" * 501), "at most 500 characters"),
    ],
)
def test_bad_endings_get_a_clear_message_and_change_nothing(
    client, therapist, episode, post, message
):
    as_user(client, therapist)
    response = client.post(end_url(episode), post)
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert message in page
    assert post["note"][:50] in page
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.ACTIVE
    assert not Ending.objects.exists()
    assert not mail.outbox


MAIL_SERVER_DOWN = {"BACKENDS": {"default": "tests.mail_server_down.EmailBackend"}}


def test_a_failing_mail_server_does_not_lose_the_ending_nor_the_e_mail(
    client, therapist, episode, django_capture_on_commit_callbacks
):
    as_user(client, therapist)
    with (
        override_settings(POST_OFFICE=MAIL_SERVER_DOWN),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(end_url(episode), ending_post())
    assert response.status_code == 302
    assert Ending.objects.filter(episode=episode).exists()
    assert mail.outbox == []
    assert Email.objects.get().status == STATUS.requeued  # the next `attune notify` sends it


def test_the_ended_client_is_offered_the_exit_feedback(client, client_user, ended):
    page = as_user(client, client_user).get(reverse("portal:home")).content.decode()
    assert "You have no active therapy" in page
    assert "Tell us about your therapy" in page
    assert exit_url(ended) in page
    form = client.get(exit_url(ended)).content.decode()
    assert "What would have made you stay, or made your therapy better?" in form
    assert "Would you recommend this therapist" in form


def test_the_client_gives_exit_feedback_once(client, client_user, therapist, ended):
    as_user(client, client_user)
    post = exit_post(
        overall=6,
        helped="Being listened to.",
        not_helped="Homework felt like school.",
        would_have_helped="Evening appointments.",
        recommend="not_sure",
    )
    first = client.post(exit_url(ended), post)
    assert first.status_code == 302
    assert first["Location"] == reverse("portal:exit-thanks", args=[ended.pk])
    again = client.post(exit_url(ended), exit_post(overall=0, helped="Changed my mind"))
    assert again.status_code == 302
    stored = Response.objects.get(phase=Phase.EXIT)
    assert (stored.episode, stored.respondent, stored.session) == (ended, client_user, None)
    assert stored.score == 6
    assert stored.answers["would_have_helped"] == "Evening appointments."
    thanks = client.get(first["Location"]).content.decode()
    assert "Your answers about your therapy are saved" in thanks
    home = client.get(reverse("portal:home")).content.decode()
    assert exit_url(ended) not in home  # answered: no longer waiting
    page = as_user(client, therapist).get(reverse("workspace:episode", args=[ended.pk]))
    page = html.unescape(page.content.decode())
    for words in ("Homework felt like school.", "Evening appointments.", "6 of 10", "Not sure"):
        assert words in page


def test_a_double_click_stores_one_exit_feedback(client, client_user, ended):
    as_user(client, client_user)
    post = exit_post(overall=8)
    assert client.post(exit_url(ended), post).status_code == 302
    assert client.post(exit_url(ended), post).status_code == 302
    assert Response.objects.filter(phase=Phase.EXIT).count() == 1


@pytest.mark.parametrize(
    ("post", "message"),
    [
        (exit_post(overall=None, helped="Keep my words"), "Please choose an answer."),
        (exit_post(overall=11, helped="Keep my words"), "Please choose a number from 0 to 10."),
        (exit_post(helped="Keep my words", recommend="perhaps"), "isn't one of the choices"),
        (exit_post(helped="Keep my words", not_helped="x" * 2001), "2000 characters or fewer"),
    ],
)
def test_bad_exit_feedback_gets_a_message_and_keeps_the_answers(
    client, client_user, ended, post, message
):
    as_user(client, client_user)
    response = client.post(exit_url(ended), post)
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert message in page
    assert "Keep my words" in page
    assert not Response.objects.filter(phase=Phase.EXIT).exists()


def test_the_exit_form_is_closed_for_an_active_episode(client, client_user, episode):
    as_user(client, client_user)
    response = client.get(exit_url(episode))
    assert "isn't open at the moment" in response.content.decode()
    response = client.post(exit_url(episode), exit_post())
    assert response.status_code == 200
    assert not Response.objects.filter(phase=Phase.EXIT).exists()


def test_the_exit_form_closes_after_a_while(client, client_user, ended):
    Ending.objects.filter(episode=ended).update(
        exit_requested_at=timezone.now() - timedelta(days=61)
    )
    as_user(client, client_user)
    assert exit_url(ended) not in client.get(reverse("portal:home")).content.decode()
    assert "isn't open at the moment" in client.get(exit_url(ended)).content.decode()


def test_an_episode_ended_without_asking_offers_no_exit_form(client, client_user, episode):
    end_episode(
        episode=episode, kind=EndingKind.EARLY, ended_on=timezone.localdate(), note="",
        by=episode.therapist, portal_url="", request_exit_feedback=False,
    )  # fmt: skip
    as_user(client, client_user)
    assert exit_url(episode) not in client.get(reverse("portal:home")).content.decode()


@pytest.mark.parametrize("intruder", ["therapist", "colleague", "supervisor", "other_client"])
def test_only_the_client_gives_exit_feedback(request, client, intruder, ended, other_episode):
    as_user(client, request.getfixturevalue(intruder))
    assert client.get(exit_url(ended)).status_code in DENIED
    assert client.post(exit_url(ended), exit_post()).status_code in DENIED
    assert not Response.objects.filter(phase=Phase.EXIT).exists()


@pytest.mark.parametrize(
    "intruder", ["colleague", "supervisor", "client_user", "other_client", "practice_admin"]
)
def test_only_the_treating_therapist_ends_therapy(
    request, client, intruder, episode, other_episode
):
    as_user(client, request.getfixturevalue(intruder))
    assert client.get(end_url(episode)).status_code in DENIED
    assert client.post(end_url(episode), ending_post()).status_code in DENIED
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.ACTIVE
    assert not mail.outbox


def test_the_supervisor_reads_the_exit_feedback(client, client_user, supervisor, ended):
    as_user(client, client_user).post(exit_url(ended), exit_post(helped="The pacing."))
    page = as_user(client, supervisor).get(reverse("workspace:episode", args=[ended.pk]))
    assert "The pacing." in page.content.decode()
