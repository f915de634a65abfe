"""The fit check-in after the third attended session: client (portal) and therapist (care view)
each answer once; the engine's one fit rule (attune.engine.fit) reads both answers after each
is stored and opens the one fit alert when they are low, unsure or discordant."""

from __future__ import annotations

import html
import uuid

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from attune.alerts.models import Alert, AlertKind, Severity
from attune.care.engine_adapter import engine_config, episode_batch
from attune.care.submission import submit_form
from attune.engine.fit import FitAnswer, fit_concerns
from attune.measures.models import Phase, Response
from tests.care_helpers import DENIED, as_user, attended_sessions, fit_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def fit_session(episode):
    """Three attended sessions: the third is the fit session (ATTUNE_FIT_CHECK_SESSION = 3)."""
    return attended_sessions(episode, 3)[2]


def portal_url(session):
    return reverse("portal:fit-check", args=[session.pk])


def therapist_url(episode):
    return reverse("care:fit-check", args=[episode.pk])


def answer(client, user, url, **kwargs):
    response = as_user(client, user).post(url, fit_post(**kwargs))
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def fit_alerts():
    return Alert.objects.filter(kind=AlertKind.FIT_CHECK, dedupe_key="fit_check")


def test_the_client_is_offered_the_fit_check_in_after_the_third_attended_session(
    client, client_user, episode, fit_session
):
    page = as_user(client, client_user).get(reverse("portal:home")).content.decode()
    assert portal_url(fit_session) in page
    assert "Fit check-in: how is working together going?" in page


def test_not_before_the_third_attended_session(client, client_user, episode):
    sessions = attended_sessions(episode, 2)
    page = as_user(client, client_user).get(reverse("portal:home")).content.decode()
    assert "fit-check" not in page
    closed = client.get(portal_url(sessions[1]))
    assert closed.status_code == 200
    assert "isn't open at the moment" in closed.content.decode()
    page = as_user(client, episode.therapist).get(therapist_url(episode)).content.decode()
    assert "opens once session 3 has been recorded as attended" in page


def test_the_session_is_configurable(client, client_user, episode, settings):
    settings.ATTUNE_FIT_CHECK_SESSION = 2
    sessions = attended_sessions(episode, 2)
    page = as_user(client, client_user).get(reverse("portal:home")).content.decode()
    assert portal_url(sessions[1]) in page


def test_good_and_matching_answers_raise_no_prompt(
    client, client_user, therapist, episode, fit_session
):
    answer(client, client_user, portal_url(fit_session), fit=8, right_match="yes")
    answer(client, therapist, therapist_url(episode), fit=9, right_match="yes")
    stored = Response.objects.filter(phase=Phase.FIT_CHECK)
    assert {r.respondent for r in stored} == {client_user, therapist}
    assert all(r.session == fit_session for r in stored)
    assert not fit_alerts().exists()
    page = client.get(reverse("workspace:episode", args=[episode.pk])).content.decode()
    assert "rated the fit well and alike" in page


def test_a_low_client_rating_opens_the_prompt_at_once(client, client_user, episode, fit_session):
    answer(client, client_user, portal_url(fit_session), fit=4, right_match="yes", comment="Hm.")
    alert = fit_alerts().get()
    assert (alert.episode, alert.severity) == (episode, Severity.YELLOW)
    assert alert.evidence["client"]["rating"] == 4
    assert alert.evidence["therapist"] is None
    assert alert.evidence["session_number"] == 3
    assert "the client rated the fit 4 of 10" in alert.explanation
    assert "has not answered yet" in alert.explanation
    assert any("Talk together about the fit" in a for a in alert.suggested_actions)
    assert any("warm referral" in a for a in alert.suggested_actions)
    assert "Muran" in alert.source


@pytest.mark.parametrize(
    ("client_answer", "therapist_answer", "fires"),
    [
        # therapists usually rate lower than clients: only a client 3 or more below counts
        ({"fit": 9, "right_match": "yes"}, {"fit": 6, "right_match": "yes"}, False),
        ({"fit": 6, "right_match": "yes"}, {"fit": 9, "right_match": "yes"}, True),  # 3 below
        ({"fit": 7, "right_match": "yes"}, {"fit": 9, "right_match": "yes"}, False),  # 2 below
        # the therapist's "not sure" alone is ordinary caution; her "no" and the client's doubt
        ({"fit": 8, "right_match": "yes"}, {"fit": 8, "right_match": "not_sure"}, False),
        ({"fit": 8, "right_match": "yes"}, {"fit": 8, "right_match": "no"}, True),
        ({"fit": 8, "right_match": "not_sure"}, {"fit": 8, "right_match": "yes"}, True),
        ({"fit": 8, "right_match": "no"}, {"fit": 8, "right_match": "yes"}, True),
        ({"fit": 7, "right_match": "yes"}, {"fit": 5, "right_match": "yes"}, True),  # low
        ({"fit": 6, "right_match": "yes"}, {"fit": 6, "right_match": "yes"}, False),
    ],
)
def test_discordant_unsure_or_low_answers_open_the_prompt(
    client, client_user, therapist, episode, fit_session, client_answer, therapist_answer, fires
):
    answer(client, therapist, therapist_url(episode), **therapist_answer)
    answer(client, client_user, portal_url(fit_session), **client_answer)
    assert fit_alerts().exists() is fires
    if fires:
        evidence = fit_alerts().get().evidence
        assert evidence["client"]["rating"] == client_answer["fit"]
        assert evidence["therapist"]["rating"] == therapist_answer["fit"]
        assert evidence["difference"] == abs(client_answer["fit"] - therapist_answer["fit"])
        assert {item["side"] for item in evidence["items"]} == {"client", "therapist"}


def test_the_second_answer_updates_the_prompt_rather_than_opening_another(
    client, client_user, therapist, episode, fit_session
):
    answer(client, client_user, portal_url(fit_session), fit=3, right_match="not_sure")
    assert "The therapist has not answered" in fit_alerts().get().explanation
    answer(client, therapist, therapist_url(episode), fit=8, right_match="yes")
    alert = fit_alerts().get()
    assert alert.evidence["therapist"]["rating"] == 8
    assert "5 points apart" in alert.explanation
    assert "has not answered" not in alert.explanation
    assert [e.kind for e in alert.events.all()] == ["opened", "updated"]
    assert Alert.objects.filter(kind=AlertKind.FIT_CHECK).count() == 1  # one key, one alert


def test_the_pure_rule():
    def side(who, rating, match="yes"):
        return FitAnswer(who, rating, match)

    assert fit_concerns(None, None) == []
    assert fit_concerns(side("client", 6), None) == []
    assert fit_concerns(side("client", 5), None) == ["the client rated the fit 5 of 10"]
    assert fit_concerns(side("client", 9), side("therapist", 7)) == []
    assert fit_concerns(side("client", 9), side("therapist", 6)) == []
    assert len(fit_concerns(side("client", 6), side("therapist", 9))) == 1
    assert fit_concerns(side("therapist", 8, "not_sure"), None) == []
    assert len(fit_concerns(side("client", 3, "no"), side("therapist", 9))) == 3


def test_each_side_answers_once(client, client_user, therapist, episode, fit_session):
    answer(client, client_user, portal_url(fit_session), fit=8)
    again = client.post(portal_url(fit_session), fit_post(fit=2, right_match="no"))
    assert again.status_code == 302
    assert "thanks" in again["Location"]
    answer(client, therapist, therapist_url(episode), fit=8)
    assert client.get(therapist_url(episode)).status_code == 302  # already answered
    client.post(therapist_url(episode), fit_post(fit=1, right_match="no"))
    assert Response.objects.filter(phase=Phase.FIT_CHECK).count() == 2
    assert set(Response.objects.values_list("score", flat=True)) == {8}
    assert not fit_alerts().exists()


def test_a_double_click_stores_one_answer(client, client_user, fit_session):
    as_user(client, client_user)
    post = fit_post(fit=7)
    assert client.post(portal_url(fit_session), post).status_code == 302
    assert client.post(portal_url(fit_session), post).status_code == 302
    assert Response.objects.filter(phase=Phase.FIT_CHECK).count() == 1


@pytest.mark.parametrize(
    ("post", "message"),
    [
        (fit_post(fit=11, comment="Keep my words"), "Please choose a number from 0 to 10."),
        (fit_post(fit=None, comment="Keep my words"), "Please choose an answer."),
        (fit_post(right_match="maybe", comment="Keep my words"), "isn't one of the choices"),
    ],
)
def test_bad_fit_answers_get_a_message_and_keep_the_rest(
    client, client_user, therapist, episode, fit_session, post, message
):
    for user, url in ((client_user, portal_url(fit_session)), (therapist, therapist_url(episode))):
        response = as_user(client, user).post(url, post)
        page = html.unescape(response.content.decode())
        assert response.status_code == 400, user
        assert message in page
        assert "Keep my words" in page
    assert not Response.objects.filter(phase=Phase.FIT_CHECK).exists()


def test_the_therapist_sees_both_answers_and_the_prompt(
    client, client_user, therapist, supervisor, episode, fit_session
):
    answer(client, client_user, portal_url(fit_session), fit=4, right_match="not_sure",
           comment="I am not sure the talking helps.")  # fmt: skip
    url = reverse("workspace:episode", args=[episode.pk])
    page = html.unescape(as_user(client, therapist).get(url).content.decode())
    assert "I am not sure the talking helps." in page
    assert "4 of 10" in page
    assert therapist_url(episode) in page  # her side is still open
    alert = fit_alerts().get()
    assert f'href="#alert-{alert.pk}"' in page
    page = as_user(client, supervisor).get(url).content.decode()
    assert "I am not sure the talking helps." in page
    assert therapist_url(episode) not in page


def test_the_client_never_sees_the_therapists_answer(
    client, client_user, therapist, episode, fit_session
):
    answer(client, therapist, therapist_url(episode), fit=3, right_match="no",
           comment="THERAPIST-ONLY-WORDS")  # fmt: skip
    as_user(client, client_user)
    for url in (reverse("portal:home"), portal_url(fit_session)):
        assert "THERAPIST-ONLY-WORDS" not in client.get(url).content.decode()


@pytest.mark.parametrize(
    "intruder", ["colleague", "supervisor", "client_user", "other_client", "practice_admin"]
)
def test_only_the_treating_therapist_answers_on_her_side(
    request, client, intruder, episode, fit_session, other_episode
):
    as_user(client, request.getfixturevalue(intruder))
    assert client.get(therapist_url(episode)).status_code in DENIED
    assert client.post(therapist_url(episode), fit_post(fit=2)).status_code in DENIED
    assert not Response.objects.filter(phase=Phase.FIT_CHECK).exists()


@pytest.mark.parametrize("intruder", ["therapist", "colleague", "supervisor", "other_client"])
def test_only_the_client_answers_in_the_portal(
    request, client, intruder, episode, fit_session, other_episode
):
    as_user(client, request.getfixturevalue(intruder))
    assert client.post(portal_url(fit_session), fit_post(fit=2)).status_code in DENIED
    assert not Response.objects.filter(phase=Phase.FIT_CHECK).exists()


# ------------------------------------------------------------------ one rule, in the engine


def _feedback(episode, session, each, stopping="no"):
    answers = {d: each for d in ("bond", "goals", "approach", "overall")}
    answers |= {"rupture": "no", "stopping": stopping}
    result = submit_form(
        episode=episode, session=session, respondent=episode.client.user, phase="feedback",
        answers={"session_feedback": answers}, idempotency_key=uuid.uuid4(),
    )  # fmt: skip
    assert result.ok, result.errors


def test_the_engine_reads_both_answers_on_their_sides(
    client, client_user, therapist, episode, fit_session
):
    answer(client, client_user, portal_url(fit_session), fit=7, right_match="not_sure")
    answer(client, therapist, therapist_url(episode), fit=9, right_match="yes")
    batch = episode_batch([episode])
    column = fit_session.number - 1
    assert (batch.fit_client[0, column], batch.fit_client_match[0, column]) == (7, 1)
    assert (batch.fit_therapist[0, column], batch.fit_therapist_match[0, column]) == (9, 2)
    assert np.isnan(batch.fit_client[0, :column]).all()


def test_a_falling_alliance_and_thinking_of_stopping_feed_the_same_one_alert(
    client, client_user, therapist, episode, fit_session
):
    sessions = list(episode.sessions.order_by("number"))[:3]
    _feedback(episode, sessions[0], 10)
    _feedback(episode, sessions[1], 9)
    _feedback(episode, sessions[2], 8, stopping="sometimes")  # 40 -> 32: a reliable fall
    alert = fit_alerts().get()
    assert "fallen from 40 to 32" in alert.explanation
    assert '"sometimes"' in alert.explanation
    assert alert.evidence["client"] is None  # the check-in is not answered yet
    answer(client, client_user, portal_url(fit_session), fit=4, right_match="yes")
    answer(client, therapist, therapist_url(episode), fit=8, right_match="yes")
    alert = fit_alerts().get()
    assert "the client rated the fit 4 of 10" in alert.explanation
    assert "fallen from 40 to 32" in alert.explanation
    assert Alert.objects.filter(kind=AlertKind.FIT_CHECK).count() == 1


def test_the_fit_session_is_one_setting_for_the_form_and_the_rule(settings):
    settings.ATTUNE_FIT_CHECK_SESSION = 4
    assert engine_config().fit_check.at_session == 4
    settings.ATTUNE_ENGINE = {"fit_check": {"at_session": 2}}
    with pytest.raises(ImproperlyConfigured, match="ATTUNE_FIT_CHECK_SESSION"):
        engine_config()
