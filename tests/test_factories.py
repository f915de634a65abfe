"""Every model of ``attune`` has a factory in ``tests/factories.py``, and each factory saves a
record that passes the model's own validation (``full_clean``: fields, unique keys, check
constraints). A new model without a factory fails here."""

from __future__ import annotations

import inspect

import pytest
from django.apps import apps
from factory.django import DjangoModelFactory

from tests import factories

FACTORIES = sorted(
    (
        obj
        for obj in vars(factories).values()
        if inspect.isclass(obj)
        and issubclass(obj, DjangoModelFactory)
        and obj is not DjangoModelFactory
    ),
    key=lambda f: f.__name__,
)


def attune_models() -> list[str]:
    return sorted(m._meta.label for m in apps.get_models() if m.__module__.startswith("attune."))


def test_every_attune_model_has_a_factory():
    covered = {f._meta.get_model_class()._meta.label for f in FACTORIES}
    missing = [label for label in attune_models() if label not in covered]
    assert attune_models(), "no attune model found"
    assert missing == [], f"models without a factory in tests/factories.py: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize("factory_class", FACTORIES, ids=lambda f: f.__name__)
def test_factory_saves_a_valid_record(factory_class):
    record = factory_class()
    assert record.pk is not None
    record.refresh_from_db()
    record.full_clean()
    # A second one does not collide with the first (sequences, unique keys).
    assert factory_class().pk != record.pk
