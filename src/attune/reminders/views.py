"""The page a form link opens (``/f/<token>/``) and the therapist's reminder pages.

A form link signs nobody in: it opens one form, for one client, once, and nothing else. The
person holding it stays anonymous to Django (no session, no login), so every other page of
Attune still asks for a password.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from attune.accounts.decorators import login_required
from attune.accounts.http import AuthenticatedHttpRequest
from attune.care.models import Session
from attune.care.queries import episodes_visible_to
from attune.care.questionnaire import (
    FORM_TITLES,
    FormAnswers,
    form_or_answers,
    posted_key,
    thanks_context,
)
from attune.measures.models import Response
from attune.middleware import secret_address
from attune.practice.services import crisis_resources_for
from attune.reminders import services
from attune.reminders.models import LinkPhase, ReminderDelivery
from attune.reminders.queries import not_completed as not_completed_rows


def _render(
    request: HttpRequest, template: str, context: dict[str, object], status: int = 200
) -> HttpResponse:
    return secret_address(render(request, template, context, status=status))


def _unavailable(request: HttpRequest, context: dict[str, object], reason: str) -> HttpResponse:
    # 200, not 410: a spent link is an ordinary event for the person holding it (not an error
    # for their browser's console), and Django logs every 4xx with its path.
    return _render(request, "reminders/link_unavailable.html", context | {"reason": reason})


def _thanks(
    request: HttpRequest, context: dict[str, object], responses: list[Response]
) -> HttpResponse:
    return _render(request, "portal/thanks.html", context | thanks_context(responses))


def form_link(request: HttpRequest, token: str) -> HttpResponse:
    link = services.find_link(token)
    if link is None or not link.client.is_active:
        raise Http404
    if request.user.is_authenticated and request.user.pk != link.client_id:
        # Someone else is signed in on this browser: the link is not theirs to open.
        raise Http404
    practice = link.episode.client.practice
    context: dict[str, object] = {
        "link": link,
        "session": link.session,
        "episode": link.episode,
        "phase": link.phase,
        "title": FORM_TITLES[link.phase],
        "practice": practice,
        "crisis_resources": crisis_resources_for(practice),
    }
    key = posted_key(request.method, request.POST)

    if link.used_at is not None or services.form_completed(link):
        # A double click or a retry of the form this link opened shows the same thank-you page.
        again = services.answered_with(link, key)
        if again:
            return _thanks(request, context, again)
        return _unavailable(request, context, "used")
    if link.expires_at <= timezone.now():
        return _unavailable(request, context, "expired")
    if not services.link_form_is_open(link):
        return _unavailable(request, context, "closed")

    step = form_or_answers(
        request.POST if request.method == "POST" else None,
        key,
        episode=link.episode,
        session=link.session,
        respondent=link.client,
        phase=link.phase,
    )
    if isinstance(step, FormAnswers):
        outcome = services.submit_through_link(
            link=link, answers=step.answers, idempotency_key=step.key
        )
        if outcome.outcome == services.LinkOutcome.CLOSED:
            return _unavailable(request, context, "closed")
        if outcome.outcome == services.LinkOutcome.USED:
            # Answered meanwhile, through another link or the portal: say so, show nothing of it.
            return _unavailable(request, context, "used")
        if outcome.outcome == services.LinkOutcome.STORED:
            return _thanks(request, context, outcome.responses)
        result = outcome.submission
        assert result is not None  # INVALID carries the submission and its errors
        # The link stays usable to complete the form.
        step = step.again(result)
    return _render(request, "portal/form.html", context | step.context, status=step.status)


# --------------------------------------------------------------------------- the therapist


def _require_therapist(request: AuthenticatedHttpRequest) -> None:
    if not request.user.has_perm("care.keep_caseload"):
        raise PermissionDenied


@login_required
def not_completed(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Her clients' check-ins and feedback that were not completed, with the reminder status."""
    _require_therapist(request)
    rows = not_completed_rows(request.user, timezone.now())
    return render(request, "reminders/not_completed.html", {"rows": rows})


@login_required
@require_POST
def resend(request: AuthenticatedHttpRequest, delivery_id: int) -> HttpResponse:
    """Send a fresh link to the same form, for one of her own clients only."""
    _require_therapist(request)
    delivery = get_object_or_404(
        ReminderDelivery.objects.select_related(
            "link__client", "episode__client__user", "episode__client__practice", "session"
        ),
        pk=delivery_id,
        episode__in=episodes_visible_to(request.user),
    )
    if not request.user.has_perm("care.change_episode", delivery.episode):
        raise PermissionDenied
    try:
        again = services.resend(delivery=delivery, by=request.user)
    except services.ResendRefused as refusal:
        messages.warning(request, str(refusal))
    else:
        if again.status == "sent":
            messages.success(request, "A new link was sent.")
        else:
            messages.error(request, "The e-mail could not be sent. Please try again later.")
    return redirect("reminders:not-completed")


@login_required
@require_POST
def send_now(request: AuthenticatedHttpRequest, session_id: int, phase: str) -> HttpResponse:
    """Send now the first reminder of a form that has had none, for her own client only."""
    _require_therapist(request)
    session = get_object_or_404(
        Session.objects.select_related("episode__client__user", "episode__client__practice"),
        pk=session_id,
        episode__in=episodes_visible_to(request.user),
    )
    if not request.user.has_perm("care.change_episode", session.episode):
        raise PermissionDenied
    if phase not in (LinkPhase.CHECK_IN, LinkPhase.FEEDBACK):
        raise Http404
    try:
        sent = services.send_now(session=session, phase=phase, by=request.user)
    except services.ResendRefused as refusal:
        messages.warning(request, str(refusal))
    else:
        if sent.status == "sent":
            messages.success(request, f"A link was sent to {session.episode.client.display_name}.")
        else:
            messages.error(
                request,
                "The e-mail could not be sent; the reminder shows as failed. Please try "
                '"Send again" later.',
            )
    return redirect("reminders:not-completed")
