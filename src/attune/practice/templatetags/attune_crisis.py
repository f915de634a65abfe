"""Crisis numbers as links a phone can call (``tel:``): one tap from help, on every page."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

#: A telephone number as people write it: digit groups with one space, dash, dot or slash
#: between them, an optional leading "+" and bracketed groups ("+44 (0)20 7946 0958",
#: "030/123 456"). "0800 111 0 111 or 0800 111 0 222" holds two numbers.
PHONE_RE = re.compile(r"\+?(?:\(\d+\) ?)?\d+(?:[ \-./]?(?:\(\d+\) ?)?\d+)*")
#: Not a number to call: "24/7", "1/2".
NOT_A_NUMBER = re.compile(r"\d{1,2}/\d{1,2}")


def tel_target(number: str) -> str:
    """What goes after ``tel:``: the digits and a leading "+" (RFC 3966 global numbers); the
    trunk "(0)" of an international number is not dialled."""
    if number.startswith("+"):
        return "+" + re.sub(r"\D", "", number.replace("(0)", ""))
    return re.sub(r"\D", "", number)


@register.filter
def phone_links(contact: str) -> SafeString:
    """The contact text, escaped, with each telephone number in it as a ``tel:`` link."""
    text = str(contact or "")
    parts: list[str] = []
    last = 0
    for match in PHONE_RE.finditer(text):
        number = match.group().strip()
        digits = len(re.sub(r"\D", "", number))
        if not 3 <= digits <= 15 or NOT_A_NUMBER.fullmatch(number):  # E.164: 15 at most
            continue
        parts.append(escape(text[last : match.start()]))
        parts.append(format_html('<a href="tel:{}">{}</a>', tel_target(number), number))
        last = match.start() + len(number)
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped or format_html
