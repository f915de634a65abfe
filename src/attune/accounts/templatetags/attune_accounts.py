from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def mfa_required() -> bool:
    """Whether clinical staff must sign in with a second factor (off only in demo mode)."""
    return bool(settings.ATTUNE_REQUIRE_MFA)


@register.inclusion_tag("includes/demo_logins.html")
def demo_logins() -> dict[str, object]:
    """The published demo logins, in demo mode only (``ATTUNE_DEMO``). Their one home is
    ``attune.demo.loader.DEMO_LOGINS``: ``attune demo`` prints the same list."""
    if not settings.ATTUNE_DEMO:
        return {"logins": ()}
    # inline: the demo loader (the simulator, every app) loads in demo mode only; accounts -> demo
    #   is a layering exception
    from attune.demo.loader import DEMO_LOGINS, DEMO_PASSWORD

    return {"logins": DEMO_LOGINS, "password": DEMO_PASSWORD}
