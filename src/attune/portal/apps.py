from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "attune.portal"
    verbose_name = "Client portal"
