"""Models that issue 15 moved out of UI apps keep the app label they were created under: the
portal's into ``attune.clientportal`` (label ``portal``), the API's into ``attune.integrations``
(label ``api``). The tables, the migrations' history, the content types, the admin's addresses
and the audit trail's object types of rows stored before the moves are the ones the code uses
after them; the UI apps they left own no model."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse

from attune.clientportal.models import DeletionRequest, EndingRequest, FeedbackMessage
from attune.integrations.models import CalendarFeed, ExportJob, PersonalAccessToken
from tests.test_migrations import read_the_migrations_on_disk

MOVED = [
    (FeedbackMessage, "attune.clientportal", "portal_feedbackmessage"),
    (EndingRequest, "attune.clientportal", "portal_endingrequest"),
    (DeletionRequest, "attune.clientportal", "portal_deletionrequest"),
    (PersonalAccessToken, "attune.integrations", "api_personalaccesstoken"),
    (CalendarFeed, "attune.integrations", "api_calendarfeed"),
    (ExportJob, "attune.integrations", "api_exportjob"),
]


@pytest.mark.parametrize(("model", "app", "table"), MOVED, ids=[m.__name__ for m, _, _ in MOVED])
def test_a_moved_model_keeps_its_label_and_table(model, app, table):
    label = table.split("_")[0]
    assert model._meta.app_config.name == app
    assert model._meta.label_lower == f"{label}.{model.__name__.lower()}"
    assert model._meta.db_table == table


@pytest.mark.parametrize("ui_app", ["portal_pages", "api_pages"])
def test_the_ui_apps_own_no_model(ui_app):
    assert list(apps.get_app_config(ui_app).get_models()) == []


def test_the_migrations_keep_their_names_under_the_labels(settings):
    read_the_migrations_on_disk(settings)
    on_disk = MigrationLoader(None).disk_migrations
    assert {("api", "0001_initial"), ("api", "0003_exportjob")} <= set(on_disk)
    assert ("portal", "0001_initial") in on_disk


def test_the_admin_address_is_the_same():
    assert reverse("admin:portal_deletionrequest_changelist") == "/admin/portal/deletionrequest/"
