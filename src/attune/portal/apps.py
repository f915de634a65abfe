from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The client's pages. Its models live in ``attune.clientportal``, which keeps the label
    ``portal`` they were created under; this app of pages takes another label."""

    name = "attune.portal"
    label = "portal_pages"
    verbose_name = "Client portal pages"
