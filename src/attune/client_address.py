"""The visitor's address, the one every rate limit and the sign-in trail count by.

Behind N trusted reverse proxies (``ATTUNE_TRUSTED_PROXY_COUNT``, read into
``settings.ALLAUTH_TRUSTED_PROXY_COUNT``), each proxy appends the address it saw to
``X-Forwarded-For``; the N-th entry from the right is the one our own nearest proxy wrote, so it
is the visitor's address. Entries further left came from the visitor and can be forged: they are
never read. With 0 trusted proxies the header is ignored and ``REMOTE_ADDR`` is the address.

Used by django-ratelimit (``RATELIMIT_IP_META_KEY``) and allauth (the account adapter's
``get_client_ip``), so a sign-in and a consultation request are counted by the same address.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

#: What an address nobody could tell is counted as (e.g. a Unix-socket connection): one shared
#: key, so such requests are limited together rather than not at all.
UNKNOWN = "0.0.0.0"  # noqa: S104 - a key for counting, never an address to bind


def _valid(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:5123"
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The visitor's IP address as the configured trusted proxies report it."""
    trusted = int(getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0) or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if trusted > 0 and forwarded:
        entries = forwarded.split(",")
        # Fewer entries than trusted proxies: a proxy did not append; the leftmost is then the
        # closest thing to the visitor we have (better than everyone sharing the proxy's).
        entry = entries[-trusted] if len(entries) >= trusted else entries[0]
        address = _valid(entry)
        if address:
            return address
    return _valid(request.META.get("REMOTE_ADDR", "") or "") or UNKNOWN
