from django.apps import AppConfig
from django.core import checks

from attune.care.checks import check_events_have_receivers


class CareConfig(AppConfig):
    name = "attune.care"
    verbose_name = "Care"

    def ready(self) -> None:
        checks.register(check_events_have_receivers)
