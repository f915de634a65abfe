from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API, FHIR R4, the token and calendar-feed pages. Its models live in
    ``attune.integrations``, which keeps the label ``api`` they were created under; this app
    of interfaces takes another label."""

    name = "attune.api"
    label = "api_pages"
    verbose_name = "API and FHIR"
