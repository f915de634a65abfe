from django.apps import AppConfig
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from attune.supervision.thresholds import thresholds


class SupervisionConfig(AppConfig):
    name = "attune.supervision"
    verbose_name = "Clinical supervision"

    def ready(self) -> None:
        checks.register(check_thresholds)


def check_thresholds(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    """A wrong ``ATTUNE_SUPERVISION`` stops the start-up with its message (``attune check``,
    ``attune serve``), never a page."""
    try:
        thresholds()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="supervision.E001")]
    return []
