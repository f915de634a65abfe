"""The fit check-in has one name for everybody, asks the therapist in her own words and shows
both sides side by side on the episode page. The rule and its alert are tested in
test_fit_check.py and are not changed here."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from attune.care.fit_wording import NAME, THERAPIST_QUESTIONS
from tests.care_helpers import as_user, attended_sessions, fit_post

pytestmark = pytest.mark.django_db

OTHER_NAMES = re.compile(r"match check|fit-check(?!/)|check-in about the fit", re.IGNORECASE)


@pytest.fixture
def fit_session(episode):
    return attended_sessions(episode, 3)[2]


def text_of(response) -> str:
    """What a person reads: the page's text without markup (URLs hold "fit-check")."""
    return html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_one_name_for_client_and_therapist(client, client_user, therapist, episode, fit_session):
    portal = [
        as_user(client, client_user).get(reverse("portal:home")),
        client.get(reverse("portal:fit-check", args=[fit_session.pk])),
    ]
    workspace = [
        as_user(client, therapist).get(reverse("care:fit-check", args=[episode.pk])),
        client.get(reverse("workspace:episode", args=[episode.pk])),
    ]
    for page in portal + workspace:
        assert page.status_code == 200
        words = text_of(page)
        assert NAME in words, page.request["PATH_INFO"]
        assert not OTHER_NAMES.search(words), page.request["PATH_INFO"]


def test_the_therapist_is_asked_in_her_own_words(client, therapist, episode, fit_session):
    words = text_of(as_user(client, therapist).get(reverse("care:fit-check", args=[episode.pk])))
    for code in ("fit", "right_match"):
        assert THERAPIST_QUESTIONS[code].format(client="Cleo Client") in words
    assert "How well does our working together fit for you so far?" not in words  # the client's


def test_the_therapists_answer_is_stored_under_the_same_codes(
    client, therapist, episode, fit_session
):
    as_user(client, therapist)
    response = client.post(
        reverse("care:fit-check", args=[episode.pk]), fit_post(fit=7, right_match="yes")
    )
    assert response.status_code == 302
    stored = episode.responses.get(phase="fit_check", respondent=therapist)
    assert (stored.answers["fit"], stored.answers["right_match"]) == (7, "yes")


def test_both_sides_side_by_side_on_the_episode_page(
    client, client_user, therapist, supervisor, episode, fit_session
):
    as_user(client, client_user).post(
        reverse("portal:fit-check", args=[fit_session.pk]),
        fit_post(fit=5, right_match="not_sure", comment="Not sure yet."),
    )
    as_user(client, therapist).post(
        reverse("care:fit-check", args=[episode.pk]), fit_post(fit=8, right_match="yes")
    )
    for viewer in (therapist, supervisor):
        page = as_user(client, viewer).get(reverse("workspace:episode", args=[episode.pk]))
        table = page.content.decode().split('data-testid="fit-side-by-side"')[1]
        table = table.split("</table>")[0]
        rows = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
                for row in table.split("<tr>")[2:]]  # fmt: skip
        assert rows == [
            "Fit so far 5 of 10 8 of 10",
            "The right match? Not sure Yes",
            "In their own words Not sure yet. —",
        ]


def test_the_therapists_form_says_whether_the_client_answered_never_what(
    client, client_user, therapist, episode, fit_session
):
    url = reverse("care:fit-check", args=[episode.pk])
    before = text_of(as_user(client, therapist).get(url))
    assert "Cleo Client has not answered yet." in before
    sent = as_user(client, client_user).post(
        reverse("portal:fit-check", args=[fit_session.pk]),
        fit_post(fit=2, right_match="no", comment="CLIENT-OWN-WORDS"),
    )
    assert sent.status_code == 302, sent.content.decode()[-3000:]
    after = as_user(client, therapist).get(url).content.decode()
    assert "Cleo Client has answered." in text_of(client.get(url)), after
    assert "CLIENT-OWN-WORDS" not in after
    assert "2 of 10" not in after
