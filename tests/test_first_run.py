"""A first run without surprises (issue 12): ``make demo`` says where to open the demo and that
e-mails appear in its terminal; the links in those e-mails use the demo's own address and port;
``make demo-reset`` starts again from an empty database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from attune import settings as attune_settings
from attune.accounts.demo_logins import DEMO_LOGINS, DEMO_PASSWORD
from attune.care.models import Attendance
from attune.demo.banner import CONSOLE_BACKEND, banner
from attune.demo.management.commands.demo import drop_sqlite_database
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"https?://\S+/f/[A-Za-z0-9_-]{43}/")


@pytest.mark.parametrize(
    ("environ", "url"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "9123"}, "http://127.0.0.1:9123"),
        ({"PORT": "9123", "HOST": "0.0.0.0"}, "http://127.0.0.1:9123"),  # noqa: S104
        ({"PORT": "9123", "HOST": "::1"}, "http://[::1]:9123"),
        (
            {"PORT": "9123", "ATTUNE_SITE_URL": "https://attune.example.org"},
            "https://attune.example.org",
        ),
    ],
)
def test_the_site_address_follows_the_port_the_demo_serves_on(environ, url):
    assert attune_settings.site_url_from(environ) == url


def _site_url_in_a_fresh_process(**environ: str) -> str:
    """``settings.ATTUNE_SITE_URL`` as ``attune`` started with ``environ`` reads it."""
    env = {k: v for k, v in os.environ.items() if k not in {"PORT", "HOST", "ATTUNE_SITE_URL"}}
    env.update(environ, DJANGO_SETTINGS_MODULE="attune.settings", ATTUNE_DEMO="true")
    code = "from django.conf import settings; print(settings.ATTUNE_SITE_URL)"
    done = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.mark.django_db
def test_with_port_9123_a_reminder_e_mail_links_to_port_9123(settings, client, episode, upcoming):
    """``PORT=9123 make demo``: the setting the demo's processes read, then the reminder e-mail
    as ``attune send-reminders`` builds it, then its link opens the form."""
    settings.ATTUNE_SITE_URL = _site_url_in_a_fresh_process(PORT="9123")
    assert settings.ATTUNE_SITE_URL == "http://127.0.0.1:9123"
    call_command("send_reminders", stdout=StringIO(), stderr=StringIO())
    [message] = mail.outbox
    [url] = LINK.findall(message.body)
    assert url.startswith("http://127.0.0.1:9123/f/")
    assert url in message.alternatives[0][0]
    assert client.get(url.removeprefix("http://127.0.0.1:9123")).status_code == 200


@pytest.mark.django_db
def test_check_in_and_feedback_reminders_both_link_to_the_demo_port(settings, episode, upcoming):
    settings.ATTUNE_SITE_URL = "http://127.0.0.1:9123"
    factories.SessionFactory(
        episode=episode,
        number=3,
        scheduled_at=timezone.now() - timedelta(hours=4),
        attendance=Attendance.ATTENDED,
    )
    call_command("send_reminders", stdout=StringIO(), stderr=StringIO())
    assert all(
        url.startswith("http://127.0.0.1:9123/f/")
        for message in mail.outbox
        for url in LINK.findall(message.body)
    )
    assert len(mail.outbox) == 2


@pytest.mark.parametrize(
    ("site_url", "mfa_required", "email_backend", "says", "never_says"),
    [
        ("http://127.0.0.1:9123", False, CONSOLE_BACKEND, ["appear in this terminal",
            "(MFA) is off"], []),
        ("https://demo.example.org/", True, "django.core.mail.backends.smtp.EmailBackend",
            ["sent with django.core.mail.backends.smtp.EmailBackend"], ["terminal", "MFA"]),
    ],
)  # fmt: skip
def test_the_banner_says_where_to_open_the_demo_and_where_e_mails_go(
    site_url, mfa_required, email_backend, says, never_says
):
    text = banner(
        site_url=site_url,
        logins=DEMO_LOGINS,
        password=DEMO_PASSWORD,
        mfa_required=mfa_required,
        email_backend=email_backend,
    )
    assert f"Open {site_url.rstrip('/')}/ in your browser." in text
    assert f"password for all: {DEMO_PASSWORD}" in text
    assert all(email in text for email, _ in DEMO_LOGINS)
    assert all(words in text for words in says)
    assert not any(words in text for words in never_says)


def test_the_makefile_has_demo_and_demo_reset():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo: .*\n\t\$\(BIN\)/attune demo\n", makefile, re.M)
    assert re.search(r"^demo-reset: .*\n\t\$\(BIN\)/attune demo --reset\n", makefile, re.M)


def test_a_reset_drops_the_sqlite_file_and_its_journals(tmp_path):
    database = tmp_path / "attune.sqlite3"
    for name in ("attune.sqlite3", "attune.sqlite3-wal", "attune.sqlite3-shm"):
        (tmp_path / name).write_text("old")
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(database)}
    assert drop_sqlite_database(sqlite) is True
    assert list(tmp_path.iterdir()) == []
    assert drop_sqlite_database(sqlite) is False  # nothing left to drop
    postgres = {"ENGINE": "django.db.backends.postgresql", "NAME": "attune"}
    assert drop_sqlite_database(postgres) is False
    memory = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
    assert drop_sqlite_database(memory) is False


def test_the_readme_commands_name_the_environment_s_attune():
    """A fresh clone has no ``attune`` on its PATH: the README says ``.venv/bin/attune`` (or to
    activate the environment) wherever it shows the command."""
    readme = (ROOT / "README.md").read_text()
    for block in re.findall(r"```sh\n(.*?)```", readme, re.S):
        if block.startswith("source .venv/bin/activate\n"):
            continue
        for line in block.splitlines():
            assert not re.match(r"\s*(attune|python) ", line), line
    assert "make demo-reset" in readme
    assert "source .venv/bin/activate" in readme
