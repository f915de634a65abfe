"""Crisis resources on every page: a client must always be one tap from help."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from attune.practice.services import crisis_resources_for


def crisis_resources(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    practice = getattr(user, "practice", None) if user and user.is_authenticated else None
    return {"crisis_resources": crisis_resources_for(practice)}
