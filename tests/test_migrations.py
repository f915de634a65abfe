"""Every model change has its migration: ``makemigrations --check`` inside the suite, where
Django is already set up (a process of its own in ``make test`` cost 3.4 s before the tests could
start, issue 15). The pre-commit hook runs the same command before each commit."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import global_settings
from django.core.management import call_command


def read_the_migrations_on_disk(settings) -> None:
    """The suite builds its test databases from the models (``--nomigrations``, pyproject.toml),
    which hides the migrations from Django: a test that reads them shows them again (the
    ``settings`` fixture puts the hiding back after the test)."""
    settings.MIGRATION_MODULES = global_settings.MIGRATION_MODULES


@pytest.mark.django_db
def test_no_model_change_is_missing_its_migration(settings):
    read_the_migrations_on_disk(settings)
    said = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=said, stderr=said)
    except SystemExit:
        pytest.fail(f"a model change has no migration:\n{said.getvalue()}")
    assert "No changes detected" in said.getvalue()
