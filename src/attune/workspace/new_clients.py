"""The therapist's own setting about the practice: whether she takes new clients."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from attune.accounts.decorators import login_required
from attune.accounts.http import AuthenticatedHttpRequest
from attune.care.models import EpisodeStatus
from attune.practice.models import TherapistProfile
from attune.practice.services import set_accepting_new_clients

CHOICES = [
    ("yes", "Yes, I am taking new clients"),
    ("no", "No, not at the moment (I can still add clients myself)"),
]


class NewClientsForm(forms.Form):
    accepting = forms.ChoiceField(
        choices=CHOICES,
        widget=forms.RadioSelect,
        label="Are you taking new clients?",
        error_messages={
            "required": "Please choose yes or no.",
            "invalid_choice": "Please choose yes or no.",
        },
    )


@login_required
def new_clients(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Switch "accepting new clients" on the therapist's own profile."""
    if not request.user.has_perm("care.keep_caseload"):
        raise PermissionDenied
    profile = TherapistProfile.objects.filter(user=request.user).first()
    active = request.user.episodes_as_therapist.filter(status=EpisodeStatus.ACTIVE).count()
    template = "care/new_clients_setting.html"
    if request.method != "POST":
        initial = {"accepting": "yes" if profile is None or profile.accepting_new_clients else "no"}
        form = NewClientsForm(initial=initial, label_suffix="")
        context = {"form": form, "profile": profile, "active": active}
        return render(request, template, context)
    form = NewClientsForm(request.POST, label_suffix="")
    context = {"form": form, "profile": profile, "active": active}
    if not form.is_valid():
        return render(request, template, context, status=400)
    accepting = form.cleaned_data["accepting"] == "yes"
    try:
        set_accepting_new_clients(therapist=request.user, accepting=accepting, by=request.user)
    except ValidationError as error:
        form.add_error(None, error.messages)
        return render(request, template, context, status=400)
    messages.success(
        request,
        "Saved: you are shown as taking new clients."
        if accepting
        else "Saved: you are shown as not taking new clients at the moment.",
    )
    return redirect("workspace:new-clients")
