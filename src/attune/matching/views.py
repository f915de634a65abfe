"""Find my match (public), the consultation request (public, rate-limited, honeypot) and the
therapist's consultation inbox (login, her own requests only). Thin views: forms validate,
services act, queries read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from attune import conf
from attune.accounts.decorators import login_required
from attune.accounts.http import AuthenticatedHttpRequest
from attune.audit.models import AuditAction
from attune.audit.services import record
from attune.engine.matching import MIN_CASES
from attune.form_errors import add_service_errors
from attune.matching import consultations, services
from attune.matching.forms import (
    ConsultationForm,
    DeclineForm,
    MatchForm,
    MessageForm,
    OfferForm,
)
from attune.matching.models import ConsultationRequest
from attune.matching.queries import (
    colleagues_of,
    inbox_groups,
    intake_summary,
    published_profiles,
    requests_for,
    thread,
)
from attune.matching.reading import suggest_areas
from attune.matching.rules import is_asked_therapist
from attune.middleware import secret_address
from attune.practice.models import ProblemArea
from attune.practice.services import crisis_resources_for

#: Answers through one person's link (per address): plenty for a conversation, not a flood.
PERSON_RATE = "20/h"
#: Session key of the ticks and choices given to "Find my match", carried to the consultation
#: request and removed once it is sent. The visitor's own words are never put in the session
#: (the session table is a database table): the match page says exactly this.
INTAKE_KEY = "matching_intake"


def _rate(group: str, request: HttpRequest) -> str:
    return conf.consultation_rate()


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


@never_cache  # the answers are personal even though the page is public
@require_http_methods(["GET", "POST"])
def find_match(request: HttpRequest) -> HttpResponse:
    """The questionnaire; "Read my words" pre-ticks problem areas from the text; "Find my
    match" ranks the therapists. Answers travel by POST only, never in the address."""
    context: dict[str, Any] = {"keep_hours": settings.SESSION_COOKIE_AGE // 3600}
    if request.method != "POST":
        # "Change my answers" from the results: the ticks and choices kept (never the words).
        form = MatchForm(initial=_intake_initial(request.session.get(INTAKE_KEY)))
        return render(request, "matching/match.html", {**context, "form": form})
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
    # The reader was unsure (no area reached its threshold): nothing is pre-ticked, and the
    # page asks the person to tick what fits, whichever button was pressed.
    read_nothing = reading and bool(text.strip()) and not suggested
    context.update(form=form, suggested=suggested, read_nothing=read_nothing)
    if request.POST.get("action") == "read" or read_nothing:
        # Words the reader could not place: ask for the ticks before ranking anyone.
        return render(request, "matching/match.html", context)
    if not form.is_valid():
        return render(request, "matching/match.html", context, status=400)
    areas = form.chosen_areas()
    preferences = form.preferences()
    request.session[INTAKE_KEY] = {
        "problem_areas": [a.slug for a in areas],
        "preferences": preferences.as_json(),
    }
    # Post/redirect/get: the results have their own page, which opens at their heading (on a
    # phone the visitor sees them at once) and survives a reload. The address carries nothing:
    # the results page reads the ticks and choices the page already says are kept.
    return redirect(reverse("matching:results") + "#results")


def _intake_initial(intake: object) -> dict[str, Any]:
    if not isinstance(intake, dict):
        return {}
    prefs = services.Preferences.from_json(intake.get("preferences"))
    slugs = intake.get("problem_areas")
    slugs = slugs if isinstance(slugs, list) else []
    return {
        "problem_areas": [s for s in slugs if isinstance(s, str)],
        "modality": prefs.modality,
        "gender": prefs.gender,
        "language": prefs.language,
        "format": prefs.format,
        "times": list(prefs.times),
        "fee_max": prefs.fee_max,
    }


@never_cache
@require_GET
def match_results(request: HttpRequest) -> HttpResponse:
    """The ranked therapists for the ticks and choices kept in this browser's session (see
    ``find_match``); without them, back to the questions."""
    intake = request.session.get(INTAKE_KEY)
    if not isinstance(intake, dict):
        messages.info(request, "Answer a few questions first, then we suggest therapists.")
        return redirect("matching:find")
    initial = _intake_initial(intake)
    areas = list(ProblemArea.objects.filter(slug__in=initial["problem_areas"]).order_by("name"))
    preferences = services.Preferences.from_json(intake.get("preferences"))
    return render(
        request,
        "matching/results.html",
        {
            "results": services.match_results(areas, preferences),
            "areas": areas,
            "preferences": preferences,
            "min_cases": MIN_CASES,
            "keep_hours": settings.SESSION_COOKIE_AGE // 3600,
        },
    )


@never_cache
@ratelimit(key="ip", rate=_rate, method="POST", block=False)  # type: ignore[untyped-decorator]  # django-ratelimit has no types
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
    consultations.submit_request(
        therapist=profile.user,
        name=form.cleaned_data["name"],
        email=form.cleaned_data["email"],
        proposed_times=form.proposed_times(),
        hopes=form.cleaned_data["hopes"],
        intake=intake if form.cleaned_data["share_intake"] else {},
        idempotency_key=form.cleaned_data["idempotency_key"],
        base_url=_base_url(request),
    )
    request.session.pop(INTAKE_KEY, None)  # sent (or not shared): nothing more to keep
    request.session["matching_sent_to"] = profile.user.display_name
    return redirect("matching:consult-sent")


def consult_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "matching/consult_sent.html",
        {"therapist_name": request.session.get("matching_sent_to", "the therapist")},
    )


def _therapist(request: AuthenticatedHttpRequest) -> None:
    if not request.user.has_perm("matching.use_inbox"):
        raise PermissionDenied


@login_required
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    _therapist(request)
    return render(
        request,
        "matching/inbox.html",
        {"groups": inbox_groups(requests_for(request.user))},
    )


def _own_request(request: AuthenticatedHttpRequest, request_id: int) -> ConsultationRequest:
    """Her own request, or 404 (another therapist's) / 403 (not a therapist)."""
    _therapist(request)
    req = get_object_or_404(requests_for(request.user), pk=request_id)
    if not is_asked_therapist(request.user, req):
        raise PermissionDenied
    return req


def _proposed(req: ConsultationRequest) -> list[datetime]:
    return [t for t in (parse_datetime(s) for s in req.proposed_times) if t is not None]


def _request_page(
    request: AuthenticatedHttpRequest, req: ConsultationRequest, **forms: Any
) -> HttpResponse:
    context: dict[str, Any] = {
        "req": req,
        "proposed": _proposed(req),
        "intake": intake_summary(req.intake),
        "thread": thread(req),
        "taken_place": req.consultation_has_taken_place(),
        "offer_form": OfferForm(proposed=_proposed(req)),
        "message_form": MessageForm(label=f"A question or message to {req.name}"),
        "decline_form": DeclineForm(colleagues=colleagues_of(request.user)),
    }
    context.update(forms)
    # Errors no form on the page shows (a closed request shows no forms; "held" and "take on"
    # have none) are said at the top.
    context["page_errors"] = [
        e
        for value in forms.values()
        for e in (
            value if isinstance(value, list) else [] if req.is_open else value.non_field_errors()
        )
    ]
    status = 400 if forms else 200
    return render(request, "matching/request.html", context, status=status)


@login_required
def request_detail(request: AuthenticatedHttpRequest, request_id: int) -> HttpResponse:
    req = _own_request(request, request_id)
    record(request.user, AuditAction.READ, req)
    return _request_page(request, req)


def _acted(form: Form, act: Callable[[], object]) -> bool:
    """Run the service (``act``) when the form is valid; a ``ValidationError`` it raises goes
    onto the form. True when the service ran through."""
    if not form.is_valid():
        return False
    try:
        act()
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    return True


def _done(request: HttpRequest, req: ConsultationRequest, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("matching:request", request_id=req.pk)


@login_required
@require_POST
def offer(request: AuthenticatedHttpRequest, request_id: int) -> HttpResponse:
    req = _own_request(request, request_id)
    form = OfferForm(request.POST, proposed=_proposed(req))
    if _acted(
        form,
        lambda: consultations.offer_time(
            request_obj=req,
            by=request.user,
            at=form.offered_at(),
            message=form.cleaned_data["message"],
            base_url=_base_url(request),
        ),
    ):
        return _done(request, req, f"Time offered: {req.name} gets an e-mail to confirm it.")
    return _request_page(request, req, offer_form=form)


@login_required
@require_POST
def write(request: AuthenticatedHttpRequest, request_id: int) -> HttpResponse:
    req = _own_request(request, request_id)
    form = MessageForm(request.POST, label=f"A question or message to {req.name}")
    if _acted(
        form,
        lambda: consultations.write_to_person(
            request_obj=req,
            by=request.user,
            body=form.cleaned_data["body"],
            base_url=_base_url(request),
        ),
    ):
        return _done(request, req, f"Message sent: {req.name} gets an e-mail to read it.")
    return _request_page(request, req, message_form=form)


@login_required
@require_POST
def held(request: AuthenticatedHttpRequest, request_id: int) -> HttpResponse:
    req = _own_request(request, request_id)
    try:
        consultations.mark_held(request_obj=req, by=request.user)
    except ValidationError as error:
        return _request_page(request, req, take_on_errors=error.messages)
    return _done(request, req, "Marked as held.")


@login_required
@require_POST
def take_on(request: AuthenticatedHttpRequest, request_id: int) -> HttpResponse:
    req = _own_request(request, request_id)
    try:
        consultations.take_on(
            request_obj=req,
            by=request.user,
            base_url=_base_url(request),
        )
    except ValidationError as error:
        return _request_page(request, req, take_on_errors=error.messages)
    return _done(
        request,
        req,
        f"{req.name} is now your client: an e-mail with a link to set a password is on its "
        "way. Book the first session from the episode.",
    )


@login_required
@require_POST
def decline(request: AuthenticatedHttpRequest, request_id: int) -> HttpResponse:
    req = _own_request(request, request_id)
    form = DeclineForm(request.POST, colleagues=colleagues_of(request.user))
    if _acted(
        form,
        lambda: consultations.decline(
            request_obj=req,
            by=request.user,
            reason=form.cleaned_data["reason"],
            colleague=form.cleaned_data["colleague"],
            base_url=_base_url(request),
        ),
    ):
        messages.success(request, f"You declined; {req.name} got a kind e-mail.")
        return redirect("matching:inbox")
    return _request_page(request, req, decline_form=form)


# --------------------------------------------------------------------------- the person's link


@ratelimit(key="ip", rate=PERSON_RATE, method="POST", block=False)  # type: ignore[untyped-decorator]  # django-ratelimit has no types
def person(request: HttpRequest, token: str) -> HttpResponse:
    """The person asking reads the therapist's messages, confirms the offered time, replies or
    withdraws. The link signs nobody in; a wrong or expired one gets a plain page (200: it is
    an ordinary event for the person holding it, not an error). Any method but POST reads."""
    # Every answer here is a 200 page, mistakes included: Django logs each 4xx with its path,
    # and the path is the secret.
    link = consultations.find_link(token)
    if link is None or link.expires_at <= timezone.now():
        reason = "unknown" if link is None else "expired"
        therapist = link.request.therapist.display_name if link else ""
        return secret_address(
            render(
                request,
                "matching/link_unavailable.html",
                {"reason": reason, "therapist_name": therapist},
            )
        )
    req = link.request
    reply_label = f"Your reply to {req.therapist.display_name}"
    reply_form = MessageForm(label=reply_label)
    failed = False
    if request.method == "POST" and getattr(request, "limited", False):
        # A leaked link must not flood the therapist's inbox; the words typed stay in the form.
        reply_form = MessageForm(request.POST, label=reply_label)
        messages.error(request, "Too many messages in a short time: please try again later.")
    elif request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "confirm":
                consultations.person_confirm(
                    request_obj=req,
                    offered_at=parse_datetime(request.POST.get("offered_at", "")),
                    base_url=_base_url(request),
                )
                messages.success(request, "Thank you: the consultation is booked.")
            elif action == "withdraw":
                consultations.person_withdraw(request_obj=req, base_url=_base_url(request))
                messages.success(request, "Your request is withdrawn.")
            else:
                reply_form = MessageForm(request.POST, label=reply_label)
                if reply_form.is_valid():
                    consultations.person_reply(
                        request_obj=req,
                        body=reply_form.cleaned_data["body"],
                        base_url=_base_url(request),
                    )
                    messages.success(request, "Your reply is sent.")
                else:
                    failed = True
            if not failed:
                return redirect("matching:person", token=token)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        req.refresh_from_db()
    return secret_address(
        render(
            request,
            "matching/person.html",
            {
                "req": req,
                "therapist_name": req.therapist.display_name,
                "thread": thread(req),
                "reply_form": reply_form,
                "crisis_resources": crisis_resources_for(req.therapist.practice),
            },
        )
    )
