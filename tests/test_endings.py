"""Endings (planned, early, transferred) and the exit feedback: ending asks the client once by a
plain e-mail; the ended client finds "Tell us about your therapy" in the portal and answers once;
the therapist reads the answers on the episode page."""

from __future__ import annotations

import html
import re
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from post_office.models import STATUS, Email

from attune.care.endings import end_episode
from attune.care.models import Attendance, Ending, EndingKind, EpisodeStatus
from attune.care.submission import submit_form
from attune.measures.models import Phase, Response
from attune.portal.composer import request_ending
from tests.answers import FREQUENCY
from tests.care_helpers import DENIED, as_user, attended_sessions, exit_post

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


# --------------------------------------------------------------------------- the ending form
# It shows what the client asked for and the outcome in short: first and last PHQ-9 and GAD-7,
# reliable change (NHS Talking Therapies: PHQ-9 ±6, GAD-7 ±4) and recovery (caseness PHQ-9 ≥ 10
# or GAD-7 ≥ 8 at the start, below both at the end), all from the engine's rules.


def spread(total, items):
    """Answers 0-3 on ``items`` questions adding up to ``total`` (item 9 of PHQ-9 stays 0)."""
    values = [0] * items
    for i in range(total):
        values[i % items] += 1
    assert max(values) <= 3
    return values


def check_in(episode, session, phq9=None, gad7=None):
    answers = {}
    if phq9 is not None:
        answers["phq9"] = {
            f"phq9_{n}": FREQUENCY[v] for n, v in enumerate(spread(phq9, 8) + [0], start=1)
        }
    if gad7 is not None:
        answers["gad7"] = {f"gad7_{n}": FREQUENCY[v] for n, v in enumerate(spread(gad7, 7), 1)}
    result = submit_form(
        episode=episode,
        session=session,
        respondent=episode.client.user,
        phase="check_in",
        answers=answers,
        idempotency_key=uuid.uuid4(),
    )
    assert result.ok, result.errors


def scored(episode, *pairs):
    """Check-ins at consecutive sessions: (PHQ-9, GAD-7) per session."""
    sessions = attended_sessions(episode, len(pairs))
    for session, (phq9, gad7) in zip(sessions, pairs, strict=True):
        check_in(episode, session, phq9, gad7)


def ending_form(client, therapist, episode):
    response = as_user(client, therapist).get(end_url(episode))
    assert response.status_code == 200
    return response, response.content.decode()


def row(page, code):
    start = page.index(f'data-testid="outcome-{code}"')
    cells = page[page.index(">", start) + 1 : page.index("</tr>", start)]
    return " ".join(re.sub(r"<[^>]+>", " ", cells).split())


def test_the_form_shows_the_clients_request_and_reason(client, therapist, episode):
    request_ending(
        episode=episode, by=episode.client.user, reason="Money is tight & I feel better."
    )
    _, page = ending_form(client, therapist, episode)
    assert 'data-testid="ending-request"' in page
    assert "asked for an ending conversation" in page
    assert "Money is tight &amp; I feel better." in page  # escaped, as written
    assert page.index('data-testid="ending-request"') < page.index('data-testid="ending"')


def test_without_a_request_the_form_says_so(client, therapist, episode):
    _, page = ending_form(client, therapist, episode)
    assert 'data-testid="no-ending-request"' in page
    assert "has not asked to end" in page
    assert "No PHQ-9 or GAD-7 yet." in page


def test_reliable_improvement_and_recovery(client, therapist, episode):
    # PHQ-9 18 → 12 → 7: −11 (≥ 6), from ≥ 10 to < 10; GAD-7 12 → 6: −6 (≥ 4), from ≥ 8 to < 8.
    scored(episode, (18, 12), (12, 9), (7, 6))
    response, page = ending_form(client, therapist, episode)
    summary = response.context["summary"]
    phq9, gad7 = summary.measures
    assert (phq9.first, phq9.last, phq9.change, phq9.verdict) == (18, 7, -11, "improved")
    assert (phq9.first_session, phq9.last_session, phq9.recovered) == (1, 3, True)
    assert (gad7.first, gad7.last, gad7.change, gad7.verdict) == (12, 6, -6, "improved")
    assert gad7.recovered
    assert (summary.overall.change, summary.overall.recovery) == ("improved", "recovered")
    assert row(page, "phq9") == (
        "PHQ-9 18 (s. 1) 7 (s. 3) -11 improved (±6 points) above 10 at the start; below it now"
    )
    assert "below it now" in row(page, "gad7") and "(±4 points)" in row(page, "gad7")
    assert "Overall: improved; recovered." in page


def test_reliable_deterioration_below_the_cut_off_at_the_start(client, therapist, episode):
    # PHQ-9 8 → 15: +7 (≥ 6) from below caseness; GAD-7 5 → 5, below caseness throughout.
    scored(episode, (8, 5), (15, 5))
    response, page = ending_form(client, therapist, episode)
    phq9, gad7 = response.context["summary"].measures
    assert (gad7.change, gad7.verdict, gad7.case_start) == (0, "no reliable change", False)
    assert (phq9.change, phq9.verdict, phq9.case_start, phq9.recovered) == (
        7,
        "deteriorated",
        False,
        False,
    )
    assert "below 10 from the start" in row(page, "phq9")
    assert (
        "Overall: deteriorated; below the clinical cut-off from the start: recovery does not "
        "apply." in page
    )


def test_recovery_without_reliable_change(client, therapist, episode):
    # PHQ-9 12 → 9: −3 (< 6) but from ≥ 10 to < 10; GAD-7 9 → 7: −2 (< 4), from ≥ 8 to < 8.
    # NHS Talking Therapies counts it as recovery, not as reliable improvement.
    scored(episode, (12, 9), (9, 7))
    response, page = ending_form(client, therapist, episode)
    summary = response.context["summary"]
    assert [m.verdict for m in summary.measures] == ["no reliable change"] * 2
    assert (summary.overall.change, summary.overall.recovery) == (
        "no reliable change",
        "recovered",
    )
    assert "Overall: no reliable change; recovered." in page


def test_one_score_needs_a_second(client, therapist, episode):
    scored(episode, (14, 10))
    response, page = ending_form(client, therapist, episode)
    summary = response.context["summary"]
    assert [m.verdict for m in summary.measures] == ["needs a second score"] * 2
    assert summary.overall is None
    assert "Reliable change and recovery need a first and a later score." in page


def test_the_form_reads_a_fixed_number_of_queries(
    client, therapist, episode, django_assert_max_num_queries
):
    request_ending(episode=episode, by=episode.client.user, reason="Ready.")
    scored(episode, *[(18 - i, 12 - i // 2) for i in range(12)])
    as_user(client, therapist)
    with django_assert_max_num_queries(12):
        assert client.get(end_url(episode)).status_code == 200
