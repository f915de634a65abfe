from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _load_vocabulary(sender: AppConfig, **kwargs: Any) -> None:
    # inline: apps.py is imported before the models are ready; vocabulary imports them
    from attune.practice.vocabulary import sync_vocabulary

    sync_vocabulary()


class PracticeConfig(AppConfig):
    name = "attune.practice"
    verbose_name = "Practice"

    def ready(self) -> None:
        post_migrate.connect(_load_vocabulary, sender=self)
