from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class AlertsConfig(AppConfig):
    name = "attune.alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        # inline: apps.py is imported before the models are ready; the adapter and the
        #   receivers import them
        from attune.alerts import receivers  # noqa: F401 - connects them to care's events
        from attune.care.engine_adapter import engine_config

        try:
            engine_config()
        except (TypeError, ValueError) as error:
            raise ImproperlyConfigured(f"ATTUNE_ENGINE: {error}") from error
