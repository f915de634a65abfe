"""The client's pages: home, the check-in before a session, the feedback after it, the fit
check-in after the first sessions and the exit feedback when therapy has ended."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from attune.care import services as care_services
from attune.care.models import Episode, Session
from attune.care.queries import active_episode_of_client, episodes_visible_to, sessions_of_client
from attune.measures.form_layout import answers_from_post, layout
from attune.measures.models import Phase, Response
from attune.measures.services import form_versions, stored_form, submit_form
from attune.portal.queries import (
    exit_form_is_open,
    form_is_open,
    next_session,
    open_forms,
    recent_check_ins,
)

FORM_TITLES = {
    Phase.CHECK_IN: "Check-in before your session",
    Phase.FEEDBACK: "How was your session?",
    Phase.FIT_CHECK: "How is working together going?",
    Phase.EXIT: "Tell us about your therapy",
}
#: Forms that belong to one session (the exit feedback belongs to the episode).
SESSION_PHASES = (Phase.CHECK_IN, Phase.FEEDBACK, Phase.FIT_CHECK)


def _require_client(request: HttpRequest) -> None:
    if not request.user.has_perm("care.use_portal"):
        raise PermissionDenied


@login_required
def home(request: HttpRequest) -> HttpResponse:
    _require_client(request)
    now = timezone.now()
    episode = active_episode_of_client(request.user)
    return render(
        request,
        "portal/home.html",
        {
            "episode": episode,
            "forms": open_forms(request.user, episode, now),
            "next_session": next_session(episode, now),
            "check_ins": recent_check_ins(request.user, episode),
        },
    )


@login_required
def check_in(request: HttpRequest, session_id: int) -> HttpResponse:
    return _form(request, session_id, Phase.CHECK_IN)


@login_required
def feedback(request: HttpRequest, session_id: int) -> HttpResponse:
    return _form(request, session_id, Phase.FEEDBACK)


@login_required
def fit_check(request: HttpRequest, session_id: int) -> HttpResponse:
    return _form(request, session_id, Phase.FIT_CHECK)


def _own_session(request: HttpRequest, session_id: int) -> Session:
    _require_client(request)
    session = get_object_or_404(
        sessions_of_client(request.user).select_related("episode__client", "episode__therapist"),
        pk=session_id,
    )
    if not request.user.has_perm("care.answer_forms", session.episode):
        raise PermissionDenied
    return session


def _form(request: HttpRequest, session_id: int, phase: str) -> HttpResponse:
    session = _own_session(request, session_id)
    if stored_form(session, request.user, phase):
        return redirect("portal:thanks", session_id=session.pk, phase=phase)
    context = {"session": session, "phase": phase, "title": FORM_TITLES[phase]}
    if not form_is_open(session, phase, timezone.now()):
        return render(request, "portal/form_closed.html", context)

    versions = form_versions(phase)
    if request.method != "POST":
        context |= {"sections": layout(versions), "idempotency_key": uuid.uuid4()}
        return render(request, "portal/form.html", context)

    answers = answers_from_post(request.POST, versions)
    try:
        key = uuid.UUID(request.POST.get("idempotency_key", ""))
    except ValueError:
        context |= {
            "sections": layout(versions, answers),
            "idempotency_key": uuid.uuid4(),
            "form_error": "We couldn't read part of the form. Your answers are still here: "
            "please check them and send again.",
        }
        return render(request, "portal/form.html", context, status=400)

    if phase == Phase.FIT_CHECK:
        result = care_services.submit_fit_check(
            episode=session.episode,
            session=session,
            respondent=request.user,
            answers=answers,
            idempotency_key=key,
        )
    else:
        result = submit_form(
            episode=session.episode,
            session=session,
            respondent=request.user,
            phase=phase,
            answers=answers,
            idempotency_key=key,
        )
    if result.ok:
        return redirect("portal:thanks", session_id=session.pk, phase=phase)
    context |= {
        "sections": layout(versions, answers, result.errors),
        "idempotency_key": key,
        "form_error": "A few answers need another look. Everything else you entered is kept.",
    }
    return render(request, "portal/form.html", context, status=400)


@login_required
def thanks(request: HttpRequest, session_id: int, phase: str) -> HttpResponse:
    if phase not in SESSION_PHASES:
        raise Http404
    session = _own_session(request, session_id)
    responses = stored_form(session, request.user, phase)
    if not responses:
        return redirect(f"portal:{phase.replace('_', '-')}", session_id=session.pk)
    safety = any(r.safety_level for r in responses)
    return render(
        request,
        "portal/thanks.html",
        {"session": session, "phase": phase, "responses": responses, "safety": safety},
    )


def _own_episode(request: HttpRequest, episode_id: int) -> Episode:
    _require_client(request)
    episode = get_object_or_404(
        episodes_visible_to(request.user).select_related("client", "therapist"), pk=episode_id
    )
    if not request.user.has_perm("care.answer_forms", episode):
        raise PermissionDenied
    return episode


def _stored_exit(episode: Episode, request: HttpRequest) -> list[Response]:
    return list(Response.objects.filter(episode=episode, respondent=request.user, phase=Phase.EXIT))


@login_required
def exit_feedback(request: HttpRequest, episode_id: int) -> HttpResponse:
    """The exit feedback ("Tell us about your therapy"): asked once, after the therapy ended."""
    episode = _own_episode(request, episode_id)
    phase = Phase.EXIT
    if _stored_exit(episode, request):
        return redirect("portal:exit-thanks", episode_id=episode.pk)
    context = {"episode": episode, "phase": phase, "title": FORM_TITLES[phase]}
    if not exit_form_is_open(episode, timezone.now()):
        return render(request, "portal/form_closed.html", context)

    versions = form_versions(phase)
    if request.method != "POST":
        context |= {"sections": layout(versions), "idempotency_key": uuid.uuid4()}
        return render(request, "portal/form.html", context)

    answers = answers_from_post(request.POST, versions)
    try:
        key = uuid.UUID(request.POST.get("idempotency_key", ""))
    except ValueError:
        context |= {
            "sections": layout(versions, answers),
            "idempotency_key": uuid.uuid4(),
            "form_error": "We couldn't read part of the form. Your answers are still here: "
            "please check them and send again.",
        }
        return render(request, "portal/form.html", context, status=400)
    result = care_services.submit_exit_feedback(
        episode=episode, respondent=request.user, answers=answers, idempotency_key=key
    )
    if result.ok:
        return redirect("portal:exit-thanks", episode_id=episode.pk)
    context |= {
        "sections": layout(versions, answers, result.errors),
        "idempotency_key": key,
        "form_error": "A few answers need another look. Everything else you entered is kept.",
    }
    return render(request, "portal/form.html", context, status=400)


@login_required
def exit_thanks(request: HttpRequest, episode_id: int) -> HttpResponse:
    episode = _own_episode(request, episode_id)
    responses = _stored_exit(episode, request)
    if not responses:
        return redirect("portal:exit-feedback", episode_id=episode.pk)
    return render(
        request,
        "portal/thanks.html",
        {"episode": episode, "phase": Phase.EXIT, "responses": responses, "safety": False},
    )
