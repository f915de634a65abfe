"""Small response middleware, and the headers of a page whose address is a secret."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class NoStoreMiddleware:
    """Pages for a signed-in person hold clinical data: browsers and proxies must not keep them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response


def secret_address(response: HttpResponse) -> HttpResponse:
    """A page whose address is a secret (an e-mailed form link, a consultation's private link)
    and which may hold something about someone's health: no cache keeps it, no search engine
    lists it, and the Referer header of its static files (whose requests a proxy logs) carries
    the origin only, not the token. (Not ``no-referrer``: the browser would then post the form
    with ``Origin: null``, which CSRF protection refuses.)"""
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "strict-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
