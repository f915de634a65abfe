"""The first loop through Django's test client: check-in, feedback, safety, idempotency and
bad input."""

from __future__ import annotations

import html
import uuid

import pytest
from django.urls import reverse

from attune.alerts.models import Alert, AlertKind, AlertStatus, Severity
from attune.measures.models import Phase, Response
from tests.answers import check_in_post, feedback_post
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

MODERATE_PHQ9 = [2, 2, 2, 1, 1, 2, 1, 1, 0]  # total 12: "Moderate", a case (≥ 10)
MILD_GAD7 = [1, 1, 1, 1, 1, 1, 1]  # total 7: "Mild", not a case (< 8)


def check_in_url(session):
    return reverse("portal:check-in", args=[session.pk])


def test_the_client_home_lists_the_open_check_in_and_feedback(signed_in, upcoming, last_attended):
    page = signed_in.get(reverse("portal:home")).content.decode()
    assert check_in_url(upcoming) in page
    assert reverse("portal:feedback", args=[last_attended.pk]) in page


def test_a_check_in_stores_one_scored_response_per_instrument(signed_in, upcoming, episode):
    response = signed_in.post(check_in_url(upcoming), check_in_post(MODERATE_PHQ9, MILD_GAD7))
    assert response.status_code == 302
    stored = {r.instrument_version.instrument.code: r for r in Response.objects.all()}
    assert set(stored) == {"phq9", "gad7"}
    assert stored["phq9"].score == 12
    assert stored["phq9"].scores["scales"]["total"] == {
        "value": 12,
        "band": "Moderate",
        "caseness": True,
    }
    assert stored["gad7"].score == 7
    assert stored["gad7"].scores["scales"]["total"]["caseness"] is False
    assert all(r.episode == episode and r.phase == Phase.CHECK_IN for r in stored.values())
    assert not Alert.objects.exists()


def test_the_same_form_sent_twice_is_stored_once(signed_in, upcoming):
    key = uuid.uuid4()
    post = check_in_post(MODERATE_PHQ9, MILD_GAD7, key=key)
    first = signed_in.post(check_in_url(upcoming), post)
    second = signed_in.post(check_in_url(upcoming), post)
    assert first.status_code == second.status_code == 302
    assert Response.objects.count() == 2  # PHQ-9 and GAD-7, once each
    assert set(Response.objects.values_list("idempotency_key", flat=True)) == {key}


def test_a_second_check_in_for_the_same_session_is_not_stored(signed_in, upcoming):
    signed_in.post(check_in_url(upcoming), check_in_post(MODERATE_PHQ9, MILD_GAD7))
    again = signed_in.post(check_in_url(upcoming), check_in_post([0] * 9, [0] * 7))
    assert again.status_code == 302
    assert Response.objects.count() == 2
    assert Response.objects.get(instrument_version__instrument__code="phq9").score == 12


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phq9-phq9_3", None, "Please choose an answer."),
        ("phq9-phq9_3", "LA9999-9", "isn't one of the choices"),
        ("gad7-gad7_2", "<script>", "isn't one of the choices"),
    ],
)
def test_invalid_answers_get_a_clear_message_and_keep_the_rest(
    signed_in, upcoming, field, value, message
):
    post = check_in_post(MODERATE_PHQ9, MILD_GAD7)
    if value is None:
        del post[field]
    else:
        post[field] = value
    response = signed_in.post(check_in_url(upcoming), post)
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert message in page
    assert Response.objects.count() == 0
    # Every other answer is still selected on the page that comes back.
    assert 'name="phq9-phq9_1" value="LA6570-1" checked' in page
    assert 'name="gad7-gad7_7" value="LA6569-3" checked' in page
    assert f'name="idempotency_key" value="{post["idempotency_key"]}"' in page


@pytest.mark.parametrize("value", ["11", "-1", "ten", "9.5"])
def test_an_out_of_range_rating_is_refused_with_a_message(signed_in, last_attended, value):
    post = feedback_post(comment="It helped to slow down.")
    post["session_feedback-bond"] = value
    response = signed_in.post(reverse("portal:feedback", args=[last_attended.pk]), post)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Please choose a number from 0 to 10." in page
    assert "It helped to slow down." in page
    assert Response.objects.count() == 0


def test_a_tampered_idempotency_key_keeps_the_answers(signed_in, upcoming):
    post = check_in_post(MODERATE_PHQ9, MILD_GAD7)
    post["idempotency_key"] = "not-a-key"
    response = signed_in.post(check_in_url(upcoming), post)
    assert response.status_code == 400
    assert 'name="phq9-phq9_1" value="LA6570-1" checked' in response.content.decode()
    assert Response.objects.count() == 0


def test_feedback_with_a_rupture_is_stored_with_the_alliance_total(signed_in, last_attended):
    post = feedback_post(
        bond=6,
        goals=5,
        approach=4,
        overall=5,
        rupture="yes",
        resolved="partly",
        comment="I felt rushed at the end.",
    )
    response = signed_in.post(reverse("portal:feedback", args=[last_attended.pk]), post)
    assert response.status_code == 302
    stored = Response.objects.get()
    assert stored.phase == Phase.FEEDBACK
    assert stored.score == 20
    assert stored.answers["rupture"] == "yes"
    assert stored.answers["rupture_resolved"] == "partly"
    assert stored.answers["comment"] == "I felt rushed at the end."


def test_no_rupture_drops_the_resolution_answer(signed_in, last_attended):
    post = feedback_post(rupture="no", resolved="completely")
    signed_in.post(reverse("portal:feedback", args=[last_attended.pk]), post)
    assert "rupture_resolved" not in Response.objects.get().answers


@pytest.mark.parametrize(
    ("item9", "severity"), [(1, Severity.HIGH), (2, Severity.URGENT), (3, Severity.URGENT)]
)
def test_item_9_shows_crisis_resources_and_opens_a_safety_alert(
    signed_in, upcoming, episode, item9, severity
):
    phq9 = [1, 1, 1, 1, 1, 1, 1, 1, item9]
    response = signed_in.post(check_in_url(upcoming), check_in_post(phq9, MILD_GAD7), follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="safety-message"' in page
    assert "TelefonSeelsorge" in page
    assert "not watched in real time" in page
    alert = Alert.objects.get()
    assert (alert.kind, alert.severity, alert.status) == (
        AlertKind.SAFETY,
        severity,
        AlertStatus.OPEN,
    )
    assert alert.episode == episode
    assert alert.response.instrument_version.instrument.code == "phq9"
    assert alert.evidence["items"][0]["item"] == "phq9_9"
    assert alert.evidence["items"][0]["value"] == item9
    assert alert.events.get().kind == "opened"


def test_item_9_at_zero_shows_no_crisis_message_and_no_alert(signed_in, upcoming):
    response = signed_in.post(
        check_in_url(upcoming), check_in_post([3, 3, 3, 3, 3, 3, 3, 3, 0], MILD_GAD7), follow=True
    )
    assert 'data-testid="safety-message"' not in response.content.decode()
    assert not Alert.objects.exists()


def test_the_therapist_sees_the_responses_by_session(
    client, signed_in, upcoming, therapist, episode
):
    signed_in.post(check_in_url(upcoming), check_in_post(MODERATE_PHQ9, MILD_GAD7))
    client.logout()
    sign_in(client, therapist)
    caseload = client.get(reverse("workspace:caseload")).content.decode()
    assert "Cleo" in caseload
    page = client.get(reverse("workspace:episode", args=[episode.pk])).content.decode()
    assert "PHQ-9 12" in page
    assert "GAD-7 7" in page
    phq9 = Response.objects.get(instrument_version__instrument__code="phq9")
    detail = client.get(reverse("workspace:response", args=[phq9.pk])).content.decode()
    assert "More than half the days" in detail
