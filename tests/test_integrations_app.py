"""The API's models moved to ``attune.integrations`` keeping the label ``api`` (issue 15), as the
portal's did: the tables, the migrations' history and the audit trail's object types of rows
stored before the move are the ones the code uses after it; the API's app owns no model."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db.migrations.loader import MigrationLoader

from attune.integrations.models import CalendarFeed, ExportJob, PersonalAccessToken


@pytest.mark.parametrize(
    ("model", "table"),
    [
        (PersonalAccessToken, "api_personalaccesstoken"),
        (CalendarFeed, "api_calendarfeed"),
        (ExportJob, "api_exportjob"),
    ],
    ids=["token", "calendar-feed", "export-job"],
)
def test_the_moved_models_keep_their_label_and_table(model, table):
    assert model._meta.app_config.name == "attune.integrations"
    assert model._meta.label_lower == f"api.{model.__name__.lower()}"
    assert model._meta.db_table == table


def test_the_migrations_keep_their_names_under_the_label():
    names = {name for label, name in MigrationLoader(None).disk_migrations if label == "api"}
    assert {"0001_initial", "0002_calendarfeed", "0003_exportjob"} <= names


def test_the_api_app_owns_no_model():
    assert list(apps.get_app_config("api_pages").get_models()) == []
