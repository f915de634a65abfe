from __future__ import annotations

from django import template

from attune.directory.models import Article
from attune.directory.queries import public_name
from attune.practice.models import TherapistProfile

register = template.Library()


@register.filter
def author_name(article: Article) -> str:
    """The author's name when her profile is public; empty otherwise."""
    author = article.author
    if author is None or not author.published or not author.user.is_active:
        return ""
    return public_name(author)


@register.filter
def fees(profile: TherapistProfile) -> str:
    if profile.fee_min is None and profile.fee_max is None:
        return "Fees on request"
    if profile.fee_min is None or profile.fee_max in (None, profile.fee_min):
        return f"€{profile.fee_min or profile.fee_max} per session"
    return f"€{profile.fee_min}–{profile.fee_max} per session"
