from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def mfa_required() -> bool:
    """Whether clinical staff must sign in with a second factor (off only in demo mode)."""
    return bool(settings.ATTUNE_REQUIRE_MFA)
