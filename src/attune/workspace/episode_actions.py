"""The treating therapist's actions on an episode: record a session, book the next one, answer
the fit check-in, refer to a colleague, end the therapy.

Thin views: resolve the episode through a scoped query (someone else's episode is a 404), ask
``care.change_episode`` (a supervisor, a client or anyone else is a 403), call a service, and
on bad input show the form again with a message and everything that was typed.
"""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from attune.accounts.decorators import login_required
from attune.accounts.http import AuthenticatedHttpRequest
from attune.audit.models import AuditAction
from attune.audit.services import record
from attune.care import endings, fit_wording, questionnaire, sessions, warm_referral
from attune.care.ending_summary import ending_summary
from attune.care.models import Episode, Referral, Session
from attune.care.queries import episodes_visible_to, fit_check_at, fit_session, referral_colleagues
from attune.care.submission import stored_form
from attune.form_errors import add_service_errors
from attune.matching import referral
from attune.measures.form_layout import FormSection
from attune.measures.models import Phase
from attune.workspace.episode_forms import (
    EndingForm,
    RankingForm,
    ReferralForm,
    ScheduleSessionForm,
    SessionRecordForm,
)
from attune.workspace.referral_history import earlier_episodes


def _episode_for(request: AuthenticatedHttpRequest, episode_id: int, permission: str) -> Episode:
    """The episode, if the signed-in clinician sees it in the workspace and holds ``permission``
    on it (``care.change_episode``, ``care.view_episode``); 404 when she cannot see it at all."""
    if not request.user.has_perm("care.use_workspace"):
        raise PermissionDenied
    episode = get_object_or_404(
        episodes_visible_to(request.user).select_related("client__user", "therapist"),
        pk=episode_id,
    )
    if not request.user.has_perm(permission, episode):
        raise PermissionDenied
    return episode


def _episode_to_change(request: AuthenticatedHttpRequest, episode_id: int) -> Episode:
    return _episode_for(request, episode_id, "care.change_episode")


def _episode_url(episode: Episode, anchor: str = "") -> str:
    url = reverse("workspace:episode", args=[episode.pk])
    return f"{url}#{anchor}" if anchor else url


def _portal_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("portal:home"))


def _invalid(request: HttpRequest, template: str, context: dict[str, object]) -> HttpResponse:
    return render(request, template, context, status=400)


@login_required
def record_session(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    """Attendance, modalities used and the progress note of one session."""
    if not request.user.has_perm("care.use_workspace"):
        raise PermissionDenied
    session = get_object_or_404(
        Session.objects.filter(episode__in=episodes_visible_to(request.user)).select_related(
            "episode__client__user", "episode__therapist"
        ),
        pk=session_id,
    )
    episode = session.episode
    if not request.user.has_perm("care.change_episode", episode):
        raise PermissionDenied
    template = "care/session_record.html"
    if request.method != "POST":
        form = SessionRecordForm(
            initial=SessionRecordForm.initial_for(session), therapist=episode.therapist
        )
        return render(request, template, {"episode": episode, "session": session, "form": form})
    form = SessionRecordForm(request.POST, therapist=episode.therapist)
    context = {"episode": episode, "session": session, "form": form}
    if not form.is_valid():
        return _invalid(request, template, context)
    try:
        sessions.record_session(
            session=session,
            attendance=form.cleaned_data["attendance"],
            modalities=form.cleaned_data["modalities"],
            progress_note=form.cleaned_data["progress_note"],
            by=request.user,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _invalid(request, template, context)
    messages.success(request, f"Session {session.number} saved.")
    return redirect(_episode_url(episode, "sessions-heading"))


@login_required
def schedule_session(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    """Book the next session (date, time, duration)."""
    episode = _episode_to_change(request, episode_id)
    template = "care/session_schedule.html"
    if not episode.is_active:
        messages.error(request, "This episode has ended, so no new session can be booked.")
        return redirect(_episode_url(episode))
    if request.method != "POST":
        form = ScheduleSessionForm(initial=ScheduleSessionForm.initial_for(episode, timezone.now()))
        return render(request, template, {"episode": episode, "form": form})
    form = ScheduleSessionForm(request.POST)
    context = {"episode": episode, "form": form}
    if not form.is_valid():
        return _invalid(request, template, context)
    try:
        session = sessions.schedule_session(
            episode=episode,
            scheduled_at=form.scheduled_at(),
            duration_minutes=form.cleaned_data["duration_minutes"],
            by=request.user,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _invalid(request, template, context)
    when = timezone.localtime(session.scheduled_at)
    messages.success(request, f"Session {session.number} booked for {when:%a %d %b %Y, %H:%M}.")
    return redirect(_episode_url(episode, "sessions-heading"))


def _fit_sections(episode: Episode, sections: list[FormSection]) -> list[FormSection]:
    return fit_wording.for_therapist(sections, episode.client.display_name)


@login_required
def fit_check(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    """The therapist's side of the fit check-in, after the n-th attended session."""
    episode = _episode_to_change(request, episode_id)
    template = "care/fit_check.html"
    session = fit_session(episode)
    context: dict[str, object] = {"episode": episode, "session": session, "at": fit_check_at()}
    if session is None or not episode.is_active:
        return render(request, "care/fit_check_closed.html", context)
    if stored_form(session, request.user, Phase.FIT_CHECK):
        messages.info(request, "You have already answered the fit check-in.")
        return redirect(_episode_url(episode, "fit-heading"))
    # Whether the client has answered, never what: each side answers without the other's
    # rating in view, so that a difference between them still shows (both appear side by side
    # on the episode page once she has answered).
    context["client_answered"] = bool(stored_form(session, episode.client.user, Phase.FIT_CHECK))
    key = questionnaire.posted_key(request.method, request.POST)
    # The one questionnaire flow (care.questionnaire), in the therapist's words.
    step = questionnaire.form_or_answers(
        request.POST if request.method == "POST" else None,
        key,
        episode=episode,
        session=session,
        respondent=request.user,
        phase=Phase.FIT_CHECK,
        key_error="Part of the form could not be read. Your answers are still here: please "
        "check them and send again.",
    )
    if isinstance(step, questionnaire.FormAnswers):
        result = questionnaire.submit_answers(
            episode=episode,
            session=session,
            respondent=request.user,
            phase=Phase.FIT_CHECK,
            answers=step.answers,
            idempotency_key=step.key,
        )
        if result.ok:
            messages.success(request, "Your view of the fit is saved.")
            return redirect(_episode_url(episode, "fit-heading"))
        step = step.again(result, "A few answers need another look. Everything else is kept.")
    page = replace(step, sections=_fit_sections(episode, step.sections))
    return render(request, template, context | page.context, status=page.status)


@login_required
def refer(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    """A warm referral to a colleague of the practice, with the client's consent: colleagues
    ranked by the matching engine, each with the reasons in words."""
    episode = _episode_to_change(request, episode_id)
    template = "care/refer.html"
    done = Referral.objects.filter(from_episode=episode).select_related("to_therapist").first()
    if done is not None:
        messages.info(request, _already_referred(episode, done))
        return redirect(_episode_url(episode))
    if not episode.is_active:
        messages.error(request, "This episode has already ended, so it can't be referred.")
        return redirect(_episode_url(episode))
    # The ranking's choices travel in the query string (ids and a language code only) and
    # again, hidden, with the referral itself.
    data = request.POST if request.method == "POST" else (request.GET or None)
    ranking = RankingForm(data, initial=referral.initial_preferences(episode))
    approach, language = ranking.preferences()
    rows = referral.ranked_colleagues(episode, approach=approach, language=language)
    context: dict[str, object] = {
        "episode": episode,
        "ranking": ranking,
        "colleagues": [row for row in rows if row.accepting],  # ranked, to choose from
        "full": [row for row in rows if not row.accepting],  # named, greyed, not choosable
    }
    colleagues = referral_colleagues(episode)
    if request.method != "POST":
        context["form"] = ReferralForm(
            initial={"consent_on": timezone.localdate()}, colleagues=colleagues
        )
        return render(request, template, context)
    form = ReferralForm(request.POST, colleagues=colleagues)
    context["form"] = form
    if not form.is_valid():
        return _invalid(request, template, context)
    try:
        made, created = warm_referral.refer(
            episode=episode,
            to_therapist=form.cleaned_data["to_therapist"],
            consent_given=form.cleaned_data["consent"],
            consent_on=form.cleaned_data["consent_on"],
            consent_note=form.cleaned_data["consent_note"],
            handover_email=form.cleaned_data["handover_email"],
            by=request.user,
            portal_url=_portal_url(request),
            base_url=request.build_absolute_uri("/"),
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _invalid(request, template, context)
    if not created:  # a second click, or a colleague's tab: the first referral stands
        messages.info(request, _already_referred(episode, made))
        return redirect(_episode_url(episode))
    told = (
        "an e-mail tells the client who takes over"
        if made.handover_email_consent
        else "the client gets no e-mail about the handover (they did not agree to one)"
    )
    messages.success(
        request,
        f"Referred to {made.to_therapist.display_name}, who gets an e-mail with a link to the "
        f"new episode; {told}. This episode is now marked as transferred, and the client has "
        "been asked for feedback.",
    )
    return redirect(_episode_url(episode))


@login_required
def before_referral(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    """The therapy before a warm referral, for whoever may read the new episode (the colleague
    who took over, her supervisor): sessions, ending and outcome scores; nothing else."""
    episode = _episode_for(request, episode_id, "care.view_episode")
    earlier = earlier_episodes(episode)
    if not earlier:
        raise Http404("This episode was not referred from another one.")
    for item in earlier:
        record(request.user, AuditAction.READ, item.episode, item.episode)
    return render(request, "care/before_referral.html", {"episode": episode, "earlier": earlier})


def _already_referred(episode: Episode, made: Referral) -> str:
    when = timezone.localtime(made.created_at).strftime("%d %b %Y")
    return (
        f"{episode.client.display_name} was already referred to "
        f"{made.to_therapist.display_name} on {when}. Nothing was changed."
    )


@login_required
def end_episode(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    """Record the ending (planned, early, transferred); the client is asked for exit feedback."""
    episode = _episode_to_change(request, episode_id)
    template = "care/end.html"
    if not episode.is_active:
        messages.info(request, "This episode has already ended.")
        return redirect(_episode_url(episode))
    # The client's request to end, if any, and the outcome in short (care.ending_summary).
    summary = ending_summary(episode)
    if request.method != "POST":
        form = EndingForm(initial={"ended_on": timezone.localdate()})
        return render(request, template, {"episode": episode, "form": form, "summary": summary})
    form = EndingForm(request.POST)
    context = {"episode": episode, "form": form, "summary": summary}
    if not form.is_valid():
        return _invalid(request, template, context)
    try:
        ending, created = endings.end_episode(
            episode=episode,
            kind=form.cleaned_data["kind"],
            ended_on=form.cleaned_data["ended_on"],
            note=form.cleaned_data["note"],
            by=request.user,
            portal_url=_portal_url(request),
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _invalid(request, template, context)
    if created:
        messages.success(
            request,
            f"{ending.get_kind_display()} recorded. The client has been asked, once, for "
            "feedback on their therapy.",
        )
    return redirect(_episode_url(episode))
