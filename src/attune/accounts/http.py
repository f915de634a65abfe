"""The request of a view that only a signed-in person reaches (issue 15).

django-stubs types ``request.user`` as ``User | AnonymousUser``. A view behind
``login_required`` (or a decorator built on it, like ``therapist_required``) never sees an
anonymous visitor, so its request is annotated ``AuthenticatedHttpRequest`` and ``request.user``
is Attune's :class:`~attune.accounts.models.User` — as healthchecks does in
``hc/accounts/http.py``. Nothing changes at run time: it is the same ``HttpRequest``; only the
annotation says what the decorator already guarantees.

Where the signature is Django's (an admin method, a middleware), narrow instead:
``user = request.user`` then ``if not user.is_authenticated: ...``.
"""

from __future__ import annotations

from django.http import HttpRequest

from attune.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User
