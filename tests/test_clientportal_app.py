"""Portal's models moved to ``attune.clientportal`` keeping the label ``portal`` (issue 15): the
tables, the content types, the admin's addresses and the audit trail's object types of rows
stored before the move are the ones the code uses after it."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse

from attune.clientportal.models import DeletionRequest, EndingRequest, FeedbackMessage


@pytest.mark.parametrize(
    ("model", "table"),
    [
        (FeedbackMessage, "portal_feedbackmessage"),
        (EndingRequest, "portal_endingrequest"),
        (DeletionRequest, "portal_deletionrequest"),
    ],
    ids=["feedback-message", "ending-request", "deletion-request"],
)
def test_the_moved_models_keep_their_label_and_table(model, table):
    assert model._meta.app_config.name == "attune.clientportal"
    assert model._meta.label_lower == f"portal.{model.__name__.lower()}"
    assert model._meta.db_table == table


def test_the_pages_app_owns_no_model_and_the_admin_address_is_the_same():
    assert list(apps.get_app_config("portal_pages").get_models()) == []
    assert reverse("admin:portal_deletionrequest_changelist") == "/admin/portal/deletionrequest/"
