from django.apps import AppConfig


class ClientPortalConfig(AppConfig):
    """What clients write and ask for: feedback messages, ending requests, deletion requests.

    The app keeps the label ``portal`` its models were created under (issue 15 moved them here
    from the portal's pages): the tables (``portal_*``), the migrations' history, the content
    types, the admin's addresses and the audit trail's object types stay as they were, so no
    data moves."""

    name = "attune.clientportal"
    label = "portal"
    verbose_name = "Client portal"
