from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _load_definitions(sender: AppConfig, **kwargs: Any) -> None:
    # inline: apps.py is imported before the models are ready; definitions_sync imports them
    from attune.measures.definitions_sync import sync_definitions

    sync_definitions()


class MeasuresConfig(AppConfig):
    name = "attune.measures"
    verbose_name = "Measures"

    def ready(self) -> None:
        # Every fresh database gets the shipped instruments, tests included.
        post_migrate.connect(_load_definitions, sender=self)
