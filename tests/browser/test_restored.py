"""``restored`` (tests/browser/conftest.py): every test that asks for the demo gets it as it was
loaded, whatever the test before it on the same worker changed; no browser needed."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType

from attune.accounts.models import Role, User
from attune.alerts.models import Alert
from attune.practice.models import Practice
from tests.browser.conftest import _EMPTY

#: The demo's row counts as the first of the two runs found them.
FOUND: dict[str, int] = {}


def census() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label != "contenttypes"
    }


@pytest.fixture
def user_type_cached(transactional_db: None) -> None:
    """Django caches content types by model; a test may look one up before the demo is there."""
    ContentType.objects.get_for_model(User)


@pytest.mark.parametrize("run", [1, 2])
def test_what_a_test_changes_in_the_demo_does_not_reach_the_next(
    user_type_cached: None, demo: Any, run: int
) -> None:
    counts = census()
    assert counts["accounts.User"] == len(
        {p.email for p in (*demo.clients, *demo.supervisors, *demo.admins)}
        | {t.person.email for t in demo.therapists}
    )
    assert FOUND.setdefault("counts", counts) == counts
    assert not Practice.objects.filter(slug="left-behind").exists()
    assert not User.objects.filter(first_name="Changed").exists()
    # The cached content type must be one of the restored table's.
    user_type = ContentType.objects.get_for_model(User)
    assert ContentType.objects.filter(pk=user_type.pk, model="user").exists()
    # Now change it, for the other run to not see.
    Practice.objects.create(name="Left behind", slug="left-behind")
    Alert.objects.filter(episode__client__user__email=demo.clients[0].email).delete()
    User.objects.filter(role=Role.CLIENT).update(first_name="Changed")


@pytest.mark.parametrize("run", [1, 2])
def test_what_a_test_writes_is_gone_from_the_empty_database_too(
    transactional_db: None, run: int
) -> None:
    """After a browser test the tables are emptied by writing back a copy of the flushed
    database, not by a flush (``_fixture_teardown`` in the conftest): the next test finds what
    a flush leaves (content types, permissions, instruments, vocabulary) and nothing else."""
    counts = {**census(), "contenttypes.ContentType": ContentType.objects.count()}
    assert counts["contenttypes.ContentType"] and counts["auth.Permission"], counts
    assert not counts["practice.Practice"] and not counts["accounts.User"], counts
    assert FOUND.setdefault("empty", counts) == counts
    if FOUND.get("empty, changed"):
        assert _EMPTY, "the last test's tables were flushed, not written back from the copy"
    # Cached content types are the table's (the copy's ids), not the ones before it.
    practice_type = ContentType.objects.get_for_model(Practice)
    assert ContentType.objects.filter(pk=practice_type.pk, model="practice").exists()
    Practice.objects.create(name="Left behind", slug="left-behind")
    FOUND["empty, changed"] = run
