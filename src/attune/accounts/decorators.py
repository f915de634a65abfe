"""``login_required`` for Attune's views: Django's, with a bounded way back after signing in.

Django's decorator sends an anonymous visitor to the sign-in page with the whole address asked
for, query string included, percent-encoded again into ``?next=``. A long query string makes
that redirect useless and costly: ``next`` grows to about three times the query, so the
sign-in page's own request line passes gunicorn's 4094-byte limit (the browser gets a 414 and
never sees the form); past 16,384 characters Django refuses its own redirect (a 400), after
quoting the whole query: 0.7 s of CPU per request for tests/test_fuzz.py's 4.3 MB one (issue
15). Attune's filters are a few words long: beyond ``NEXT_QUERY_MAX`` characters the way back
keeps the page and drops its query.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.encoding import escape_uri_path

View = TypeVar("View", bound=Callable[..., HttpResponseBase])

#: The longest query string kept in the sign-in page's ``next``: quoted again (at most three
#: characters for one), the sign-in address stays well within gunicorn's 4094-byte request line.
NEXT_QUERY_MAX = 1000


def next_after_sign_in(request: HttpRequest) -> str:
    """The address to come back to after signing in: the page asked for, with its query string
    unless that is longer than ``NEXT_QUERY_MAX``."""
    if len(request.META.get("QUERY_STRING", "")) > NEXT_QUERY_MAX:
        return escape_uri_path(request.path)
    return request.get_full_path()


def login_required(view: View) -> View:
    """As ``django.contrib.auth.decorators.login_required`` (``LOGIN_URL``, ``next``), with
    ``next`` from :func:`next_after_sign_in`."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        return redirect_to_login(next_after_sign_in(request))

    return cast(View, wrapped)
