"""FHIR R4 read and search, ``/fhir/r4/`` (application/fhir+json).

Thin: the token (``api.auth``), the scoped query the web pages use
(``care.queries.episodes_visible_to``; a record outside the caller's care is a 404), the same
django-rules permissions (``care.view_episode``, ``measures.view_response``), then the
builders in ``api.fhir.resources``. Errors are ``OperationOutcome`` resources.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from attune.accounts.models import Role, User
from attune.api.auth import TokenHttpRequest, token_user
from attune.api.entry import enter_for_client
from attune.api.fhir import export
from attune.api.fhir import resources as fr
from attune.api.fhir.imports import UnreadableDocument, read_document
from attune.audit.models import AuditAction
from attune.audit.services import record, record_reads
from attune.care.models import Client, Episode, Session
from attune.care.queries import episodes_visible_to
from attune.integrations.models import ExportJob
from attune.measures.models import InstrumentVersion, Response

CONTENT_TYPE = "application/fhir+json"
MAX_COUNT = 500
DEFAULT_COUNT = 100
MAX_ID = 999_999_999_999_999_999


class SearchError(ValueError):
    """A search parameter that cannot be read: 400 with an OperationOutcome."""


def fhir_response(body: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(body), content_type=CONTENT_TYPE, status=status)


def _outcome(status: int, code: str, text: str) -> HttpResponse:
    response = fhir_response(fr.operation_outcome(code, text), status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="attune"'
    return response


def _not_found() -> HttpResponse:
    return _outcome(404, "not-found", "No such resource.")


def _forbidden() -> HttpResponse:
    return _outcome(403, "forbidden", "You may not read this resource.")


def _refused(request: HttpRequest, perm: str, refusal: str) -> HttpResponse | None:
    """401 without a usable token, 403 when its holder lacks ``perm``; None: go on."""
    token = token_user(request, area="fhir")
    if token is None:
        return _outcome(401, "login", "A valid personal access token is needed.")
    if not token.user.has_perm(perm):
        return _outcome(403, "forbidden", refusal)
    return None


def fhir_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A token (401 without a usable one), a clinician (403 otherwise), GET only (405)."""
    return _token_view(require_GET(view))


def _token_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refused = _refused(request, "care.use_workspace", "FHIR access is for clinicians' records.")
        if refused is not None:
            return refused
        try:
            return view(request, *args, **kwargs)
        except SearchError as error:
            return _outcome(400, "invalid", str(error))

    return wrapped


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("fhir:metadata")).removesuffix("metadata")


def _user(request: TokenHttpRequest) -> User:
    return request.user


# --------------------------------------------------------------------------- search parameters


def _ids(request: HttpRequest, names: tuple[str, ...], kind: str) -> list[int]:
    """``patient=12``, ``patient=Patient/12``, ``subject=Patient/12`` (several: any of them)."""
    found = []
    for name in names:
        for raw in request.GET.getlist(name):
            for value in raw.split(","):
                value = value.strip().removeprefix(f"{kind}/")
                if not re.fullmatch(r"[0-9]{1,18}", value):
                    raise SearchError(f"{name} must be a {kind} id, e.g. {kind}/12.")
                found.append(int(value))
    return found


_DATE = re.compile(r"(eq|ne|ge|gt|le|lt|sa|eb|ap)?(\d{4}(-\d{2}(-\d{2})?)?)$")


def _date_bounds(value: str) -> tuple[datetime, datetime]:
    """The instant range a FHIR date of year, month, day or second precision covers."""
    try:
        return _bounds(value)
    except OverflowError:  # the last days of year 9999
        raise SearchError(f"Not a date Attune can search by: {value[:40]!r}.") from None


def _bounds(value: str) -> tuple[datetime, datetime]:
    match = _DATE.match(value)
    tz = timezone.get_current_timezone()
    if match:
        text = match.group(2)
        try:
            parts = [int(p) for p in text.split("-")]
            start = datetime(
                parts[0],
                parts[1] if len(parts) > 1 else 1,
                parts[2] if len(parts) > 2 else 1,
                tzinfo=tz,
            )
        except ValueError:
            raise SearchError(f"Not a date: {value[:40]!r}.") from None
        if len(parts) == 1:
            end = (
                start.replace(year=start.year + 1)
                if start.year < 9999
                else start + timedelta(days=365)
            )
        elif len(parts) == 2:
            end = (start + timedelta(days=32)).replace(day=1)
        else:
            end = start + timedelta(days=1)
        return start, end
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        raise SearchError(f"Not a date: {value[:40]!r}.")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, tz)
    return moment, moment + timedelta(seconds=1)


def _date_filter(request: HttpRequest, names: tuple[str, ...], field: str) -> Q:
    condition = Q()
    for name in names:
        for raw in request.GET.getlist(name):
            prefix = raw[:2] if raw[:2] in ("eq", "ne", "ge", "gt", "le", "lt") else "eq"
            value = raw[2:] if raw[:2] == prefix else raw
            start, end = _date_bounds(value)
            condition &= {
                "eq": Q(**{f"{field}__gte": start, f"{field}__lt": end}),
                "ne": ~Q(**{f"{field}__gte": start, f"{field}__lt": end}),
                "ge": Q(**{f"{field}__gte": start}),
                "gt": Q(**{f"{field}__gte": end}),
                "le": Q(**{f"{field}__lt": end}),
                "lt": Q(**{f"{field}__lt": start}),
            }[prefix]
    return condition


def _paging(request: HttpRequest) -> tuple[int, int]:
    def number(name: str, default: int, high: int) -> int:
        raw = request.GET.get(name, "")
        if raw == "":
            return default
        if not re.fullmatch(r"[0-9]{1,9}", raw):
            raise SearchError(f"{name} must be a whole number.")
        return min(int(raw), high)

    return number("_count", DEFAULT_COUNT, MAX_COUNT), number("_offset", 0, 10**9)


def _search_bundle(request: HttpRequest, page: list[dict[str, Any]], total: int) -> HttpResponse:
    count, offset = _paging(request)
    params = {k: request.GET.getlist(k) for k in request.GET if k not in ("_offset",)}
    self_url = request.build_absolute_uri(request.path)
    query = urlencode(params, doseq=True)
    next_url = None
    if offset + count < total:
        next_url = f"{self_url}?{urlencode({**params, '_offset': offset + count}, doseq=True)}"
    return fhir_response(
        fr.bundle(
            page, _base(request), f"{self_url}?{query}" if query else self_url, next_url, total
        )
    )


# --------------------------------------------------------------------------- scoped reads


def _episodes(request: TokenHttpRequest) -> QuerySet[Episode]:
    return episodes_visible_to(_user(request))


def _responses(request: TokenHttpRequest) -> QuerySet[Response]:
    # A form kept in progress for its safety answer too: the web page shows it as well.
    return Response.all_objects.filter(episode__in=_episodes(request)).select_related(
        "instrument_version__instrument", "episode__client__user", "episode__therapist"
    )


def _readable(request: TokenHttpRequest, response: Response) -> bool:
    """``measures.view_response``, asked once per treating therapist and request (the
    predicate decides on the episode's therapist; a supervisor's check is a query)."""
    answers: dict[int, bool] = request.__dict__.setdefault("_fhir_readable", {})
    key = response.episode.therapist_id
    if key not in answers:
        answers[key] = _user(request).has_perm("measures.view_response", response)
    return answers[key]


def _patient_filter(request: HttpRequest) -> Q:
    ids = _ids(request, ("patient", "subject"), "Patient")
    return Q(episode__client_id__in=ids) if ids else Q()


# --------------------------------------------------------------------------- endpoints


@require_GET
def metadata(request: HttpRequest) -> HttpResponse:
    """The CapabilityStatement: public, as FHIR expects (it holds no record)."""
    return fhir_response(fr.capability_statement(_base(request), "2026-11-29"))


def _questionnaire_versions() -> QuerySet[InstrumentVersion]:
    return InstrumentVersion.objects.select_related("instrument").order_by(
        "instrument__code", "version"
    )


@fhir_view
def questionnaire_read(request: HttpRequest, questionnaire_id: str) -> HttpResponse:
    for version in _questionnaire_versions():
        if fr.questionnaire_id(version) == questionnaire_id:
            return fhir_response(fr.questionnaire(version))
    return _not_found()


@fhir_view
def questionnaire_search(request: HttpRequest) -> HttpResponse:
    urls = request.GET.getlist("url")
    found = [
        fr.questionnaire(v)
        for v in _questionnaire_versions()
        if not urls or fr.questionnaire_url(v.instrument.code) in urls
    ]
    count, offset = _paging(request)
    return _search_bundle(request, found[offset : offset + count], len(found))


@fhir_view
def questionnaire_response_read(request: TokenHttpRequest, response_id: int) -> HttpResponse:
    response = _responses(request).filter(pk=response_id).first()
    if response is None:
        return _not_found()
    if not _readable(request, response):
        return _forbidden()
    record(_user(request), AuditAction.READ, response, episode=response.episode_id, detail="fhir")
    return fhir_response(fr.questionnaire_response(response, response.episode.client))


@csrf_exempt  # a bearer token, never the session cookie: no cross-site request can carry it
@_token_view
@require_http_methods(["GET", "POST"])
def questionnaire_response_type(request: TokenHttpRequest) -> HttpResponse:
    """GET: search. POST: import the client's form through the one submission flow."""
    if request.method == "POST":
        return _import(request)
    return questionnaire_response_search(request)


def _import(request: TokenHttpRequest) -> HttpResponse:
    """A QuestionnaireResponse (or a Bundle of the PHQ-9 and GAD-7 ones) for a session of a
    client in the caller's care, stored by ``care.submission.submit_form``: validated and
    scored like a web form, stored once (the same document again: 200 and what was stored),
    and a PHQ-9 item-9 answer opens the safety alert and the therapist's notice in the same
    transaction. Unreadable documents: 400; answers to check: 422 (a safety answer is still
    kept and its alert opened, as for the web form)."""
    if not request.api_token.can_write:
        return _outcome(403, "forbidden", "This token is read-only.")
    try:
        form = read_document(request.body)
    except UnreadableDocument as error:
        return _outcome(error.status, error.code, str(error))
    session = (
        Session.objects.filter(
            pk=form.session_id, episode__in=_episodes(request), episode__client_id=form.client_id
        )
        .select_related("episode__client__user", "episode__therapist")
        .first()
    )
    if session is None:
        return _outcome(404, "not-found", "No such patient and encounter in your care.")
    episode = session.episode
    user = _user(request)
    if not user.has_perm("care.change_episode", episode):
        return _forbidden()
    result = enter_for_client(
        by=user,
        session=session,
        phase=form.phase,
        answers=form.answers,
        idempotency_key=form.idempotency_key,
        detail="fhir import",
    )
    if not result.ok:
        issues = [
            {
                "severity": "error",
                "code": "invalid",
                "diagnostics": message,
                "expression": [f"{instrument}.{item}"],
            }
            for instrument, items in result.errors.items()
            for item, message in items.items()
        ]
        if result.kept_in_progress:
            issues.append(
                {
                    "severity": "information",
                    "code": "informational",
                    "diagnostics": "The safety answer was kept and the therapist alerted; "
                    "send the completed form again to complete it.",
                }
            )
        body = fr.checked({"resourceType": "OperationOutcome", "issue": issues})
        return fhir_response(body, 422)
    stored = [fr.questionnaire_response(r, episode.client) for r in result.responses]
    response = fhir_response(
        fr.checked(
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [
                    {"fullUrl": f"{_base(request)}QuestionnaireResponse/{r['id']}", "resource": r}
                    for r in stored
                ],
            }
        ),
        200 if result.already_stored else 201,
    )
    response["Location"] = f"{_base(request)}QuestionnaireResponse/{stored[0]['id']}"
    return response


def questionnaire_response_search(request: TokenHttpRequest) -> HttpResponse:
    count, offset = _paging(request)
    found = (
        _responses(request)
        .filter(_patient_filter(request))
        .filter(_date_filter(request, ("authored",), "submitted_at"))
        .order_by("submitted_at", "pk")
    )
    readable = [r for r in found if _readable(request, r)]
    page = readable[offset : offset + count]
    record_reads(_user(request), page, detail="fhir search")
    return _search_bundle(
        request,
        [fr.questionnaire_response(r, r.episode.client) for r in page],
        len(readable),
    )


def _codes(request: HttpRequest) -> set[str]:
    codes = set()
    for raw in request.GET.getlist("code"):
        for value in raw.split(","):
            system, bar, code = value.partition("|")
            if bar and system not in ("", fr.LOINC):
                codes.add("\x00unknown")  # another system: matches nothing
                continue
            codes.add(code if bar else system)
    return codes


def _observation_code(response: Response, part: str) -> str:
    instrument = response.instrument_version.parsed
    if part == "item9":
        return instrument.item("phq9_9").loinc or ""
    return next((s.loinc or "" for s in instrument.scales if s.code == part), "")


@fhir_view
def observation_read(request: TokenHttpRequest, response_id: int, part: str) -> HttpResponse:
    response = _responses(request).filter(pk=response_id).first()
    if response is None:
        return _not_found()
    if not _readable(request, response):
        return _forbidden()
    found = fr.observation(response, response.episode.client, part)
    if found is None:
        return _not_found()
    record(_user(request), AuditAction.READ, response, episode=response.episode_id, detail="fhir")
    return fhir_response(found)


@fhir_view
def observation_search(request: TokenHttpRequest) -> HttpResponse:
    count, offset = _paging(request)
    codes = _codes(request)
    responses = (
        _responses(request)
        .filter(_patient_filter(request))
        .filter(_date_filter(request, ("date",), "submitted_at"))
        .order_by("submitted_at", "pk")
    )
    matches: list[tuple[Response, str]] = []
    for response in responses:
        if not _readable(request, response):
            continue
        for obs_id in fr.observation_ids(response):
            part = obs_id.split("-", 1)[1]
            if not codes or _observation_code(response, part) in codes:
                matches.append((response, part))
    page = matches[offset : offset + count]
    entries = []
    for response, part in page:
        found = fr.observation(response, response.episode.client, part)
        if found is not None:
            entries.append(found)
    record_reads(_user(request), list({r.pk: r for r, _ in page}.values()), detail="fhir search")
    return _search_bundle(request, entries, len(matches))


def _visible_clients(request: TokenHttpRequest) -> dict[int, tuple[Client, list[int]]]:
    """Clients of the caller's readable episodes, with their therapists' ids. ``care.view_episode``
    is asked once per therapist (it decides on the episode's therapist; a supervisor's check
    is a query), so the list costs the same few queries however many clients there are."""
    user = _user(request)
    clients: dict[int, tuple[Client, list[int]]] = {}
    allowed: dict[int, bool] = {}
    for episode in (
        _episodes(request).select_related("client__user", "therapist").order_by("client_id", "pk")
    ):
        if episode.therapist_id not in allowed:
            allowed[episode.therapist_id] = user.has_perm("care.view_episode", episode)
        if not allowed[episode.therapist_id]:
            continue
        entry = clients.setdefault(episode.client_id, (episode.client, []))
        if episode.therapist_id not in entry[1]:
            entry[1].append(episode.therapist_id)
    return clients


@fhir_view
def patient_read(request: TokenHttpRequest, client_id: int) -> HttpResponse:
    if not _episodes(request).filter(client_id=client_id).exists():
        return _not_found()
    found = _visible_clients(request).get(client_id)
    if found is None:
        return _forbidden()
    record(_user(request), AuditAction.READ, found[0], detail="fhir")
    return fhir_response(fr.patient(found[0], found[1]))


@fhir_view
def patient_search(request: TokenHttpRequest) -> HttpResponse:
    count, offset = _paging(request)
    wanted = set(_ids(request, ("_id",), "Patient"))
    clients = [c for pk, c in _visible_clients(request).items() if not wanted or pk in wanted]
    page = clients[offset : offset + count]
    return _search_bundle(request, [fr.patient(c, t) for c, t in page], len(clients))


@fhir_view
def practitioner_read(request: TokenHttpRequest, practitioner_id: int) -> HttpResponse:
    """The caller, or a therapist of one of the caller's episodes (nobody else)."""
    user = _user(request)
    if practitioner_id == user.pk:
        return fhir_response(fr.practitioner(user))
    therapist = (
        User.objects.filter(
            pk=practitioner_id, role=Role.THERAPIST, episodes_as_therapist__in=_episodes(request)
        )
        .distinct()
        .first()
    )
    if therapist is None:
        return _not_found()
    return fhir_response(fr.practitioner(therapist))


# --------------------------------------------------------------------------- bulk $export


def _export_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """The practice administrator's token only (401 without a usable token, 403 otherwise)."""

    @csrf_exempt  # a bearer token, never the session cookie
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        refused = _refused(request, "api.export_practice", "Only the administrator exports.")
        return refused or view(request, *args, **kwargs)

    return wrapped


def _job(request: TokenHttpRequest, job_id: int) -> ExportJob | None:
    return ExportJob.objects.filter(
        pk=job_id, requested_by=_user(request), cancelled_at__isnull=True
    ).first()


@_export_view
@require_GET
def export_kickoff(request: TokenHttpRequest) -> HttpResponse:
    """``GET [base]/$export``: the whole practice, asynchronously (``Prefer: respond-async``)."""
    if "respond-async" not in request.headers.get("Prefer", ""):
        return _outcome(400, "invalid", "Send Prefer: respond-async.")
    output_format = request.GET.get("_outputFormat", export.NDJSON)
    if output_format not in export.OUTPUT_FORMATS:
        return _outcome(400, "invalid", "_outputFormat must be application/fhir+ndjson.")
    try:
        types = export.parse_types(request.GET.get("_type", ""))
    except ValueError as error:
        return _outcome(400, "invalid", str(error))
    since = None
    if request.GET.get("_since"):
        try:
            since, _ = _date_bounds(request.GET["_since"])
        except SearchError as error:
            return _outcome(400, "invalid", str(error))
    job = export.start(
        user=_user(request), types=types, since=since, request_url=request.build_absolute_uri()
    )
    record(_user(request), AuditAction.EXPORT, job, detail="fhir $export")
    response = HttpResponse(status=202)
    response["Content-Location"] = request.build_absolute_uri(
        reverse("fhir:export-status", args=[job.pk])
    )
    return response


@_export_view
@require_http_methods(["GET", "DELETE"])
def export_status(request: TokenHttpRequest, job_id: int) -> HttpResponse:
    """The manifest (the files are written as they are read: complete at once); DELETE
    cancels (202), after which the status and the files are 404."""
    job = _job(request, job_id)
    if job is None:
        return _not_found()
    if request.method == "DELETE":
        job.cancelled_at = timezone.now()
        job.save(update_fields=["cancelled_at"])
        record(_user(request), AuditAction.UPDATE, job, detail="fhir $export cancelled")
        return HttpResponse(status=202)
    file_url = request.build_absolute_uri(
        reverse("fhir:export-file", args=[job.pk, "KIND"])
    ).replace("KIND", "{kind}")
    response = HttpResponse(
        json.dumps(export.manifest(job, _base(request), file_url)),
        content_type="application/json",
    )
    response["Expires"] = "0"
    return response


@_export_view
@require_GET
def export_file(
    request: TokenHttpRequest, job_id: int, kind: str
) -> HttpResponse | StreamingHttpResponse:
    job = _job(request, job_id)
    if job is None or kind not in job.types:
        return _not_found()
    record(_user(request), AuditAction.EXPORT, job, detail=f"fhir $export {kind}"[:40])
    return StreamingHttpResponse(export.lines(job, kind), content_type=export.NDJSON)
