"""The clinician's token page: create (the token is shown once), list and revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from attune.api.models import Scope
from attune.api.tokens import LIFETIMES, create_token, revoke_token, tokens_of


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
def token_list(request: HttpRequest) -> HttpResponse:
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
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "created": created,
            "tokens": list(tokens_of(request.user)),
            "now": timezone.now(),
        },
        status=status,
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
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
    from attune.api.rest import api

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
