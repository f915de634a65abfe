from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "attune.api"
    label = "api"
    verbose_name = "API and FHIR"
