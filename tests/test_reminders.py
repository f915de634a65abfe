"""``attune send-reminders``: check-in links before sessions and feedback links after them, each
sent once and logged; the therapist's "not completed" list and "send again", for her own
clients only."""

from __future__ import annotations

import re
import smtplib
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from attune.care.models import Attendance, EpisodeStatus, Session
from attune.measures.models import Phase, Response
from attune.reminders import services
from attune.reminders.models import DeliveryKind, DeliveryStatus, FormLink, ReminderDelivery
from tests.answers import check_in_post, feedback_post
from tests.care_helpers import as_user

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/f/[A-Za-z0-9_-]{43}/")


@pytest.fixture
def just_attended(episode):
    """A session that ended three hours ago and was recorded as attended: feedback is due."""
    return Session.objects.create(
        episode=episode,
        number=3,
        scheduled_at=timezone.now() - timedelta(hours=4),
        attendance=Attendance.ATTENDED,
    )


def send(*args):
    out = StringIO()
    call_command("send_reminders", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def links_in(message):
    return LINK.findall(message.body)


def test_a_run_sends_a_check_in_and_a_feedback_link(episode, upcoming, just_attended, client_user):
    output = send()
    assert "2 sent, 0 failed" in output
    assert len(mail.outbox) == 2
    assert {m.to[0] for m in mail.outbox} == {client_user.email}
    deliveries = ReminderDelivery.objects.order_by("phase")
    assert [(d.session, d.phase, d.status, d.kind) for d in deliveries] == [
        (upcoming, Phase.CHECK_IN, DeliveryStatus.SENT, DeliveryKind.REMINDER),
        (just_attended, Phase.FEEDBACK, DeliveryStatus.SENT, DeliveryKind.REMINDER),
    ]
    assert all(
        d.to_address == client_user.email and d.sent_at and not d.error_kind for d in deliveries
    )
    assert all(d.link.client == client_user for d in deliveries)


def test_a_second_run_sends_nothing_again(episode, upcoming, just_attended):
    send()
    output = send()
    assert "0 sent" in output
    assert len(mail.outbox) == 2
    assert ReminderDelivery.objects.count() == 2
    assert FormLink.objects.count() == 2


def test_a_dry_run_lists_what_is_due_and_sends_nothing(episode, upcoming, just_attended):
    output = send("--dry-run")
    assert f"due: session {upcoming.pk} check_in" in output
    assert f"due: session {just_attended.pk} feedback" in output
    assert "2 reminder(s) due; dry run" in output
    assert mail.outbox == []
    assert not ReminderDelivery.objects.exists()
    assert not FormLink.objects.exists()


def test_the_e_mail_holds_the_link_the_date_the_practice_and_the_crisis_line(
    settings, episode, upcoming
):
    settings.ATTUNE_SITE_URL = "https://attune.example.org/"
    send()
    message = mail.outbox[0]
    [url] = links_in(message)
    assert url.startswith("https://attune.example.org/f/")
    html, mime = message.alternatives[0]
    assert mime == "text/html"
    assert url in html
    local = timezone.localtime(upcoming.scheduled_at)
    for part in (message.body, html):
        assert "Test Practice" in part
        assert "TelefonSeelsorge" in part
        assert f"{local:%A} {local.day} {local:%B}" in part
    assert message.subject == f"A short form before your appointment on {local.day} {local:%B}"
    # No clinical words: not the instruments, not the therapist, not "therapy" or scores. The
    # link's random token is left out: it spelt "phq" once (CI, 2026-11-29).
    for text in (message.subject, message.body.replace(url, ""), html.replace(url, "")):
        for word in ("PHQ", "GAD", "depress", "anxi", "therap", "score", "Tara"):
            assert word.lower() not in text.lower(), word


def test_the_e_mailed_link_opens_the_check_in(client, episode, upcoming):
    send()
    [url] = links_in(mail.outbox[0])
    path = url.split("127.0.0.1:8000", 1)[1]
    assert "Check-in before your session" in client.get(path).content.decode()
    assert client.post(path, check_in_post([1] * 9, [1] * 7)).status_code == 200
    assert Response.objects.filter(session=upcoming, phase=Phase.CHECK_IN).count() == 2


def test_no_reminder_for_a_form_already_answered(client, client_user, episode, upcoming):
    as_user(client, client_user)
    client.post(reverse("portal:check-in", args=[upcoming.pk]), check_in_post([0] * 9, [0] * 7))
    send()
    assert mail.outbox == []


def test_no_reminder_outside_the_windows_or_for_sessions_that_did_not_happen(episode, upcoming):
    now = timezone.now()
    upcoming.scheduled_at = now + timedelta(hours=49)
    upcoming.save()
    Session.objects.create(
        episode=episode, number=3, scheduled_at=now + timedelta(hours=5),
        attendance=Attendance.CANCELLED,
    )  # fmt: skip
    Session.objects.create(
        episode=episode, number=4, scheduled_at=now - timedelta(hours=3),
        attendance=Attendance.NO_SHOW,
    )  # fmt: skip
    Session.objects.create(
        episode=episode, number=5, scheduled_at=now - timedelta(hours=50),
        attendance=Attendance.ATTENDED,
    )  # fmt: skip
    Session.objects.create(
        episode=episode, number=6, scheduled_at=now - timedelta(hours=2),
        attendance=Attendance.SCHEDULED,  # not recorded as attended yet
    )  # fmt: skip
    assert services.due_reminders() == []
    send()
    assert mail.outbox == []


def test_the_windows_are_configurable(settings, episode, upcoming):
    upcoming.scheduled_at = timezone.now() + timedelta(hours=60)
    upcoming.save()
    assert services.due_reminders() == []
    settings.ATTUNE_CHECK_IN_REMINDER_HOURS = 70
    assert [(d.session, d.phase) for d in services.due_reminders()] == [(upcoming, Phase.CHECK_IN)]


def test_no_reminder_for_an_ended_episode_or_an_inactive_client(episode, upcoming, client_user):
    client_user.is_active = False
    client_user.save()
    assert services.due_reminders() == []
    client_user.is_active = True
    client_user.save()
    episode.status = EpisodeStatus.ENDED_EARLY
    episode.ended_on = timezone.localdate()
    episode.save()
    assert services.due_reminders() == []


def test_a_failed_e_mail_is_logged_and_tried_again_a_few_times(
    settings, monkeypatch, episode, upcoming
):
    settings.ATTUNE_REMINDER_MAX_ATTEMPTS = 2

    def refuse(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    send()
    failed = ReminderDelivery.objects.get()
    assert (failed.status, failed.error_kind, failed.sent_at) == (
        DeliveryStatus.FAILED, "SMTPServerDisconnected", None,
    )  # fmt: skip
    send()
    send()  # the second failure was the last attempt
    assert ReminderDelivery.objects.filter(status=DeliveryStatus.FAILED).count() == 2
    monkeypatch.undo()
    send()
    assert mail.outbox == []


def test_a_failed_e_mail_is_sent_on_the_next_run(monkeypatch, episode, upcoming):
    monkeypatch.setattr(
        "django.core.mail.EmailMultiAlternatives.send",
        lambda self, fail_silently=False: (_ for _ in ()).throw(OSError("no route")),
    )
    send()
    monkeypatch.undo()
    send()
    send()
    assert len(mail.outbox) == 1
    assert list(ReminderDelivery.objects.order_by("pk").values_list("status", flat=True)) == [
        DeliveryStatus.FAILED, DeliveryStatus.SENT,
    ]  # fmt: skip


def test_a_reminder_is_claimed_once_even_by_two_runs_at_once(episode, upcoming):
    now = timezone.now()
    assert services._claim(upcoming, Phase.CHECK_IN, now) is not None
    assert services._claim(upcoming, Phase.CHECK_IN, now) is None
    assert ReminderDelivery.objects.count() == 1


def test_the_attune_cli_maps_send_reminders_to_the_command(monkeypatch):
    import django.core.management

    from attune.cli import main

    seen = []
    monkeypatch.setattr(django.core.management, "execute_from_command_line", seen.append)
    main(["send-reminders", "--dry-run"])
    assert seen == [["attune", "send_reminders", "--dry-run"]]


# --------------------------------------------------------------------------- the therapist


NOT_COMPLETED = "/reminders/not-completed/"


def resend_url(delivery):
    return reverse("reminders:resend", args=[delivery.pk])


@pytest.fixture
def reminded(episode, upcoming, just_attended, other_episode):
    """Reminders sent to the therapist's client and to the colleague's client."""
    Session.objects.filter(episode=other_episode, number=1).update(
        scheduled_at=timezone.now() - timedelta(hours=5)
    )
    send()
    assert len(mail.outbox) == 4
    mail.outbox.clear()
    # Sent an hour ago (a resend moments after an e-mail is held back).
    ReminderDelivery.objects.update(created_at=timezone.now() - timedelta(hours=1))
    return {d.episode_id: d for d in ReminderDelivery.objects.filter(phase=Phase.CHECK_IN)}


def test_the_not_completed_list_shows_her_clients_only(client, therapist, reminded, episode):
    assert reverse("reminders:not-completed") == NOT_COMPLETED
    as_user(client, therapist)
    response = client.get(NOT_COMPLETED)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Cleo" in page
    assert "Otto" not in page
    rows = page.count('data-testid="not-completed-row"')
    # Session 1 (a week ago: feedback and check-in), 2 (tomorrow: check-in), 3 (today: both).
    assert rows == 5
    assert page.count('data-testid="resend"') == 2  # the open forms with a reminder
    assert resend_url(reminded[episode.pk]) in page


def test_answered_forms_leave_the_list(client, therapist, client_user, reminded, just_attended):
    as_user(client, client_user)
    client.post(reverse("portal:feedback", args=[just_attended.pk]), feedback_post())
    as_user(client, therapist)
    page = client.get(NOT_COMPLETED).content.decode()
    assert page.count('data-testid="not-completed-row"') == 4


@pytest.mark.parametrize(
    ("who", "status"), [("supervisor", 403), ("client_user", 403), ("practice_admin", 403)]
)
def test_the_not_completed_list_is_for_therapists(request, client, reminded, who, status):
    as_user(client, request.getfixturevalue(who))
    assert client.get(NOT_COMPLETED).status_code == status


def test_the_not_completed_list_needs_a_sign_in(client):
    response = client.get(NOT_COMPLETED)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_resend_mails_a_new_link_to_the_same_form(client, therapist, reminded, episode, upcoming):
    first = reminded[episode.pk]
    as_user(client, therapist)
    response = client.post(resend_url(first), follow=True)
    assert "A new link was sent." in response.content.decode()
    assert len(mail.outbox) == 1
    again = ReminderDelivery.objects.get(kind=DeliveryKind.RESEND)
    assert (again.session, again.phase, again.requested_by, again.status) == (
        upcoming, Phase.CHECK_IN, therapist, DeliveryStatus.SENT,
    )  # fmt: skip
    assert again.link != first.link
    [url] = links_in(mail.outbox[0])
    client.logout()
    path = url.split("127.0.0.1:8000", 1)[1]
    assert client.post(path, check_in_post([0] * 9, [0] * 7)).status_code == 200
    # The automatic reminder's link now says the form was sent.
    assert Response.objects.count() == 2
    # A resend does not make the automatic reminder due again.
    send()
    assert len(mail.outbox) == 1


def test_a_second_click_does_not_send_twice(client, therapist, reminded, episode):
    as_user(client, therapist)
    client.post(resend_url(reminded[episode.pk]))
    response = client.post(resend_url(reminded[episode.pk]), follow=True)
    assert "sent moments ago" in response.content.decode()
    assert len(mail.outbox) == 1


def test_resend_refuses_a_completed_form(
    client, therapist, client_user, reminded, episode, upcoming
):
    as_user(client, client_user)
    client.post(reverse("portal:check-in", args=[upcoming.pk]), check_in_post([0] * 9, [0] * 7))
    as_user(client, therapist)
    response = client.post(resend_url(reminded[episode.pk]), follow=True)
    assert "already completed" in response.content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("who", "status"),
    [("colleague", 404), ("other_client", 403), ("supervisor", 403), ("client_user", 403)],
)
def test_resend_is_for_her_own_clients_only(request, client, reminded, episode, who, status):
    as_user(client, request.getfixturevalue(who))
    assert client.post(resend_url(reminded[episode.pk])).status_code == status
    assert mail.outbox == []
    assert not ReminderDelivery.objects.filter(kind=DeliveryKind.RESEND).exists()


def test_resend_needs_a_post(client, therapist, reminded, episode):
    as_user(client, therapist)
    assert client.get(resend_url(reminded[episode.pk])).status_code == 405
    assert mail.outbox == []


def test_the_colleague_resends_for_her_own_client(client, colleague, reminded, other_episode):
    as_user(client, colleague)
    client.post(resend_url(reminded[other_episode.pk]))
    assert [m.to for m in mail.outbox] == [[other_episode.client.user.email]]


def test_the_not_completed_list_needs_a_fixed_number_of_queries(
    client, therapist, episode, django_assert_max_num_queries
):
    as_user(client, therapist)
    now = timezone.now()
    for number in range(3, 13):
        Session.objects.create(
            episode=episode, number=number, scheduled_at=now - timedelta(hours=number),
            attendance=Attendance.ATTENDED,
        )  # fmt: skip
    send()
    with django_assert_max_num_queries(8):
        page = client.get(NOT_COMPLETED).content.decode()
    assert page.count('data-testid="not-completed-row"') == 2 * 10 + 2 + 1
