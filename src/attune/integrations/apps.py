from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """How outside tools reach Attune: personal access tokens, calendar feeds, bulk-export jobs —
    their models and services; the HTTP interfaces that use them are ``attune.api``'s.

    The app keeps the label ``api`` its models were created under (issue 15 moved them here
    from the API's views, as ``clientportal`` did for the portal): the tables (``api_*``), the
    migrations' history, the content types and the audit trail's object types stay as they were,
    so no data moves."""

    name = "attune.integrations"
    label = "api"
    verbose_name = "API access"
