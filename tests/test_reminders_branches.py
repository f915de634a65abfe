"""Reminders' rarer paths: "send now" and "send again" refused with a reason (a client without an
e-mail address, a form closed or answered, a phase that is not sent), an e-mail server that is
down, and a form link used or closed meanwhile."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from attune.care.models import Attendance, Session
from attune.measures.models import Phase, Response
from attune.reminders import services
from attune.reminders.models import DeliveryStatus, LinkPhase, ReminderDelivery
from tests import factories
from tests.answers import check_in_post
from tests.care_helpers import as_user

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/f/[A-Za-z0-9_-]{43}/")
DOWN = "tests.mail_server_down.EmailBackend"


def _no_email(episode) -> None:
    user = episode.client.user
    user.email = ""
    user.save(update_fields=["email"])


def test_send_now_says_why_it_sends_nothing(episode, upcoming, therapist, client_user):
    with pytest.raises(services.ResendRefused, match="Only check-ins and session feedback"):
        services.send_now(session=upcoming, phase=Phase.FIT_CHECK, by=therapist)
    far = Session.objects.create(
        episode=episode, number=9, scheduled_at=timezone.now() + timedelta(days=9)
    )
    with pytest.raises(services.ResendRefused, match="not open at the moment"):
        services.send_now(session=far, phase=Phase.CHECK_IN, by=therapist)
    _no_email(episode)
    assert services.due_reminders() == []  # no address: nothing due either
    with pytest.raises(services.ResendRefused, match="no e-mail address"):
        services.send_now(session=upcoming, phase=Phase.CHECK_IN, by=therapist)
    assert not ReminderDelivery.objects.exists()
    assert mail.outbox == []


def test_send_now_refuses_a_form_already_answered(
    client, episode, upcoming, therapist, client_user
):
    as_user(client, client_user)
    client.post(reverse("portal:check-in", args=[upcoming.pk]), check_in_post([0] * 9, [0] * 7))
    with pytest.raises(services.ResendRefused, match="already completed"):
        services.send_now(session=upcoming, phase=Phase.CHECK_IN, by=therapist)


def test_the_send_now_page_answers_404_for_another_phase_and_reports_a_failed_mail(
    client, settings, episode, upcoming, therapist
):
    as_user(client, therapist)
    url = reverse("reminders:send-now", args=[upcoming.pk, "exit"])
    assert client.post(url).status_code == 404
    settings.EMAIL_BACKEND = DOWN
    url = reverse("reminders:send-now", args=[upcoming.pk, Phase.CHECK_IN])
    page = client.post(url, follow=True).content.decode()
    assert "The e-mail could not be sent; the reminder shows as failed." in page
    assert ReminderDelivery.objects.get().status == DeliveryStatus.FAILED


def test_send_again_reports_a_failed_mail_and_refuses_without_an_address(
    client, settings, episode, upcoming, therapist
):
    first = services.send_now(session=upcoming, phase=Phase.CHECK_IN, by=therapist)
    ReminderDelivery.objects.update(created_at=timezone.now() - timedelta(hours=1))
    first.refresh_from_db()
    as_user(client, therapist)
    settings.EMAIL_BACKEND = DOWN
    page = client.post(reverse("reminders:resend", args=[first.pk]), follow=True).content.decode()
    assert "The e-mail could not be sent. Please try again later." in page
    ReminderDelivery.objects.update(created_at=timezone.now() - timedelta(hours=1))
    _no_email(episode)
    first.refresh_from_db()
    with pytest.raises(services.ResendRefused, match="no e-mail address"):
        services.resend(delivery=first, by=therapist)


def test_send_again_refuses_a_form_that_has_closed(episode, upcoming, therapist):
    first = services.send_now(session=upcoming, phase=Phase.CHECK_IN, by=therapist)
    Session.objects.filter(pk=upcoming.pk).update(
        scheduled_at=timezone.now() - timedelta(days=3), attendance=Attendance.ATTENDED
    )
    first.refresh_from_db()
    with pytest.raises(services.ResendRefused, match="no longer open"):
        services.resend(delivery=first, by=therapist)


def test_a_link_spent_meanwhile_says_used_and_a_closed_form_says_closed(
    client, episode, upcoming, therapist
):
    delivery = services.send_now(session=upcoming, phase=Phase.CHECK_IN, by=therapist)
    link = delivery.link
    answers = {"phq9": {f"phq9_{n}": "LA6568-5" for n in range(1, 10)}}
    answers["gad7"] = {f"gad7_{n}": "LA6568-5" for n in range(1, 8)}
    first = services.submit_through_link(link=link, answers=answers, idempotency_key=uuid.uuid4())
    assert first.outcome == services.LinkOutcome.STORED
    again = services.submit_through_link(link=link, answers=answers, idempotency_key=uuid.uuid4())
    assert again.outcome == services.LinkOutcome.USED
    assert again.responses == []
    assert services.answered_with(link, None) == []


def test_a_second_send_now_is_refused_and_a_partial_form_keeps_the_link(
    episode, upcoming, therapist
):
    delivery = services.send_now(session=upcoming, phase=Phase.CHECK_IN, by=therapist)
    with pytest.raises(services.ResendRefused, match="already sent for this form"):
        services.send_now(session=upcoming, phase=Phase.CHECK_IN, by=therapist)
    assert services.latest_deliveries([]) == {}
    link = delivery.link
    partial = {"phq9": {"phq9_1": "LA6568-5"}, "gad7": {}}
    invalid = services.submit_through_link(link=link, answers=partial, idempotency_key=uuid.uuid4())
    assert invalid.outcome == services.LinkOutcome.INVALID
    assert invalid.submission is not None and not invalid.submission.ok
    link.refresh_from_db()
    assert link.used_at is None  # still usable to complete the form


def _all_answered() -> dict[str, dict[str, str]]:
    answers = {"phq9": {f"phq9_{n}": "LA6568-5" for n in range(1, 10)}}
    answers["gad7"] = {f"gad7_{n}": "LA6568-5" for n in range(1, 8)}
    return answers


def test_the_same_key_again_through_a_spent_link_is_thanked_again(episode, upcoming, therapist):
    link = services.send_now(session=upcoming, phase=Phase.CHECK_IN, by=therapist).link
    key = uuid.uuid4()
    first = services.submit_through_link(link=link, answers=_all_answered(), idempotency_key=key)
    again = services.submit_through_link(link=link, answers=_all_answered(), idempotency_key=key)
    assert again.outcome == services.LinkOutcome.STORED
    assert {r.pk for r in again.responses} == {r.pk for r in first.responses}


def _link_path() -> str:
    [message] = mail.outbox
    [url] = LINK.findall(message.body)
    return url.split("127.0.0.1:8000", 1)[1]


def test_a_link_to_a_form_that_has_closed_says_so(client, episode, upcoming, therapist):
    services.send_now(session=upcoming, phase=Phase.CHECK_IN, by=therapist)
    path = _link_path()
    Session.objects.filter(pk=upcoming.pk).update(
        scheduled_at=timezone.now() - timedelta(days=3), attendance=Attendance.ATTENDED
    )
    page = client.post(path, check_in_post([0] * 9, [0] * 7))
    assert page.status_code == 200
    assert "Form closed" in page.content.decode()
    assert not Response.objects.exists()


def test_a_link_to_a_form_answered_in_the_portal_meanwhile_says_used(
    client, episode, upcoming, therapist, client_user
):
    services.send_now(session=upcoming, phase=Phase.CHECK_IN, by=therapist)
    path = _link_path()
    as_user(client, client_user)
    client.post(reverse("portal:check-in", args=[upcoming.pk]), check_in_post([0] * 9, [0] * 7))
    client.logout()
    page = client.post(path, check_in_post([1] * 9, [1] * 7))
    assert "Already sent" in page.content.decode()
    assert Response.objects.count() == 2  # the portal's PHQ-9 and GAD-7 only


def test_an_exit_link_finds_what_was_stored_under_its_key_in_the_episode(
    episode, other_episode, last_attended
):
    link = factories.FormLinkFactory(session=None, episode=episode, phase=LinkPhase.EXIT)
    key = uuid.uuid4()
    stored = factories.ResponseFactory(session=last_attended, phase=Phase.EXIT, idempotency_key=key)
    assert services.answered_with(link, key) == [stored]
    assert services.answered_with(link, uuid.uuid4()) == []
    elsewhere = factories.FormLinkFactory(session=None, episode=other_episode, phase=LinkPhase.EXIT)
    assert services.answered_with(elsewhere, key) == []
