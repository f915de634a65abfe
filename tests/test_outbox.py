"""Everyday e-mail goes through the outbox: a mail server that is down keeps it for the next
`attune notify`; once delivered, its text (a one-time link) is not kept in the database."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from post_office.models import STATUS, Email

from attune import outbox

pytestmark = pytest.mark.django_db

DOWN = {"BACKENDS": {"default": "tests.mail_server_down.EmailBackend"}}
UP = {"BACKENDS": {"default": "django.core.mail.backends.locmem.EmailBackend"}}
LINK = "https://attune.example.org/accounts/reset/MQ/secret-token/"


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def test_a_delivered_e_mail_keeps_no_link_in_the_database():
    with override_settings(POST_OFFICE=UP):
        outbox.send(["nina@example.org"], "Welcome", f"Choose a password: {LINK}")
    assert LINK in mail.outbox[0].body
    stored = Email.objects.get()
    assert stored.status == STATUS.sent and stored.subject == "Welcome"
    assert stored.message == "" and stored.html_message == ""


def test_with_the_server_down_it_waits_with_its_text_then_is_sent_and_forgotten():
    with override_settings(POST_OFFICE=DOWN):
        outbox.send(["nina@example.org"], "Welcome", f"Choose a password: {LINK}")
    waiting = Email.objects.get()
    assert waiting.status == STATUS.requeued and LINK in waiting.message
    assert mail.outbox == []
    waiting.scheduled_time = None
    waiting.save(update_fields=["scheduled_time"])
    with override_settings(POST_OFFICE=UP):
        call_command("notify", stdout=io.StringIO())
    assert [m.to for m in mail.outbox] == [["nina@example.org"]]
    assert LINK in mail.outbox[0].body
    assert Email.objects.get().message == ""
