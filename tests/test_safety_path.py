"""The safety path on every way a form comes in: a PHQ-9 item-9 answer ≥ 1 is kept, opens the
safety alert and shows the crisis contacts even when the rest of the form is incomplete or
invalid; nothing typed is lost; completing the form completes the same response."""

from __future__ import annotations

import html
import uuid
from datetime import date

import pytest
from django.urls import reverse
from post_office.models import Email

from attune.alerts.models import Alert, AlertKind, Severity
from attune.care.endings import submit_exit_feedback
from attune.care.engine_adapter import episode_batch
from attune.care.submission import submit_form
from attune.measures.models import Phase, Response
from attune.notifications.models import NoticeKind, SafetyNotification
from attune.reminders import services as reminders
from attune.reminders.models import FormLink
from attune.workspace.queries import caseload
from tests.answers import FREQUENCY, check_in_post

pytestmark = pytest.mark.django_db

PHQ9_WITH_ITEM9 = [1, 1, 1, 1, 1, 1, 1, 1, 3]  # item 9 "nearly every day": urgent
MILD_GAD7 = [1, 1, 1, 1, 1, 1, 1]


def check_in_url(session):
    return reverse("portal:check-in", args=[session.pk])


def _gad7_item_left_blank(post):
    del post["gad7-gad7_4"]
    return post


def _phq9_item_invalid(post):
    post["phq9-phq9_3"] = "LA9999-9"  # not one of the choices (a tampered form)
    return post


PARTIAL_FORMS = [
    pytest.param(_gad7_item_left_blank, "Please choose an answer.", id="gad7-item-blank"),
    pytest.param(_phq9_item_invalid, "isn't one of the choices", id="phq9-item-invalid"),
]


def _kept_phq9():
    return Response.all_objects.get(instrument_version__instrument__code="phq9")


def _assert_safety_answer_kept(page, episode, item9=3):
    """The answer is stored (in progress), the alert is open for it, the notice is queued."""
    phq9 = _kept_phq9()
    assert phq9.complete is False
    assert phq9.answers["phq9_9"] == FREQUENCY[item9]
    assert phq9.score is None and phq9.scores["scales"] == {}
    assert phq9.safety_level == "urgent"
    alert = Alert.objects.get()
    assert (alert.kind, alert.severity, alert.episode) == (
        AlertKind.SAFETY,
        Severity.URGENT,
        episode,
    )
    assert alert.response == phq9
    assert alert.evidence["items"][0]["value"] == item9
    notice = SafetyNotification.objects.get()
    assert (notice.alert, notice.kind) == (alert, NoticeKind.THERAPIST)
    assert notice.recipients == [episode.therapist.email]
    assert Email.objects.get() == notice.email
    # The client sees the crisis contacts and what happens now, from the settings (4 h urgent).
    assert 'data-testid="safety-message"' in page
    assert 'data-testid="crisis-resources"' in page
    assert "within 4 hours" in page
    return alert


# --------------------------------------------------------------------------- the portal


@pytest.mark.parametrize(("spoil", "message"), PARTIAL_FORMS)
def test_portal_partial_check_in_keeps_item_9_and_opens_the_alert(
    signed_in, upcoming, episode, spoil, message
):
    post = spoil(check_in_post(PHQ9_WITH_ITEM9, MILD_GAD7))
    response = signed_in.post(check_in_url(upcoming), post)
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert message in page  # the other question gets its clear message
    _assert_safety_answer_kept(page, episode)
    # Nothing typed is lost: every answer given is selected again, with the same key.
    assert 'name="phq9-phq9_9" value="LA6571-9" checked' in page
    assert 'name="gad7-gad7_7" value="LA6569-3" checked' in page
    assert f'name="idempotency_key" value="{post["idempotency_key"]}"' in page
    # The crisis contacts come before the questions.
    assert page.index('data-testid="safety-message"') < page.index('name="phq9-phq9_1"')


def test_completing_the_form_completes_the_same_response_without_a_second_alert(
    signed_in, upcoming, episode
):
    key = uuid.uuid4()
    signed_in.post(
        check_in_url(upcoming),
        _gad7_item_left_blank(check_in_post(PHQ9_WITH_ITEM9, MILD_GAD7, key=key)),
    )
    kept = _kept_phq9()
    done = signed_in.post(
        check_in_url(upcoming), check_in_post(PHQ9_WITH_ITEM9, MILD_GAD7, key=key), follow=True
    )
    page = done.content.decode()
    assert done.redirect_chain[-1][0] == reverse("portal:thanks", args=[upcoming.pk, "check_in"])
    assert 'data-testid="safety-message"' in page
    assert Response.all_objects.count() == 2  # PHQ-9 and GAD-7, once each
    phq9 = _kept_phq9()
    assert phq9.pk == kept.pk and phq9.complete is True
    assert phq9.score == 11 and phq9.scores["scales"]["total"]["value"] == 11
    assert Response.objects.get(instrument_version__instrument__code="gad7").score == 7
    assert Alert.objects.filter(kind=AlertKind.SAFETY).count() == 1
    assert SafetyNotification.objects.count() == 1
    # Sending the completed form again changes nothing (the same key, the same result).
    again = signed_in.post(check_in_url(upcoming), check_in_post(PHQ9_WITH_ITEM9, MILD_GAD7))
    assert again.status_code == 302
    assert Response.all_objects.count() == 2
    assert Alert.objects.count() == 1


def test_the_form_opens_again_with_what_was_kept(signed_in, upcoming):
    post = _gad7_item_left_blank(check_in_post(PHQ9_WITH_ITEM9, MILD_GAD7))
    signed_in.post(check_in_url(upcoming), post)
    page = signed_in.get(check_in_url(upcoming)).content.decode()
    assert 'name="phq9-phq9_9" value="LA6571-9" checked' in page
    assert 'name="gad7-gad7_1" value="LA6569-3" checked' in page
    assert f'name="idempotency_key" value="{post["idempotency_key"]}"' in page
    assert 'data-testid="safety-message"' in page
    # A fresh tab (a new key) completes the same form, not a second one.
    signed_in.post(check_in_url(upcoming), check_in_post(PHQ9_WITH_ITEM9, MILD_GAD7))
    assert Response.all_objects.count() == 2
    assert all(Response.all_objects.values_list("complete", flat=True))
    assert Alert.objects.count() == 1


def test_a_partial_form_without_a_safety_answer_stores_nothing(signed_in, upcoming):
    post = _gad7_item_left_blank(check_in_post([1] * 8 + [0], MILD_GAD7))
    response = signed_in.post(check_in_url(upcoming), post)
    assert response.status_code == 400
    assert Response.all_objects.count() == 0
    assert not Alert.objects.exists()
    assert 'data-testid="safety-message"' not in response.content.decode()


def test_a_higher_answer_on_completion_raises_the_same_alert_to_urgent(
    signed_in, upcoming, episode
):
    key = uuid.uuid4()
    high = [1] * 8 + [1]
    signed_in.post(
        check_in_url(upcoming), _gad7_item_left_blank(check_in_post(high, MILD_GAD7, key=key))
    )
    assert Alert.objects.get().severity == Severity.HIGH
    signed_in.post(check_in_url(upcoming), check_in_post(PHQ9_WITH_ITEM9, MILD_GAD7, key=key))
    alert = Alert.objects.get()
    assert alert.severity == Severity.URGENT
    assert SafetyNotification.objects.count() == 1


def test_a_form_in_progress_lends_no_total_to_the_engine_or_the_caseload(
    signed_in, upcoming, episode, therapist
):
    signed_in.post(
        check_in_url(upcoming), _gad7_item_left_blank(check_in_post(PHQ9_WITH_ITEM9, MILD_GAD7))
    )
    batch = episode_batch([episode], now=upcoming.scheduled_at)
    row = list(batch.session_number[0]).index(upcoming.number)
    assert batch.phq9[0, row] != batch.phq9[0, row]  # NaN: no total from an incomplete form
    (line,) = caseload(therapist, upcoming.scheduled_at)
    assert line.episode.phq9 is None and line.trend == []
    assert line.level == 0  # but the urgent safety alert puts the client first


# --------------------------------------------------------------------------- the e-mailed link


@pytest.fixture
def check_in_link(episode, upcoming):
    link, token = reminders.create_link(episode=episode, session=upcoming, phase=Phase.CHECK_IN)
    return link, reminders.link_path(token)


@pytest.mark.parametrize(("spoil", "message"), PARTIAL_FORMS)
def test_link_partial_check_in_keeps_item_9_and_opens_the_alert(
    client, check_in_link, episode, spoil, message
):
    episode.client.practice.crisis_resources = [
        {"name": "Practice crisis line", "contact": "0800 000 000", "note": ""}
    ]
    episode.client.practice.save()
    link, url = check_in_link
    post = spoil(check_in_post(PHQ9_WITH_ITEM9, MILD_GAD7))
    response = client.post(url, post)
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert message in page
    _assert_safety_answer_kept(page, episode)
    assert "Practice crisis line" in page
    assert 'name="gad7-gad7_7" value="LA6569-3" checked' in page
    assert f'name="idempotency_key" value="{post["idempotency_key"]}"' in page
    # The link stays usable to complete the form; opening it again shows what was kept.
    assert FormLink.objects.get(pk=link.pk).used_at is None
    again = client.get(url).content.decode()
    assert 'name="phq9-phq9_9" value="LA6571-9" checked' in again
    done = client.post(url, check_in_post(PHQ9_WITH_ITEM9, MILD_GAD7))
    assert 'data-testid="stored-confirmation"' in done.content.decode()
    assert FormLink.objects.get(pk=link.pk).used_at is not None
    assert Response.all_objects.count() == 2
    assert all(Response.all_objects.values_list("complete", flat=True))
    assert Alert.objects.count() == 1


# --------------------------------------------------------------------------- the one flow


def test_every_form_goes_through_the_one_flow_and_is_stored_once(episode, client_user):
    """The exit feedback (care.endings) is stored by the same flow: once, whatever the key."""
    from attune.care.endings import end_episode
    from attune.care.models import EndingKind

    end_episode(
        episode=episode,
        kind=EndingKind.PLANNED,
        ended_on=date.today(),
        note="",
        by=episode.therapist,
        portal_url="/me/",
        request_exit_feedback=False,
    )
    answers = {"exit_feedback": {"overall": "7"}}
    first = submit_exit_feedback(
        episode=episode, respondent=client_user, answers=answers, idempotency_key=uuid.uuid4()
    )
    second = submit_exit_feedback(
        episode=episode, respondent=client_user, answers=answers, idempotency_key=uuid.uuid4()
    )
    assert first.ok and not first.already_stored
    assert second.already_stored and [r.pk for r in second.responses] == [
        r.pk for r in first.responses
    ]


def test_the_service_returns_the_errors_and_the_kept_response(episode, upcoming, client_user):
    answers = {"phq9": {f"phq9_{n}": FREQUENCY[1] for n in range(1, 10)}, "gad7": {}}
    answers["phq9"]["phq9_9"] = FREQUENCY[2]
    result = submit_form(
        episode=episode,
        session=upcoming,
        respondent=client_user,
        phase=Phase.CHECK_IN,
        answers=answers,
        idempotency_key=uuid.uuid4(),
    )
    assert not result.ok and result.kept_in_progress
    assert set(result.errors) == {"gad7"}
    assert result.safety_level == "urgent"
    assert {r.instrument_version.instrument.code for r in result.responses} == {"phq9", "gad7"}
    assert not any(r.complete for r in result.responses)


def test_a_partial_form_sent_twice_with_the_same_key_is_kept_once(signed_in, upcoming):
    post = _gad7_item_left_blank(check_in_post(PHQ9_WITH_ITEM9, MILD_GAD7))
    first = signed_in.post(check_in_url(upcoming), post)
    second = signed_in.post(check_in_url(upcoming), post)
    assert first.status_code == second.status_code == 400
    assert 'data-testid="safety-message"' in second.content.decode()
    assert Response.all_objects.count() == 2
    assert Alert.objects.count() == 1
    assert SafetyNotification.objects.count() == 1
