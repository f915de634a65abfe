"""The clinician's token page: create (the token is shown once), list and revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from attune.accounts.decorators import login_required
from attune.accounts.http import AuthenticatedHttpRequest
from attune.api.rest import api
from attune.integrations.calendar import calendar, create_feed, feed_for, live_feed, revoke_feed
from attune.integrations.models import CalendarFeed, Scope
from attune.integrations.tokens import LIFETIMES, create_token, revoke_token, tokens_of


class TokenForm(forms.Form):
    name = forms.CharField(label="What is it for?", max_length=100)
    scope = forms.ChoiceField(label="Access", choices=Scope.choices, initial=Scope.READ)
    days = forms.TypedChoiceField(
        label="Expires after",
        choices=[(d, f"{d} days") for d in LIFETIMES],
        coerce=int,
        initial=30,
    )


@login_required
def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not request.user.has_perm("api.manage_tokens"):
        raise PermissionDenied
    form = TokenForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created = create_token(user=request.user, **form.cleaned_data)
                form = TokenForm()
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
        if created is None:
            status = 400
    return _page(request, form, created=created, status=status)


def _page(
    request: AuthenticatedHttpRequest,
    form: TokenForm,
    *,
    created: object = None,
    feed_url: str = "",
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "created": created,
            "tokens": list(tokens_of(request.user)),
            "now": timezone.now(),
            "can_keep_calendar": request.user.has_perm("api.keep_calendar"),
            "feed": live_feed(request.user),
            "feed_url": feed_url,
        },
        status=status,
    )


@login_required
@require_POST
def token_revoke(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    if not request.user.has_perm("api.manage_tokens"):
        raise PermissionDenied
    token = get_object_or_404(tokens_of(request.user), pk=token_id)
    if not request.user.has_perm("api.revoke_token", token):
        raise PermissionDenied
    revoke_token(token, request.user)
    messages.success(request, f"Token {token.prefix}… revoked: it no longer works.")
    return redirect("api-tokens:list")


def docs_page(request: HttpRequest) -> HttpResponse:
    """The API reference as a plain page drawn on the server from the OpenAPI schema: no
    script and nothing from another host, so the strict CSP holds (Swagger UI, which
    django-ninja would load from a CDN, is not used). The schema itself is at
    ``/api/v1/openapi.json`` for tools."""
    schema = api.get_openapi_schema()
    operations = []
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": [p["name"] for p in op.get("parameters", [])],
                    "body": "requestBody" in op,
                    "statuses": sorted(op.get("responses", {})),
                }
            )
    return render(
        request,
        "api/docs.html",
        {"operations": operations, "title": schema["info"]["title"], "version": api.version},
    )


@login_required
@require_POST
def calendar_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A new private calendar address, shown once (the previous one stops working)."""
    if not request.user.has_perm("api.keep_calendar"):
        raise PermissionDenied
    _feed, secret = create_feed(request.user)
    url = request.build_absolute_uri(reverse("calendar-feed", args=[secret]))
    return _page(request, TokenForm(), feed_url=url)


@login_required
@require_POST
def calendar_revoke(request: AuthenticatedHttpRequest, feed_id: int) -> HttpResponse:
    if not request.user.has_perm("api.keep_calendar"):
        raise PermissionDenied
    feed = get_object_or_404(CalendarFeed.objects.filter(user=request.user), pk=feed_id)
    revoke_feed(feed, request.user)
    messages.success(request, "Calendar address revoked: calendars subscribed to it stop updating.")
    return redirect("api-tokens:list")


@require_GET
def calendar_feed(request: HttpRequest, secret: str) -> HttpResponse:
    """The feed itself: the secret in the address is the only credential (calendar programs
    send no other); an unknown or revoked one is a 404, as for any address that is not there."""
    feed = feed_for(secret)
    if feed is None:
        raise Http404
    text = calendar(
        feed.user,
        host=request.get_host().split(":")[0] or "attune",
        episode_url=lambda pk: request.build_absolute_uri(reverse("workspace:episode", args=[pk])),
    )
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="attune-sessions.ics"'
    return response
