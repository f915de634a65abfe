"""`attune demo` loads the demo once (moved out of tests/test_demo.py, whose tests share one
loaded demo: this one needs an empty database)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from attune.accounts.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_command_loads_once(capsys, settings):
    call_command("demo", no_serve=True)
    first = capsys.readouterr().out
    call_command("demo", no_serve=True)
    second = capsys.readouterr().out
    assert "Loaded" in first
    assert "already loaded" in second
    assert "therapist@example.org" in second
    assert f"Open {settings.ATTUNE_SITE_URL}/ in your browser." in second  # issue 12
    assert User.objects.filter(email="client@example.org").count() == 1
