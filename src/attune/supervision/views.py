"""The supervisor's pages and the supervision note on an episode. Thin: a scoped query (a wrong
id is a 404), the rule (a wrong person is a 403), a service, render.

The rules are asked directly (``supervision.rules``), never ``user.has_perm``, which lets
every superuser through."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from attune.accounts.decorators import login_required
from attune.accounts.http import AuthenticatedHttpRequest
from attune.accounts.models import Role, User
from attune.care.models import Episode
from attune.care.queries import episodes_visible_to
from attune.supervision import services
from attune.supervision.forms import SupervisionNoteForm
from attune.supervision.models import SupervisionNote
from attune.supervision.queries import supervisee_page, supervision_home
from attune.supervision.rules import may_mark, may_supervise, may_write
from attune.supervision.thresholds import thresholds


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The supervisor's home: each supervisee with what there is to discuss."""
    if not request.user.has_perm("supervision.use_supervision"):
        raise PermissionDenied
    return render(
        request,
        "supervision/home.html",
        {"rows": supervision_home(request.user), "rules": thresholds()},
    )


@login_required
def supervisee(request: AuthenticatedHttpRequest, therapist_id: int) -> HttpResponse:
    """One supervisee: the queue, figures about her work, and the latest notes written."""
    therapist = get_object_or_404(User, pk=therapist_id, role=Role.THERAPIST)
    if not may_supervise(request.user, therapist):
        raise PermissionDenied
    return render(
        request,
        "supervision/supervisee.html",
        {"therapist": therapist, "rules": thresholds()} | supervisee_page(therapist),
    )


def _episode_url(episode_id: int) -> str:
    return reverse("workspace:episode", args=[episode_id]) + "#supervision-heading"


@login_required
@require_POST
def write_note(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    try:
        episode = (
            episodes_visible_to(request.user).select_related("client__user").get(pk=episode_id)
        )
    except Episode.DoesNotExist:
        raise Http404 from None
    if not may_write(request.user, episode):
        raise PermissionDenied
    form = SupervisionNoteForm(request.POST)
    if form.is_valid():
        try:
            services.write_note(author=request.user, episode=episode, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Supervision note saved. The therapist sees it here.")
            return redirect(_episode_url(episode.pk))
    # Nothing is lost: the page shows what was written with what to change.
    return render(
        request, "supervision/note_form.html", {"episode": episode, "form": form}, status=400
    )


@login_required
@require_POST
def mark_note(request: AuthenticatedHttpRequest, note_id: int) -> HttpResponse:
    note = get_object_or_404(
        SupervisionNote.objects.filter(
            episode__in=episodes_visible_to(request.user)
        ).select_related("episode"),
        pk=note_id,
    )
    if not may_mark(request.user, note.episode):
        raise PermissionDenied
    try:
        services.mark_note(therapist=request.user, note=note, mark=request.POST.get("mark", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Marked as done." if note.done_at else "Marked as read.")
    return redirect(_episode_url(note.episode_id))
