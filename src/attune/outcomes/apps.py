from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "attune.outcomes"
    verbose_name = "Practice outcomes"
