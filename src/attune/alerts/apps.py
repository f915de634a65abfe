from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "attune.alerts"
    verbose_name = "Alerts"
