"""Find my match (public), the consultation request (public, rate-limited, honeypot) and the
therapist's consultation inbox (login, her own requests only). Thin views: forms validate,
services act, queries read."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_datetime
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from attune.accounts.models import Role
from attune.audit.models import AuditAction
from attune.audit.services import record
from attune.matching import services
from attune.matching.forms import AcceptForm, ConsultationForm, DeclineForm, MatchForm
from attune.matching.models import ConsultationRequest, ConsultationStatus
from attune.matching.queries import (
    colleagues_of,
    intake_summary,
    published_profiles,
    requests_for,
)
from attune.matching.reading import suggest_areas

#: Session key of the answers given to "Find my match", carried to the consultation request.
INTAKE_KEY = "matching_intake"


def _rate(group: str, request: HttpRequest) -> str:
    return str(getattr(settings, "ATTUNE_CONSULTATION_RATE", "5/h"))


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


@never_cache  # the answers are personal even though the page is public
@require_http_methods(["GET", "POST"])
def find_match(request: HttpRequest) -> HttpResponse:
    """The questionnaire; "Read my words" pre-ticks problem areas from the text; "Find my
    match" ranks the therapists. Answers travel by POST only, never in the address."""
    context: dict[str, Any] = {}
    if request.method != "POST":
        return render(request, "matching/match.html", {"form": MatchForm()})
    data = request.POST.copy()
    text = data.get("text", "")
    # "Find my match" with words but no ticks reads the words first.
    reading = request.POST.get("action") == "read" or (
        bool(text.strip()) and not data.getlist("problem_areas")
    )
    suggested: list[str] = []
    if reading:
        suggested = suggest_areas(text)
        if suggested:
            data.setlist("problem_areas", suggested)
    form = MatchForm(data)
    context.update(form=form, suggested=suggested)
    if request.POST.get("action") == "read":
        if text.strip() and not suggested:
            context["read_nothing"] = True
        return render(request, "matching/match.html", context)
    if not form.is_valid():
        return render(request, "matching/match.html", context, status=400)
    areas = form.chosen_areas()
    preferences = form.preferences()
    request.session[INTAKE_KEY] = {
        "text": form.cleaned_data["text"],
        "problem_areas": [a.slug for a in areas],
        "preferences": preferences.as_json(),
    }
    context.update(matches=services.find_matches(areas, preferences), areas=areas)
    return render(request, "matching/match.html", context)


@never_cache
@ratelimit(key="ip", rate=_rate, method="POST", block=False)
@require_http_methods(["GET", "POST"])
def consult(request: HttpRequest, therapist_id: int) -> HttpResponse:
    """Ask a therapist for a first consultation, with the guide of questions worth asking."""
    profile = get_object_or_404(published_profiles(), user_id=therapist_id)
    intake = request.session.get(INTAKE_KEY) or {}
    context: dict[str, Any] = {
        "profile": profile,
        "intake": intake_summary(intake),
        "profile_url": services.profile_path(profile),
    }
    if request.method != "POST":
        context["form"] = ConsultationForm()
        return render(request, "matching/consult.html", context)
    form = ConsultationForm(request.POST)
    context["form"] = form
    if getattr(request, "limited", False):
        context["limited"] = True
        return render(request, "matching/consult.html", context, status=429)
    if request.POST.get("website"):
        # A bot filled the honeypot: pretend it worked, store and send nothing.
        return redirect("matching:consult-sent")
    if not form.is_valid():
        return render(request, "matching/consult.html", context, status=400)
    services.submit_request(
        therapist=profile.user,
        name=form.cleaned_data["name"],
        email=form.cleaned_data["email"],
        proposed_times=form.proposed_times(),
        hopes=form.cleaned_data["hopes"],
        intake=intake if form.cleaned_data["share_intake"] else {},
        idempotency_key=form.cleaned_data["idempotency_key"],
        base_url=_base_url(request),
    )
    request.session["matching_sent_to"] = profile.user.display_name
    return redirect("matching:consult-sent")


def consult_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "matching/consult_sent.html",
        {"therapist_name": request.session.get("matching_sent_to", "the therapist")},
    )


def _therapist(request: HttpRequest) -> None:
    if request.user.role != Role.THERAPIST:  # type: ignore[union-attr]
        raise PermissionDenied


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    _therapist(request)
    requests = list(requests_for(request.user))  # type: ignore[arg-type]
    return render(
        request,
        "matching/inbox.html",
        {
            "new": [r for r in requests if r.status == ConsultationStatus.NEW],
            "answered": [r for r in requests if r.status != ConsultationStatus.NEW],
        },
    )


def _request_context(request: HttpRequest, req: ConsultationRequest) -> dict[str, Any]:
    first = req.proposed_times[0] if req.proposed_times else ""
    return {
        "req": req,
        "proposed": [parse_datetime(t) for t in req.proposed_times],
        "intake": intake_summary(req.intake),
        "accept_form": AcceptForm(initial={"scheduled_at": first[:16]}),
        "decline_form": DeclineForm(colleagues=colleagues_of(request.user)),  # type: ignore[arg-type]
    }


def _own_request(request: HttpRequest, request_id: int) -> ConsultationRequest:
    _therapist(request)
    return get_object_or_404(requests_for(request.user), pk=request_id)  # type: ignore[arg-type]


@login_required
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    req = _own_request(request, request_id)
    record(request.user, AuditAction.READ, req)  # type: ignore[arg-type]
    return render(request, "matching/request.html", _request_context(request, req))


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


@login_required
@require_POST
def accept(request: HttpRequest, request_id: int) -> HttpResponse:
    req = _own_request(request, request_id)
    form = AcceptForm(request.POST)
    if form.is_valid():
        try:
            services.accept(
                request_obj=req,
                by=request.user,  # type: ignore[arg-type]
                scheduled_at=form.cleaned_data["scheduled_at"],
                base_url=_base_url(request),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, f"{req.name} is invited: an e-mail with a sign-in link is on its way."
            )
            return redirect("matching:request", request_id=req.pk)
    context = _request_context(request, req)
    context["accept_form"] = form
    return render(request, "matching/request.html", context, status=400)


@login_required
@require_POST
def decline(request: HttpRequest, request_id: int) -> HttpResponse:
    req = _own_request(request, request_id)
    form = DeclineForm(request.POST, colleagues=colleagues_of(request.user))  # type: ignore[arg-type]
    if form.is_valid():
        try:
            services.decline(
                request_obj=req,
                by=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data["reason"],
                colleague=form.cleaned_data["colleague"],
                base_url=_base_url(request),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"You declined; {req.name} got a kind e-mail.")
            return redirect("matching:inbox")
    context = _request_context(request, req)
    context["decline_form"] = form
    return render(request, "matching/request.html", context, status=400)
