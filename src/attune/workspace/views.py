"""The therapist's and supervisor's pages. Thin: scoped query, permission check, render."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from attune.accounts.decorators import login_required
from attune.accounts.http import AuthenticatedHttpRequest
from attune.accounts.models import Role, User
from attune.alerts import services as alert_services
from attune.alerts.models import ActionKind, Alert, AlertKind
from attune.alerts.queries import ClosedAlert, episode_alerts
from attune.audit.services import record
from attune.care.models import Episode
from attune.care.queries import episodes_visible_to
from attune.engine.signals import GOOD_NEWS
from attune.matching.queries import consultation_for_episode
from attune.measures.models import Response
from attune.measures.queries import answer_rows
from attune.notes.services import episode_notes
from attune.outcomes.queries import outcomes_report
from attune.portal.queries import feedback_for_therapist
from attune.supervision.forms import SupervisionNoteForm
from attune.supervision.queries import episode_supervision
from attune.workspace.before_session import before_next_session
from attune.workspace.charts import episode_charts
from attune.workspace.episode_care import episode_care_context
from attune.workspace.episode_sections import closed_history, notes_timeline, session_table
from attune.workspace.glossary import glossary
from attune.workspace.past_clients import past_clients, past_months
from attune.workspace.practice_page import practice_page
from attune.workspace.queries import (
    caseload,
    caseload_pinned,
    episode_for_page,
    filter_caseload,
    parse_caseload_filters,
    parse_name_search,
    split_alerts,
)


def _require(request: AuthenticatedHttpRequest, perm: str, obj: Model | None = None) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


@login_required
def my_caseload(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not request.user.has_perm("care.keep_caseload"):
        raise PermissionDenied
    return _caseload_page(request, request.user)


@login_required
def caseload_of(request: AuthenticatedHttpRequest, therapist_id: int) -> HttpResponse:
    therapist = get_object_or_404(User, pk=therapist_id, role=Role.THERAPIST)
    _require(request, "care.view_caseload", therapist)
    return _caseload_page(request, therapist)


def _caseload_page(request: AuthenticatedHttpRequest, therapist: User) -> HttpResponse:
    now = timezone.now()
    record(request.user, "read", therapist, detail="caseload")
    everyone = caseload(therapist, now)
    filters, problems = parse_caseload_filters(request.GET)
    for problem in problems:
        messages.warning(request, problem)
    return render(
        request,
        "workspace/caseload.html",
        {
            "therapist": therapist,
            "rows": filter_caseload(everyone, filters),
            # Open safety and urgent alerts first, whatever the filters (_pinned_caseload.html).
            "pinned": caseload_pinned(everyone, now),
            "total": len(everyone),
            "filters": filters,
            # Good news is a note, never an open alert: nothing to filter by.
            "alert_kinds": [(v, label) for v, label in AlertKind.choices if v not in GOOD_NEWS],
            "own": therapist.pk == request.user.pk,
            "glossary": glossary(),
            "past_months": past_months(),
        },
    )


@login_required
def my_past_clients(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not request.user.has_perm("care.keep_caseload"):
        raise PermissionDenied
    return _past_clients_page(request, request.user)


@login_required
def past_clients_of(request: AuthenticatedHttpRequest, therapist_id: int) -> HttpResponse:
    therapist = get_object_or_404(User, pk=therapist_id, role=Role.THERAPIST)
    _require(request, "care.view_caseload", therapist)  # herself or her supervisor
    return _past_clients_page(request, therapist)


def _past_clients_page(request: AuthenticatedHttpRequest, therapist: User) -> HttpResponse:
    name, problems = parse_name_search(request.GET)
    for problem in problems:
        messages.warning(request, problem)
    own = therapist.pk == request.user.pk
    return render(
        request,
        "workspace/past_clients.html",
        {
            "therapist": therapist,
            "own": own,
            "name": name,
            "months": past_months(),
            "past": past_clients(therapist, timezone.localdate(), name),
            "caseload_url": reverse("workspace:caseload")
            if own
            else reverse("workspace:caseload-of", args=[therapist.pk]),
        },
    )


@login_required
def practice(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(request, "practice.view_practice_page")
    practice_id = request.user.practice_id  # an account without a practice sees a notice
    page = practice_page(practice_id, timezone.now()) if practice_id is not None else None
    # This year's outcomes as the outcome figures page computes them: one home for the rule.
    outcomes = (
        outcomes_report(request.user, year=None, quarter=None, today=timezone.localdate())
        if page is not None
        else None
    )
    return render(request, "workspace/practice.html", {"page": page, "outcomes": outcomes})


@login_required
def episode(request: AuthenticatedHttpRequest, episode_id: int) -> HttpResponse:
    _require(request, "care.use_workspace")
    try:
        ep = episode_for_page(episodes_visible_to(request.user), episode_id)
    except Episode.DoesNotExist:
        raise Http404 from None
    _require(request, "care.view_episode", ep)
    sessions = ep.sessions.all()
    # The viewer's own private notes only: opened, and each read audited with the episode's
    # in one write, here (never while the template renders); anyone else's are never read.
    notes = episode_notes(reader=request.user, episode=ep, sessions=sessions, also_read=[ep])
    note_sessions = notes.session_numbers
    now = timezone.now()
    client_messages = feedback_for_therapist(ep)
    alerts = episode_alerts(ep)
    return render(
        request,
        "workspace/episode.html",
        {
            "episode": ep,
            "can_act": request.user.has_perm("care.change_episode", ep),
            "now": now,
            # Session numbers with a private process note of the person viewing (only ever
            # their own notes): markers in the session list and on the charts.
            "note_sessions": note_sessions,
            # Her notes' timeline, plain rows (notes/_timeline.html, from _notes.html)
            "private_notes": notes_timeline(notes),
            "client_messages": client_messages,
            # Status, what changed, the client's words, open concerns (_before_session.html)
            "before": before_next_session(ep, client_messages),
            "consultation": consultation_for_episode(ep),
            # The latest sessions, the earlier ones behind "show all" (_sessions.html)
            "session_table": session_table(sessions),
            # Closed alerts in one line each, newest first (_alerts_closed.html); episode_alerts
            # returns its context as dict[str, object]: its closed_alerts is a list[ClosedAlert].
            "closed_history": closed_history(
                cast(list[ClosedAlert], alerts["closed_alerts"]), ep.alerts.all(), sessions
            ),
        }
        # pinned_alerts / safety_alerts: shown first, each with its form (_safety_pinned.html)
        | split_alerts(ep.alerts.all(), now)
        | episode_charts(ep, note_sessions)
        # alert_cards (every open alert), other_alerts (the open non-safety ones),
        # alert_notes (good news), closed_alerts
        | alerts
        | episode_care_context(ep)  # fit check-in, ending, exit feedback, referral, history
        | _supervision_section(ep, request.user),  # supervision notes (_supervision.html)
    )


def _supervision_section(episode: Episode, user: User) -> dict[str, object]:
    """The supervision section's notes, and a blank note form for a supervisor who may write."""
    section = episode_supervision(episode, user)
    section["supervision_form"] = (
        SupervisionNoteForm() if section.get("supervision_can_write") else None
    )
    return section


@login_required
def response(request: AuthenticatedHttpRequest, response_id: int) -> HttpResponse:
    _require(request, "care.use_workspace")
    found = get_object_or_404(
        # A form in progress too: the answers a safety alert was raised for are readable.
        Response.all_objects.filter(episode__in=episodes_visible_to(request.user)).select_related(
            "instrument_version__instrument", "session", "episode__client__user", "respondent"
        ),
        pk=response_id,
    )
    _require(request, "measures.view_response", found)
    record(request.user, "read", found, episode=found.episode_id)
    return render(
        request,
        "workspace/response.html",
        {
            "response": found,
            "instrument": found.instrument_version.parsed,
            "rows": answer_rows(found),
        },
    )


def _alert_for_action(request: AuthenticatedHttpRequest, alert_id: int) -> Alert:
    alert = get_object_or_404(
        Alert.objects.filter(episode__in=episodes_visible_to(request.user)).select_related(
            "episode"
        ),
        pk=alert_id,
    )
    _require(request, "alerts.act_on_alert", alert)
    return alert


@login_required
@require_POST
def alert_acknowledge(request: AuthenticatedHttpRequest, alert_id: int) -> HttpResponse:
    alert = _alert_for_action(request, alert_id)
    alert_services.acknowledge(alert, request.user)
    return _back_to_alert(alert)


@login_required
@require_POST
def alert_action(request: AuthenticatedHttpRequest, alert_id: int) -> HttpResponse:
    """The alert's one form: record what was done, then close or keep open; or the one-step
    "Discussed in session", which records that action and closes in one go."""
    alert = _alert_for_action(request, alert_id)
    quick = request.POST.get("quick") == ActionKind.DISCUSSED
    close_after = quick or request.POST.get("then") == "close"
    try:
        alert_services.record_action(
            alert,
            request.user,
            action=ActionKind.DISCUSSED if quick else request.POST.get("action", ""),
            note=request.POST.get("note", ""),
            follow_up_instrument=request.POST.get("follow_up_instrument", ""),
            close_after=close_after,
        )
        messages.success(request, "Recorded and closed." if close_after else "Action recorded.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back_to_alert(alert)


@login_required
@require_POST
def alert_close(request: AuthenticatedHttpRequest, alert_id: int) -> HttpResponse:
    alert = _alert_for_action(request, alert_id)
    try:
        alert_services.close(alert, request.user)
        messages.success(request, "Alert closed.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back_to_alert(alert)


def _back_to_alert(alert: Alert) -> HttpResponse:
    url = reverse("workspace:episode", args=[alert.episode_id])
    return redirect(f"{url}#alert-{alert.pk}")
