from django import template

from attune.directory.queries import public_name

register = template.Library()


@register.filter
def author_name(article) -> str:
    """The author's name when her profile is public; empty otherwise."""
    author = article.author
    if author is None or not author.published or not author.user.is_active:
        return ""
    return public_name(author)


@register.filter
def fees(profile) -> str:
    if profile.fee_min is None and profile.fee_max is None:
        return "Fees on request"
    if profile.fee_min is None or profile.fee_max in (None, profile.fee_min):
        return f"€{profile.fee_min or profile.fee_max} per session"
    return f"€{profile.fee_min}–{profile.fee_max} per session"
