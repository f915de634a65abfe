"""The client's pages: home, the check-in before a session, the feedback after it, the fit
check-in after the first sessions, the exit feedback, the feedback composer, asking for an
ending conversation, and their own data."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from attune import conf
from attune.accounts.decorators import login_required
from attune.accounts.http import AuthenticatedHttpRequest
from attune.care.form_windows import questionnaire_is_open
from attune.care.models import Episode, Goal, Session
from attune.care.queries import active_episode_of_client, episodes_visible_to, sessions_of_client
from attune.care.questionnaire import (
    FORM_TITLES,
    FormAnswers,
    form_or_answers,
    submit_answers,
    thanks_context,
)
from attune.care.submission import stored_form
from attune.clientportal.models import DeletionRequest, FeedbackMessage, Intent
from attune.clientportal.queries import open_ending_request
from attune.measures.models import Phase, Response
from attune.portal import composer, exports
from attune.portal.after_feedback import after_feedback
from attune.portal.forms import (
    DeletionRequestForm,
    EndingRequestForm,
    GoalRatingForm,
    KeyForm,
    MessageEditForm,
    MessageForm,
)
from attune.portal.progress_chart import progress_svg
from attune.portal.queries import (
    goals_with_ratings,
    how_my_therapist_works,
    messages_of_client,
    open_forms,
    own_message,
    progress_in_words,
    waiting_for_client,
)

#: Forms that belong to one session (the exit feedback belongs to the episode).
SESSION_PHASES = (Phase.CHECK_IN, Phase.FEEDBACK, Phase.FIT_CHECK)


def _require_client(request: AuthenticatedHttpRequest) -> None:
    if not request.user.has_perm("care.use_portal"):
        raise PermissionDenied


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What is waiting, the next session, the composer and the progress graphs; the rest (goals,
    how the therapist works, articles, their data) is one link away."""
    _require_client(request)
    now = timezone.now()
    episode = active_episode_of_client(request.user)
    own_count = (
        FeedbackMessage.objects.filter(episode=episode, client__user=request.user).count()
        if episode is not None
        else 0
    )
    waiting = waiting_for_client(request.user, episode, now)
    return render(
        request,
        "portal/home.html",
        {
            "episode": episode,
            "forms": waiting.forms,
            "next_session": waiting.next_session,
            "progress": [
                (line, progress_svg(line)) for line in progress_in_words(request.user, episode)
            ],
            "own_message_count": own_count,
            "ending_request": open_ending_request(episode) if episode else None,
        },
    )


# --------------------------------------------------------------------------- goals

#: The session key of a confirmation shown next to the thing it confirms (not at the top of
#: the page, where a person who just pressed a button further down would not see it).
NEAR = "attune:saved-near"


def _saved_near(request: AuthenticatedHttpRequest, goal: int, text: str) -> None:
    request.session[NEAR] = {"goal": goal, "text": text}


def _pop_saved_near(request: AuthenticatedHttpRequest) -> dict[str, object]:
    found = request.session.pop(NEAR, None)
    return found if isinstance(found, dict) else {}


@login_required
@require_GET
def goals(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_client(request)
    return _goals(request)


def _goals(
    request: AuthenticatedHttpRequest,
    rating_errors: dict[int, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    episode = active_episode_of_client(request.user)
    return render(
        request,
        "portal/goals.html",
        {
            "episode": episode,
            "goals": goals_with_ratings(episode),
            "rating_errors": rating_errors or {},
            "rating_scale": range(11),
            "saved": {} if rating_errors else _pop_saved_near(request),
        },
        status=status,
    )


@login_required
@require_POST
def rate_goal(request: AuthenticatedHttpRequest, goal_id: int) -> HttpResponse:
    """The client's own 0–10 rating of one of their goals (a wrong id is a 404). The
    confirmation appears next to the goal, which the redirect scrolls to and focuses."""
    _require_client(request)
    goal = get_object_or_404(
        Goal.objects.filter(
            episode__client__user=request.user, episode__status="active"
        ).select_related("episode__client"),
        pk=goal_id,
    )
    try:
        stored = composer.rate_goal(
            goal=goal, by=request.user, rating=GoalRatingForm(request.POST).value("rating")
        )
    except ValidationError as error:
        message = "; ".join(error.messages)
        return _goals(request, rating_errors={goal.pk: message}, status=400)
    _saved_near(request, goal.pk, f"Thank you — your rating of {stored.rating} is saved.")
    return redirect(f"{reverse('portal:goals')}#goal-{goal.pk}-saved")


# --------------------------------------------------------------------------- how my therapist works


@login_required
@require_GET
def therapist(request: AuthenticatedHttpRequest) -> HttpResponse:
    """How the client's therapist works: their own words and the explainers of their
    approaches (Markdown rendered safely), with the article library."""
    _require_client(request)
    episode = active_episode_of_client(request.user)
    return render(
        request,
        "portal/therapist.html",
        {"episode": episode, "how_works": how_my_therapist_works(episode)},
    )


@login_required
def check_in(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    return _form(request, session_id, Phase.CHECK_IN)


@login_required
def feedback(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    return _form(request, session_id, Phase.FEEDBACK)


@login_required
def fit_check(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    return _form(request, session_id, Phase.FIT_CHECK)


def _own_session(request: AuthenticatedHttpRequest, session_id: int) -> Session:
    _require_client(request)
    session = get_object_or_404(
        sessions_of_client(request.user).select_related("episode__client", "episode__therapist"),
        pk=session_id,
    )
    if not request.user.has_perm("care.answer_forms", session.episode):
        raise PermissionDenied
    return session


def _form(request: AuthenticatedHttpRequest, session_id: int, phase: str) -> HttpResponse:
    session = _own_session(request, session_id)
    thanks_url = reverse("portal:thanks", kwargs={"session_id": session.pk, "phase": phase})
    if stored_form(session, request.user, phase):
        return redirect(thanks_url)
    context = {"session": session, "phase": phase, "title": FORM_TITLES[phase]}
    return _questionnaire(request, context, session.episode, session, phase, thanks_url)


def _questionnaire(
    request: AuthenticatedHttpRequest,
    context: dict[str, object],
    episode: Episode,
    session: Session | None,
    phase: str,
    thanks_url: str,
) -> HttpResponse:
    """The one questionnaire flow (``care.questionnaire``): closed, the form (blank or kept
    for a safety answer), its answers submitted once, the thank-you page or the form again."""
    if not questionnaire_is_open(episode, session, phase, timezone.now()):
        return render(request, "portal/form_closed.html", context)
    step = form_or_answers(
        request.POST if request.method == "POST" else None,
        KeyForm(request.POST).key(),
        episode=episode,
        session=session,
        respondent=request.user,
        phase=phase,
    )
    if isinstance(step, FormAnswers):
        result = submit_answers(
            episode=episode,
            session=session,
            respondent=request.user,
            phase=phase,
            answers=step.answers,
            idempotency_key=step.key,
        )
        if result.ok:
            return redirect(thanks_url)
        step = step.again(result)
    return render(request, "portal/form.html", context | step.context, status=step.status)


@login_required
def thanks(request: AuthenticatedHttpRequest, session_id: int, phase: str) -> HttpResponse:
    if phase not in SESSION_PHASES:
        raise Http404
    session = _own_session(request, session_id)
    responses = stored_form(session, request.user, phase)
    if not responses:
        return redirect(f"portal:{phase.replace('_', '-')}", session_id=session.pk)
    offer = after_feedback(responses) if phase == Phase.FEEDBACK else None
    return render(
        request,
        "portal/thanks.html",
        {
            "session": session,
            "phase": phase,
            "offer": offer,
            "ending_request": (
                open_ending_request(session.episode) if offer and offer.offers else None
            ),
        }
        | thanks_context(responses),
    )


def _own_episode(request: AuthenticatedHttpRequest, episode_id: int) -> Episode:
    _require_client(request)
    episode = get_object_or_404(
        episodes_visible_to(request.user).select_related("client", "therapist"), pk=episode_id
    )
    if not request.user.has_perm("care.answer_forms", episode):
        raise PermissionDenied
    return episode


def _stored_exit(episode: Episode, request: AuthenticatedHttpRequest) -> list[Response]:
    return list(Response.objects.filter(episode=episode, respondent=request.user, phase=Phase.EXIT))


@login_required
def exit_feedback(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    """The exit feedback ("Tell us about your therapy"): asked once, after the therapy ended."""
    episode = _own_episode(request, episode_id)
    thanks_url = reverse("portal:exit-thanks", kwargs={"episode_id": episode.pk})
    if _stored_exit(episode, request):
        return redirect(thanks_url)
    context = {"episode": episode, "phase": Phase.EXIT, "title": FORM_TITLES[Phase.EXIT]}
    return _questionnaire(request, context, episode, None, Phase.EXIT, thanks_url)


@login_required
def exit_thanks(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    episode = _own_episode(request, episode_id)
    responses = _stored_exit(episode, request)
    if not responses:
        return redirect("portal:exit-feedback", episode_id=episode.pk)
    return render(
        request,
        "portal/thanks.html",
        {"episode": episode, "phase": Phase.EXIT} | thanks_context(responses),
    )


# --------------------------------------------------------------------------- the feedback composer


def _field_errors(error: ValidationError) -> dict[str, str]:
    if hasattr(error, "error_dict"):
        return {field: " ".join(texts) for field, texts in error.message_dict.items()}
    return {"form": " ".join(error.messages)}


def _composer_context(
    request: AuthenticatedHttpRequest, episode: Episode | None
) -> dict[str, object]:
    return {
        "episode": episode,
        "starters": composer.STARTERS,
        "intents": Intent.choices,
        "text_max": composer.TEXT_MAX,
        "own_messages": messages_of_client(request.user, episode, timezone.now()),
    }


@login_required
def composer_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Put something hard into words, then share it now, keep it for the next session, or keep
    it as a private draft."""
    _require_client(request)
    episode = active_episode_of_client(request.user)
    context = _composer_context(request, episode)
    context |= {"values": {"text": "", "intent": "", "share_at_session": False}}
    if request.method != "POST" and episode is not None:
        context["values"] = _prefilled(request, episode) or context["values"]
    if request.method != "POST" or episode is None:
        context["idempotency_key"] = uuid.uuid4()
        return render(request, "portal/composer.html", context)
    form = MessageForm(request.POST)
    values = form.values()
    key = form.key()
    errors: dict[str, str]
    if key is None:
        errors = {"form": "We couldn't read part of the form. Your words are still here: "
                             "please send again."}  # fmt: skip
        key = uuid.uuid4()
    else:
        try:
            message = composer.compose(
                by=request.user,
                episode=episode,
                text=str(values["text"]),
                intent=str(values["intent"]),
                share_at_session=bool(values["share_at_session"]),
                idempotency_key=key,
            )
        except ValidationError as error:
            errors = _field_errors(error)
        else:
            return _saved(request, message)
    context |= {"values": values, "errors": errors, "idempotency_key": key}
    return render(request, "portal/composer.html", context, status=400)


def _prefilled(request: AuthenticatedHttpRequest, episode: Episode) -> dict[str, object] | None:
    """``?after=<session id>`` (the link of the thank-you page after a session feedback): the
    composer starts with the words and the choice that feedback calls for — "I felt
    misunderstood when …", for the next session. Only the session's id is in the address,
    never what was answered; another client's session, or anything else, prefills nothing."""
    raw = request.GET.get("after", "")
    if not raw.isdigit() or len(raw) > 18:
        return None
    session = sessions_of_client(request.user).filter(pk=int(raw), episode=episode).first()
    if session is None:
        return None
    offer = after_feedback(stored_form(session, request.user, Phase.FEEDBACK))
    if not offer.offers:
        return None
    return {"text": offer.starter, "intent": Intent.NEXT_SESSION, "share_at_session": False}


def _saved(request: AuthenticatedHttpRequest, message: FeedbackMessage) -> HttpResponse:
    """The message's page, saying what became of it."""
    if message.intent == Intent.SHARE_NOW:
        text = "Your message is shared. Thank you for telling your therapist."
    elif message.intent == Intent.NEXT_SESSION:
        text = "Saved for your next session. Your therapist sees that you would like to talk."
    else:
        text = "Saved as a private draft. Only you can see it."
    messages.success(request, text)
    return redirect("portal:composer-message", message_id=message.pk)


def _own_feedback_message(request: AuthenticatedHttpRequest, message_id: int) -> FeedbackMessage:
    _require_client(request)
    return get_object_or_404(
        FeedbackMessage.objects.filter(client__user=request.user).select_related(
            "episode__client", "client"
        ),
        pk=message_id,
    )


@login_required
def composer_message(request: AuthenticatedHttpRequest, message_id: int) -> HttpResponse:
    """One of the client's messages: read it, change it or its choice while the therapist
    cannot read it, share it, or delete it."""
    message = _own_feedback_message(request, message_id)
    now = timezone.now()
    sessions = list(message.episode.sessions.all())
    own = own_message(message, sessions, now)
    values = {
        "text": message.text,
        "intent": message.intent,
        "share_at_session": message.share_at_session,
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = MessageEditForm(request.POST, current_text=message.text)
        action = form.value("action")
        try:
            if action == "delete":
                composer.delete_message(message=message, by=request.user, now=now)
                messages.success(request, "Your message is deleted.")
                return redirect("portal:composer")
            values = form.values()
            if action == "share":
                values["intent"] = Intent.SHARE_NOW
            composer.update_message(
                message=message,
                by=request.user,
                text=str(values["text"]),
                intent=str(values["intent"]),
                share_at_session=bool(values["share_at_session"]),
                now=now,
            )
        except ValidationError as error:
            errors = _field_errors(error)
        else:
            return _saved(request, message)
    return render(
        request,
        "portal/composer_message.html",
        {
            "own": own,
            "message": message,
            "values": values,
            "errors": errors,
            "intents": Intent.choices,
            "text_max": composer.TEXT_MAX,
            "starters": composer.STARTERS,
        },
        status=400 if errors else 200,
    )


# --------------------------------------------------------------------------- ending


@login_required
def ending(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ask for an ending conversation, or withdraw the request. The exit feedback waits for the
    recorded ending (``care.form_windows.endings_asking_for_exit_feedback``)."""
    _require_client(request)
    episode = active_episode_of_client(request.user)
    request_open = open_ending_request(episode) if episode else None
    errors: dict[str, str] = {}
    reason = ""
    if request.method == "POST" and episode is not None:
        form = EndingRequestForm(request.POST)
        try:
            if form.value("action") == "withdraw":
                if request_open is not None:
                    composer.withdraw_ending_request(request=request_open, by=request.user)
                messages.success(request, "Your request is withdrawn. Your therapy goes on.")
            else:
                reason = form.value("reason")
                composer.request_ending(episode=episode, by=request.user, reason=reason)
                messages.success(
                    request,
                    "Your request is sent. Your therapist will talk about it with you.",
                )
        except ValidationError as error:
            errors = _field_errors(error)
        else:
            return redirect("portal:ending")
    exit_given = (
        episode is not None
        and Response.objects.filter(
            episode=episode, respondent=request.user, phase=Phase.EXIT
        ).exists()
    )
    return render(
        request,
        "portal/ending.html",
        {
            "episode": episode,
            "ending_request": request_open,
            "exit_given": exit_given,
            "exit_forms": [f for f in open_forms(request.user, None, timezone.now())],
            "errors": errors,
            "reason": reason,
            "reason_max": composer.REASON_MAX,
        },
        status=400 if errors else 200,
    )


# --------------------------------------------------------------------------- their data


@login_required
@require_GET
def my_data(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_client(request)
    requests = DeletionRequest.objects.filter(client__user=request.user).order_by("-requested_at")
    return render(
        request,
        "portal/data.html",
        {
            "deletion_requests": list(requests),
            "open_deletion": next((r for r in requests if r.status == "requested"), None),
            "retention_years": conf.retention_years(),
            "not_included": exports.NOT_INCLUDED,
        },
    )


def _download(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    _require_client(request)
    data = exports.client_data(request.user)
    exports.record_export(request.user)
    day = timezone.localdate().isoformat()
    if kind == "json":
        response = HttpResponse(
            exports.as_json(data), content_type="application/json; charset=utf-8"
        )
    else:
        response = HttpResponse(exports.as_csv(data), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="attune-my-data-{day}.{kind}"'
    return response


@login_required
@require_GET
def download_json(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _download(request, "json")


@login_required
@require_GET
def download_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _download(request, "csv")


@login_required
@require_POST
def request_deletion(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_client(request)
    if not DeletionRequestForm(request.POST).value("confirm"):
        messages.error(request, "Please tick the box to confirm that you want to ask for this.")
        return redirect("portal:data")
    try:
        exports.request_deletion(user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Your request is sent to your practice.")
    return redirect("portal:data")
