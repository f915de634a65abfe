from django import template
from django.conf import settings

from attune.accounts.demo_logins import DEMO_LOGINS, DEMO_PASSWORD

register = template.Library()


@register.simple_tag
def mfa_required() -> bool:
    """Whether clinical staff must sign in with a second factor (off only in demo mode)."""
    return bool(settings.ATTUNE_REQUIRE_MFA)


@register.inclusion_tag("includes/demo_logins.html")
def demo_logins() -> dict[str, object]:
    """The published demo logins, in demo mode only (``ATTUNE_DEMO``). Their one home is
    ``attune.accounts.demo_logins``: ``attune demo`` prints the same list."""
    if not settings.ATTUNE_DEMO:
        return {"logins": ()}
    return {"logins": DEMO_LOGINS, "password": DEMO_PASSWORD}
