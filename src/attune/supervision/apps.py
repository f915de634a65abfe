from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "attune.supervision"
    verbose_name = "Clinical supervision"
