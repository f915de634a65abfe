"""Password-free form links (``/f/<token>/``): one form, for one client, once, until it expires;
nothing else opens with it, and the token is kept out of the database and the logs."""

from __future__ import annotations

import html
import logging
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from attune.alerts.models import Alert, AlertKind, Severity
from attune.care.endings import end_episode
from attune.care.models import Attendance, EndingKind
from attune.measures.models import Phase, Response
from attune.practice.invitations import invitation_link
from attune.reminders import services
from attune.reminders.models import FormLink
from attune.reminders.redaction import RedactFormLinkTokens, redact
from tests.answers import check_in_post, feedback_post
from tests.care_helpers import as_user, exit_post

pytestmark = pytest.mark.django_db

MODERATE_PHQ9 = [2, 2, 2, 1, 1, 2, 1, 1, 0]
MILD_GAD7 = [1, 1, 1, 1, 1, 1, 1]


@pytest.fixture
def check_in_link(episode, upcoming):
    link, token = services.create_link(episode=episode, session=upcoming, phase=Phase.CHECK_IN)
    return link, services.link_path(token), token


def stored():
    return Response.objects.count()


def says(response, reason):
    """The friendly page of a spent link: 200, the reason, and no form."""
    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-testid="link-{reason}"' in page
    assert 'name="phq9-phq9_1"' not in page
    assert 'data-testid="crisis-resources"' in page
    return True


def test_a_link_opens_the_check_in_without_a_password(client, check_in_link):
    _, url, _ = check_in_link
    response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Check-in before your session" in page
    assert 'name="phq9-phq9_9"' in page
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "strict-origin"
    assert "noindex" in response["X-Robots-Tag"]
    # Nobody was signed in.
    assert "_auth_user_id" not in client.session
    assert "sessionid" not in response.cookies


def test_submitting_stores_the_check_in_once_and_uses_the_link(
    client, check_in_link, client_user, upcoming
):
    link, url, _ = check_in_link
    response = client.post(url, check_in_post(MODERATE_PHQ9, MILD_GAD7))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="stored-confirmation"' in page
    assert 'data-testid="safety-message"' not in page
    responses = Response.objects.all()
    assert {r.instrument_version.instrument.code for r in responses} == {"phq9", "gad7"}
    assert all(
        r.respondent == client_user and r.session == upcoming and r.phase == Phase.CHECK_IN
        for r in responses
    )
    link.refresh_from_db()
    assert link.used_at is not None
    assert "_auth_user_id" not in client.session


def test_a_double_submit_stores_once_and_shows_the_thanks_again(client, check_in_link):
    _, url, _ = check_in_link
    post = check_in_post(MODERATE_PHQ9, MILD_GAD7)
    first = client.post(url, post)
    second = client.post(url, post)
    assert first.status_code == second.status_code == 200
    assert 'data-testid="stored-confirmation"' in second.content.decode()
    assert stored() == 2


def test_a_used_link_says_the_form_was_sent(client, check_in_link):
    _, url, _ = check_in_link
    client.post(url, check_in_post(MODERATE_PHQ9, MILD_GAD7))
    response = client.get(url)
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "You have already sent this form" in page
    assert 'name="phq9-phq9_1"' not in page
    assert says(response, "used")
    # Another form posted to the used link (new key) stores nothing.
    assert says(client.post(url, check_in_post([0] * 9, [0] * 7)), "used")
    assert stored() == 2
    assert Response.objects.get(instrument_version__instrument__code="phq9").score == 12


def test_a_form_answered_in_the_portal_makes_the_link_used(
    client, check_in_link, client_user, upcoming
):
    _, url, _ = check_in_link
    as_user(client, client_user)
    client.post(
        reverse("portal:check-in", args=[upcoming.pk]), check_in_post(MODERATE_PHQ9, MILD_GAD7)
    )
    client.logout()
    assert says(client.get(url), "used")
    assert says(client.post(url, check_in_post([0] * 9, [0] * 7)), "used")
    assert stored() == 2


def test_an_expired_link_says_so(client, check_in_link):
    link, url, _ = check_in_link
    FormLink.objects.filter(pk=link.pk).update(
        created_at=timezone.now() - timedelta(hours=80),
        expires_at=timezone.now() - timedelta(hours=8),
    )
    response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "This link has expired" in page
    assert says(response, "expired")
    assert says(client.post(url, check_in_post(MODERATE_PHQ9, MILD_GAD7)), "expired")
    assert stored() == 0


def test_a_link_lasts_the_configured_hours(settings, episode, upcoming):
    settings.ATTUNE_LINK_HOURS = 5
    now = timezone.now()
    link, _ = services.create_link(episode=episode, session=upcoming, phase=Phase.CHECK_IN, now=now)
    assert link.expires_at == now + timedelta(hours=5)


def test_a_link_to_a_closed_form_says_so(client, episode, last_attended):
    link, token = services.create_link(episode=episode, session=last_attended, phase=Phase.CHECK_IN)
    response = client.get(services.link_path(token))
    assert says(response, "closed")
    assert "isn't open at the moment" in html.unescape(response.content.decode())


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # tampered
        lambda t: "x" * 43,  # unknown, well-formed
        lambda t: t[:20],  # truncated
        lambda t: t + "A",  # too long
        lambda t: "..%2F..%2Fme",
    ],
)
def test_an_unknown_or_tampered_token_is_not_found(client, check_in_link, mangle):
    _, _, token = check_in_link
    url = reverse("reminders:form-link", args=[mangle(token)])
    assert client.get(url).status_code == 404
    assert client.post(url, check_in_post(MODERATE_PHQ9, MILD_GAD7)).status_code == 404
    assert stored() == 0


@pytest.mark.parametrize("someone", ["other_client", "therapist", "colleague"])
def test_someone_else_signed_in_cannot_open_the_link(request, client, check_in_link, someone):
    _, url, _ = check_in_link
    as_user(client, request.getfixturevalue(someone))
    assert client.get(url).status_code == 404
    assert client.post(url, check_in_post(MODERATE_PHQ9, MILD_GAD7)).status_code == 404
    assert stored() == 0


def test_the_client_signed_in_can_still_use_their_link(client, check_in_link, client_user):
    _, url, _ = check_in_link
    as_user(client, client_user)
    assert client.get(url).status_code == 200


def test_a_link_opens_one_form_and_nothing_else(client, check_in_link, upcoming, last_attended):
    _, url, token = check_in_link
    client.get(url)
    client.post(url, check_in_post(MODERATE_PHQ9, MILD_GAD7))
    login = reverse("login")
    for page in [
        reverse("portal:home"),
        reverse("portal:check-in", args=[upcoming.pk]),
        reverse("portal:feedback", args=[last_attended.pk]),
        reverse("portal:thanks", args=[upcoming.pk, "check_in"]),
        reverse("workspace:caseload"),
    ]:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(login), page
    assert client.get(f"/f/{token}/feedback/").status_code == 404
    assert client.get(f"/f/{token}/thanks/").status_code == 404


def test_feedback_fields_posted_to_a_check_in_link_store_no_feedback(client, check_in_link):
    _, url, _ = check_in_link
    post = check_in_post(MODERATE_PHQ9, MILD_GAD7) | feedback_post()
    client.post(url, post)
    assert set(Response.objects.values_list("phase", flat=True)) == {Phase.CHECK_IN}


def test_a_feedback_link_stores_feedback(client, episode, last_attended):
    link, token = services.create_link(episode=episode, session=last_attended, phase=Phase.FEEDBACK)
    url = services.link_path(token)
    assert "How was your session?" in client.get(url).content.decode()
    response = client.post(url, feedback_post(comment="It helped to slow down."))
    assert response.status_code == 200
    feedback = Response.objects.get()
    assert (feedback.phase, feedback.session) == (Phase.FEEDBACK, last_attended)
    assert feedback.answers["comment"] == "It helped to slow down."


def test_an_exit_link_stores_the_exit_feedback(client, episode, therapist):
    end_episode(
        episode=episode, kind=EndingKind.PLANNED, ended_on=timezone.localdate(), note="",
        by=therapist, portal_url="",
    )  # fmt: skip
    link, token = services.create_link(episode=episode, phase=Phase.EXIT)
    url = services.link_path(token)
    assert "Tell us about your therapy" in client.get(url).content.decode()
    assert client.post(url, exit_post()).status_code == 200
    assert Response.objects.get().phase == Phase.EXIT
    assert says(client.get(url), "used")


@pytest.mark.parametrize(("item9", "severity"), [(1, Severity.HIGH), (2, Severity.URGENT)])
def test_a_safety_answer_shows_crisis_resources_and_alerts_the_therapist(
    client, check_in_link, episode, item9, severity
):
    episode.client.practice.crisis_resources = [
        {"name": "Practice crisis line", "contact": "0800 000 000", "note": ""}
    ]
    episode.client.practice.save()
    _, url, _ = check_in_link
    response = client.post(url, check_in_post([1] * 8 + [item9], MILD_GAD7))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="safety-message"' in page
    assert "Practice crisis line" in page  # the client's practice, although nobody signed in
    alert = Alert.objects.get()
    assert (alert.kind, alert.severity, alert.episode) == (AlertKind.SAFETY, severity, episode)


def test_bad_answers_keep_the_rest_and_leave_the_link_unused(client, check_in_link):
    link, url, _ = check_in_link
    post = check_in_post(MODERATE_PHQ9, MILD_GAD7)
    del post["phq9-phq9_3"]
    response = client.post(url, post)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Please choose an answer." in page
    assert 'name="phq9-phq9_1" value="LA6570-1" checked' in page
    link.refresh_from_db()
    assert link.used_at is None
    assert stored() == 0
    assert client.post(url, check_in_post(MODERATE_PHQ9, MILD_GAD7)).status_code == 200


def test_a_tampered_idempotency_key_keeps_the_answers(client, check_in_link):
    _, url, _ = check_in_link
    post = check_in_post(MODERATE_PHQ9, MILD_GAD7)
    post["idempotency_key"] = "nope"
    response = client.post(url, post)
    assert response.status_code == 400
    assert 'name="phq9-phq9_1" value="LA6570-1" checked' in response.content.decode()
    assert stored() == 0


def test_the_link_is_used_in_the_same_transaction_as_the_answers(
    client, check_in_link, monkeypatch
):
    """If marking the link used fails, the answers are not stored either (and vice versa)."""
    _, url, _ = check_in_link
    original = FormLink.save

    def broken(self, *args, **kwargs):
        if kwargs.get("update_fields") == ["used_at"]:
            raise RuntimeError("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(FormLink, "save", broken)
    with pytest.raises(RuntimeError):
        client.post(url, check_in_post(MODERATE_PHQ9, MILD_GAD7))
    assert stored() == 0
    assert not Alert.objects.exists()


def test_only_a_hash_of_the_token_is_stored(check_in_link):
    link, _, token = check_in_link
    assert link.token_hash == services.hash_token(token) != token
    assert len(token) == 43
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM reminders_formlink")
        row = cursor.fetchone()
    assert all(token not in str(value) for value in row)


def test_the_exit_form_belongs_to_the_episode_and_the_others_to_a_session(episode, upcoming):
    with pytest.raises(ValueError, match="exit"):
        services.create_link(episode=episode, session=upcoming, phase=Phase.EXIT)
    with pytest.raises(ValueError, match="session"):
        services.create_link(episode=episode, phase=Phase.CHECK_IN)
    with pytest.raises(ValueError):
        services.create_link(episode=episode, session=upcoming, phase="intake")


def test_a_session_of_another_episode_is_refused(episode, other_episode):
    with pytest.raises(ValueError, match="another episode"):
        services.create_link(
            episode=episode, session=other_episode.sessions.first(), phase=Phase.CHECK_IN
        )


def test_tokens_do_not_reach_the_logs(client, check_in_link, caplog):
    _, url, token = check_in_link
    with caplog.at_level(logging.INFO):
        client.get(url[:-2] + "x/")  # a 404 that Django logs with its path
        client.post(url, check_in_post([0] * 9, [0] * 6))  # a 400
        client.post(url, check_in_post(MODERATE_PHQ9, MILD_GAD7))
        client.get(url)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "/f/…" in text
    assert token not in text
    assert token[:20] not in text


def test_invitation_and_password_reset_tokens_do_not_reach_the_logs(client, client_user, caplog):
    link = invitation_link(client_user, "http://testserver")
    path = link.removeprefix("http://testserver")
    token = path.rstrip("/").rsplit("/", 1)[1]
    with caplog.at_level(logging.INFO):
        client.get(path.replace(token, token[:-3] + "xyz"))  # a tampered link
        client.get(path[:-1] + "x/")
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, "", 0, '"%(m)s %(U)s"', {"m": "GET", "U": path}, None
    )
    RedactFormLinkTokens().filter(record)
    text = "\n".join(r.getMessage() for r in caplog.records) + record.getMessage()
    assert "/accounts/reset/…/…" in record.getMessage()
    assert token not in text
    assert redact("/accounts/reset/done/") == "/accounts/reset/done/"


def test_the_redaction_covers_gunicorn_and_runserver_lines():
    token = "A" * 43
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, "", 0, '%(h)s "%(m)s %(U)s"',
        {"h": "127.0.0.1", "m": "GET", "U": f"/f/{token}/"}, None,
    )  # fmt: skip
    RedactFormLinkTokens().filter(record)
    assert record.getMessage() == '127.0.0.1 "GET /f/…/"'
    record = logging.LogRecord(
        "django.server", logging.INFO, "", 0, '"%s" %s %s', (f"GET /f/{token}/ HTTP/1.1", 200, 5),
        None,
    )  # fmt: skip
    RedactFormLinkTokens().filter(record)
    assert token not in record.getMessage()
    assert redact("/me/sessions/3/check-in/") == "/me/sessions/3/check-in/"


def test_a_cancelled_session_closes_its_check_in_link(client, check_in_link, upcoming):
    _, url, _ = check_in_link
    upcoming.attendance = Attendance.CANCELLED
    upcoming.save()
    assert says(client.get(url), "closed")
    assert says(
        client.post(url, check_in_post(MODERATE_PHQ9, MILD_GAD7, key=uuid.uuid4())), "closed"
    )
    assert stored() == 0


def test_a_deactivated_client_account_closes_its_links(client, check_in_link, client_user):
    _, url, _ = check_in_link
    client_user.is_active = False
    client_user.save()
    assert client.get(url).status_code == 404
    assert client.post(url, check_in_post(MODERATE_PHQ9, MILD_GAD7)).status_code == 404
    assert stored() == 0


def test_two_valid_links_for_the_same_check_in_store_it_once(client, episode, upcoming):
    """After "send again" the client holds two working links to one form (issue 11): the
    second shows what the first stored, whatever it carries."""
    first, token_1 = services.create_link(episode=episode, session=upcoming, phase=Phase.CHECK_IN)
    second, token_2 = services.create_link(episode=episode, session=upcoming, phase=Phase.CHECK_IN)
    assert client.post(services.link_path(token_1), check_in_post(MODERATE_PHQ9, MILD_GAD7))
    again = client.post(services.link_path(token_2), check_in_post([3] * 9, [3] * 7))
    assert again.status_code in {200, 302}
    assert Response.objects.filter(session=upcoming).count() == 2  # PHQ-9 and GAD-7, once
    phq9 = Response.objects.get(session=upcoming, instrument_version__instrument__code="phq9")
    assert phq9.score == sum(MODERATE_PHQ9)  # the first link's answers
