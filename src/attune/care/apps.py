from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "attune.care"
    verbose_name = "Care"
