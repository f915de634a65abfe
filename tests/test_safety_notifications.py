"""A safety alert reaches people outside the app: an e-mail without clinical content to the
treating therapist through the outbox (a mail server that is down delays it, never loses it),
and to the duty contact when nobody acknowledged the alert in time — once."""

from __future__ import annotations

import io
import json
import re
import uuid
from datetime import timedelta

import pytest
from django.core import mail as django_mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone
from post_office.models import STATUS, Email

from attune.alerts import notices
from attune.alerts.models import Alert, AlertStatus
from attune.alerts.services import acknowledge
from attune.care.questionnaire import safety_message_context
from attune.care.submission import submit_form
from attune.measures.models import Phase
from attune.notifications.models import NoticeKind, SafetyNotification
from tests.answers import FREQUENCY

pytestmark = pytest.mark.django_db

DOWN = {"BACKENDS": {"default": "tests.mail_server_down.EmailBackend"}, "MAX_RETRIES": 3}
UP = {"BACKENDS": {"default": "django.core.mail.backends.locmem.EmailBackend"}}


def _check_in(episode, session, item9=2, at=None):
    phq9 = {f"phq9_{n}": FREQUENCY[3] for n in range(1, 9)} | {"phq9_9": FREQUENCY[item9]}
    gad7 = {f"gad7_{n}": FREQUENCY[1] for n in range(1, 8)}
    result = submit_form(
        episode=episode,
        session=session,
        respondent=episode.client.user,
        phase=Phase.CHECK_IN,
        answers={"phq9": phq9, "gad7": gad7},
        idempotency_key=uuid.uuid4(),
        now=at,
    )
    assert result.ok
    return Alert.objects.get(episode=episode, kind="safety")


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def _notify(*args):
    out = []

    class Out:
        def write(self, text):
            out.append(text)

    call_command("notify", "--json", *args, stdout=Out())
    return json.loads("".join(out))


def test_the_therapist_mail_has_no_clinical_content(episode, upcoming, var_dir):
    alert = _check_in(episode, upcoming, item9=3)
    with override_settings(POST_OFFICE=UP):
        counts = _notify()
    assert counts["sent"] == 1 and counts["waiting"] == 0
    (message,) = django_mail.outbox
    assert message.to == [episode.therapist.email]
    text = message.subject + message.body
    assert "A client needs your attention" in text and "sign in to Attune" in text
    assert f"/accounts/login/?next=/episodes/{episode.pk}/" in message.body
    client = episode.client
    for clinical in (
        client.display_name,
        client.user.first_name,
        # (not the last name: the fixture's client is called "Client")
        client.user.email,
        "PHQ",
        "item 9",
        "suicid",
        "safety",
        "nearly every day",
    ):
        assert clinical.lower() not in text.lower(), clinical
    # No score either (as a number on its own: the address 127.0.0.1 holds a "27").
    assert not re.search(rf"(?<![\d.]){alert.response.score}(?![\d.])", text)
    assert Email.objects.get().status == STATUS.sent


def test_with_the_mail_server_down_the_notice_is_kept_and_sent_on_the_next_run(
    episode, upcoming, var_dir
):
    alert = _check_in(episode, upcoming)
    notice = SafetyNotification.objects.get(alert=alert, kind=NoticeKind.THERAPIST)
    with override_settings(POST_OFFICE=DOWN | {"RETRY_INTERVAL": timedelta(0)}):
        counts = _notify()
    assert counts["sent"] == 0 and counts["requeued"] == 1 and counts["waiting"] == 1
    assert django_mail.outbox == []
    assert Email.objects.get(pk=notice.email_id).status == STATUS.requeued
    with override_settings(POST_OFFICE=UP):
        counts = _notify()
    assert counts["sent"] == 1 and counts["waiting"] == 0
    assert [m.to for m in django_mail.outbox] == [[episode.therapist.email]]
    with override_settings(POST_OFFICE=UP):
        assert _notify()["sent"] == 0  # sent once
    assert len(django_mail.outbox) == 1


def test_a_mail_the_outbox_gave_up_on_is_reported_and_can_be_retried(episode, upcoming, var_dir):
    _check_in(episode, upcoming)
    down = override_settings(POST_OFFICE=DOWN | {"MAX_RETRIES": 0})
    with down, pytest.raises(CommandError, match="could not be delivered"):
        _notify()
    assert Email.objects.get().status == STATUS.failed
    with override_settings(POST_OFFICE=UP):
        counts = _notify("--retry-failed")
    assert counts["retried"] == 1 and counts["sent"] == 1 and counts["given_up"] == 0
    assert len(django_mail.outbox) == 1


def test_the_notice_is_queued_in_the_transaction_that_opens_the_alert(episode, upcoming):
    alert = _check_in(episode, upcoming)
    notice = SafetyNotification.objects.get()
    assert notice.alert == alert and notice.email.status == STATUS.queued
    assert notice.email.to == [episode.therapist.email]


@override_settings(
    ATTUNE_SAFETY_ESCALATE_AFTER_HOURS={"urgent": 4, "high": 24},
    ATTUNE_DUTY_CONTACT_EMAIL="duty@example.org",
)
@pytest.mark.parametrize(("item9", "hours"), [(2, 4), (1, 24)])
def test_an_alert_nobody_acknowledged_is_escalated_after_the_configured_time_once(
    episode, upcoming, item9, hours
):
    opened = timezone.now()
    alert = _check_in(episode, upcoming, item9=item9, at=opened)
    assert notices.escalate_due(opened + timedelta(hours=hours) - timedelta(minutes=1)) == []
    assert notices.escalate_due(opened + timedelta(hours=hours)) == [alert]
    assert notices.escalate_due(opened + timedelta(hours=hours + 5)) == []  # once
    notice = SafetyNotification.objects.get(kind=NoticeKind.ESCALATION)
    assert notice.recipients == ["duty@example.org"]
    assert notice.email.to == ["duty@example.org"]
    assert f"within {hours} hours" in notice.email.message
    assert episode.client.display_name not in notice.email.message


@override_settings(ATTUNE_DUTY_CONTACT_EMAIL="duty@example.org")
def test_an_acknowledged_alert_is_not_escalated(episode, upcoming, therapist):
    opened = timezone.now()
    alert = _check_in(episode, upcoming, at=opened)
    acknowledge(alert, therapist)
    assert Alert.objects.get().status == AlertStatus.ACKNOWLEDGED
    assert notices.escalate_due(opened + timedelta(days=3)) == []
    assert not SafetyNotification.objects.filter(kind=NoticeKind.ESCALATION).exists()


@override_settings(ATTUNE_DUTY_CONTACT_EMAIL="")
def test_without_a_duty_contact_the_practice_administrators_are_told(
    episode, upcoming, practice_admin, var_dir
):
    opened = timezone.now() - timedelta(hours=5)
    _check_in(episode, upcoming, item9=2, at=opened)
    with override_settings(POST_OFFICE=UP):
        counts = _notify()
    assert counts["escalated"] == 1 and counts["sent"] == 2
    assert sorted(m.to[0] for m in django_mail.outbox) == sorted(
        [episode.therapist.email, practice_admin.email]
    )


def test_the_thank_you_page_quotes_the_settings(settings):
    settings.ATTUNE_SAFETY_ESCALATE_AFTER_HOURS = {"urgent": 2, "high": 8}
    assert safety_message_context("urgent")["safety_hours"] == "2"
    assert safety_message_context("high")["safety_hours"] == "8"
    assert safety_message_context("") == {"safety": False}


def _held_elsewhere(var_dir):
    """The lock as another server's run would hold it: another database session on
    PostgreSQL, the lock file on SQLite."""
    from django.db import connection
    from post_office.lockfile import FileLock

    from attune.notifications.one_runner import _key

    if connection.vendor != "postgresql":
        return FileLock(str(var_dir / "attune-notify"))
    import contextlib

    import psycopg

    @contextlib.contextmanager
    def other_server():
        params = connection.get_connection_params()
        dsn = psycopg.conninfo.make_conninfo(
            **{k: v for k, v in params.items() if k in {"dbname", "host", "port", "user"}}
        )
        with psycopg.connect(dsn, autocommit=True) as other:
            other.execute("SELECT pg_advisory_lock(%s)", [_key("notify")])
            yield
            other.execute("SELECT pg_advisory_unlock(%s)", [_key("notify")])

    return other_server()


def test_a_second_server_running_notify_at_the_same_time_sends_nothing(episode, upcoming, var_dir):
    _check_in(episode, upcoming)
    errors = io.StringIO()
    with override_settings(POST_OFFICE=UP), _held_elsewhere(var_dir):
        call_command("notify", stdout=io.StringIO(), stderr=errors)
    assert "Another `attune notify` is running" in errors.getvalue()
    assert django_mail.outbox == []
    with override_settings(POST_OFFICE=UP):
        assert _notify()["sent"] == 1  # the lock is free again: sent once
