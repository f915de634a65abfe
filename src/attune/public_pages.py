"""Where each person lands after signing in, and the pages everyone can reach: the front page,
crisis help, the health check, the favicon. (A UI module: it reads the practice for the front page
through ``practice.front``.)"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_GET, require_safe

from attune.accounts.models import Role
from attune.practice.front import front_page

HOME_BY_ROLE = {
    Role.CLIENT: "portal:home",
    Role.THERAPIST: "workspace:caseload",
    Role.SUPERVISOR: "workspace:supervision",
    Role.PRACTICE_ADMIN: "workspace:practice",
}


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Signed in: the person's own home. A visitor: the practice's front page."""
    if request.user.is_authenticated:
        return redirect(HOME_BY_ROLE[Role(request.user.role)])
    return render(request, "front.html", {"front": front_page()})


@require_GET
def crisis_help(request: HttpRequest) -> HttpResponse:
    return render(request, "crisis_help.html")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (the Django admin). Resolved per
    request, not at import: ``attune migrate`` runs before ``collectstatic`` has written the
    manifest the hashed name comes from."""
    return redirect(static("attune/img/favicon.svg"), permanent=True)
