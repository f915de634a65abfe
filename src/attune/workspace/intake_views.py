"""Adding a client (an invitation by e-mail), sending the invitation again, and starting a new
episode for a client who comes back.

Thin views: the role first (403), the object through a scoped read (404), the predicate (403),
then ``care.intake``. Bad input shows the form again with a message and everything typed.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from attune.accounts.decorators import login_required
from attune.accounts.http import AuthenticatedHttpRequest
from attune.accounts.models import Role, User
from attune.care import intake
from attune.care.intake_queries import invitations_waiting, last_episode, therapists_to_invite_to
from attune.care.models import Client, Episode
from attune.form_errors import add_service_errors
from attune.workspace.intake_forms import InviteClientForm, NewEpisodeForm


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _after(request: AuthenticatedHttpRequest, episode: Episode) -> HttpResponse:
    """The therapist goes to the new episode; the administrator, who reads no clinical record,
    back to the page for adding clients."""
    if request.user.role == Role.THERAPIST:
        return redirect("workspace:episode", episode.pk)
    return redirect("care:practice-invite")


def _when(invitation: intake.Invitation) -> str:
    if invitation.session is None:
        return ""
    at = timezone.localtime(invitation.session.scheduled_at)
    return f" Session 1 is booked for {at:%a %d %b %Y, %H:%M}."


@login_required
def invite(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The therapist adds a client to her own caseload: name, e-mail, optional problem areas
    and first session; an invitation e-mail with a link to choose a password."""
    if not request.user.has_perm("care.keep_caseload"):
        raise PermissionDenied
    return _invite_page(request)


@login_required
def practice_invite(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The practice administrator invites a client to a therapist of her practice (under
    ``/practice/``, with her other pages)."""
    if not request.user.has_perm("care.invite_for_practice"):
        raise PermissionDenied
    return _invite_page(request)


def _invite_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if not user.has_perm("care.invite_client"):
        raise PermissionDenied
    therapists = therapists_to_invite_to(user)
    choose = user.role == Role.PRACTICE_ADMIN
    template = "care/invite.html"
    form = InviteClientForm(
        request.POST if request.method == "POST" else None,
        therapists=therapists,
        choose_therapist=choose,
        initial={"therapist": request.GET.get("therapist")} if choose else None,
    )
    context = {"form": form, "waiting": invitations_waiting(user), "admin": choose}
    if request.method != "POST":
        return render(request, template, context)
    if not form.is_valid():
        return render(request, template, context, status=400)
    try:
        invitation = intake.invite_client(
            therapist=form.cleaned_data["therapist"] if choose else user,
            by=user,
            name=form.cleaned_data["name"],
            email=form.cleaned_data["email"],
            problem_areas=form.cleaned_data["problem_areas"],
            first_session_at=form.first_session_at(),
            base_url=_base_url(request),
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return render(request, template, context, status=400)
    who = invitation.client.display_name
    sent = (
        "an invitation to choose a password"
        if invitation.with_link
        else "a note to sign in (they already have a password)"
    )
    messages.success(
        request,
        f"{who} is added to the caseload of {invitation.episode.therapist.display_name} and "
        f"was sent {sent}.{_when(invitation)}",
    )
    return _after(request, invitation.episode)


def _episodes_in_reach(user: User) -> QuerySet[Episode]:
    if user.role == Role.THERAPIST:
        return Episode.objects.filter(therapist=user)
    if user.role == Role.PRACTICE_ADMIN and user.practice_id is not None:
        return Episode.objects.filter(client__practice_id=user.practice_id)
    raise PermissionDenied


@login_required
@require_POST
def resend_invitation(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    """A new set-a-password link for a client of hers who has not chosen a password yet."""
    if not request.user.has_perm("care.keep_caseload"):
        raise PermissionDenied
    _resend(request, episode_id)
    return redirect("care:invite")


@login_required
@require_POST
def practice_resend_invitation(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    """The same, by the practice administrator, for a client of her practice."""
    if not request.user.has_perm("care.invite_for_practice"):
        raise PermissionDenied
    _resend(request, episode_id)
    return redirect("care:practice-invite")


def _resend(request: AuthenticatedHttpRequest, episode_id: int) -> None:
    episode = get_object_or_404(
        _episodes_in_reach(request.user).select_related(
            "client__user", "client__practice", "therapist"
        ),
        pk=episode_id,
    )
    if not request.user.has_perm("care.resend_invitation", episode):
        raise PermissionDenied
    try:
        intake.resend_invitation(episode=episode, by=request.user, base_url=_base_url(request))
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
    else:
        messages.success(request, f"A new invitation was sent to {episode.client.display_name}.")


@login_required
def new_episode(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    """Start a new episode for a client whose therapy ended or was transferred, by their last
    therapist, with herself. (The administrator does it from her "Invite a client" page: the
    address of a past client gets a new episode on the same account.)"""
    user = request.user
    if not user.has_perm("care.keep_caseload"):
        raise PermissionDenied
    # Only clients she has treated; of those, only the ones whose last therapist she was.
    client = get_object_or_404(
        Client.objects.filter(episodes__therapist=user)
        .distinct()
        .select_related("user", "practice"),
        pk=client_id,
    )
    if not user.has_perm("care.start_episode", client):
        raise PermissionDenied
    last = last_episode(client)
    back = reverse("workspace:past-clients")
    if last is not None and last.is_active:
        messages.info(request, f"{client.display_name} already has an active therapy.")
        return redirect(back)
    initial = {"problem_areas": [a.pk for a in last.problem_areas.all()]} if last else {}
    form = NewEpisodeForm(request.POST if request.method == "POST" else None, initial=initial)
    template = "care/new_episode.html"
    context = {"form": form, "client": client, "last": last, "back": back}
    if request.method != "POST":
        return render(request, template, context)
    if not form.is_valid():
        return render(request, template, context, status=400)
    try:
        invitation = intake.start_new_episode(
            client=client,
            therapist=user,
            by=user,
            problem_areas=form.cleaned_data["problem_areas"],
            first_session_at=form.first_session_at(),
            base_url=_base_url(request),
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return render(request, template, context, status=400)
    messages.success(
        request,
        f"A new episode with {invitation.episode.therapist.display_name} has started for "
        f"{client.display_name}; they were told by e-mail.{_when(invitation)}",
    )
    return _after(request, invitation.episode)
