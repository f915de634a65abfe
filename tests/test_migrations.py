"""Every model change has its migration: ``makemigrations --check`` inside the suite, where
Django is already set up (a process of its own in ``make test`` cost 3.4 s before the tests could
start, issue 15). The pre-commit hook runs the same command before each commit."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_missing_its_migration():
    said = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=said, stderr=said)
    except SystemExit:
        pytest.fail(f"a model change has no migration:\n{said.getvalue()}")
    assert "No changes detected" in said.getvalue()
