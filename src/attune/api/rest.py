"""The REST API, ``/api/v1/`` (django-ninja: OpenAPI 3.1 from the typed schemas below).

Thin like the web views: each endpoint resolves its object through the scoped query the web
pages use (``care.queries.episodes_visible_to``: a record outside the caller's care is a 404),
asks the same django-rules permission (a wrong role is a 403) and calls the same service
(``care.submission.submit_form``, ``alerts.services``). Authentication is a personal access
token only (``Authorization: Bearer attune_pat_…``): never the browser's session cookie, so the
API needs no CSRF token and a page cannot call it on a signed-in clinician's behalf.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, NinjaAPI, Schema, Status
from ninja.errors import HttpError
from ninja.openapi.schema import OpenAPISchema
from ninja.params.functions import Path, Query
from ninja.security import HttpBearer
from pydantic import AwareDatetime

from attune.accounts.models import User
from attune.alerts import services as alert_services
from attune.alerts.actions import allowed_actions
from attune.alerts.models import ActionKind, Alert, AlertStatus
from attune.api.auth import token_user
from attune.api.entry import enter_for_client
from attune.audit.models import AuditAction
from attune.audit.services import record
from attune.care.engine_adapter import MEASURES, caseness, reliable_change
from attune.care.models import Attendance, Client, Episode, Session
from attune.care.queries import episodes_visible_to
from attune.care.sessions import DURATION_MINUTES, record_session, schedule_session
from attune.integrations.models import PersonalAccessToken
from attune.measures.models import Phase, Response

#: The largest record id (the ``<id:…>`` URL converter's 18 digits): larger is a 404.
MAX_ID = 999_999_999_999_999_999
RecordId = Path(..., ge=1, le=MAX_ID)


class TokenAuth(HttpBearer):
    """A personal access token; ``write`` endpoints also need the token's write scope."""

    def __init__(self, *, write: bool = False) -> None:
        super().__init__()
        self.write = write

    def __call__(self, request: HttpRequest) -> Any:
        token = token_user(request, area="api")
        if token is None:
            return None
        if not token.user.has_perm("care.use_workspace"):
            raise HttpError(403, "The API is for clinicians' records.")
        if self.write and not token.can_write:
            raise HttpError(403, "This token is read-only.")
        return token

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover
        return None  # __call__ reads the header itself (shared with the FHIR endpoints)


READ = TokenAuth()
WRITE = TokenAuth(write=True)


class AttuneAPI(NinjaAPI):
    """django-ninja's API, its OpenAPI schema built once per process. The schema follows from the
    code alone (the routes and their typed schemas), yet ninja builds it again for every request
    of ``openapi.json`` and of the reference page: ~50 ms of CPU each, a fifth of the fuzz and
    URL-walk tests' time (cProfile, 2026-11-29). Each caller gets its own copy to change."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._built_schemas: dict[str, OpenAPISchema] = {}

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        built = self._built_schemas.get(path_prefix)
        if built is None:
            built = self._built_schemas[path_prefix] = super().get_openapi_schema(
                path_prefix=path_prefix
            )
        # The schema object keeps the API itself as an attribute: shared, not copied.
        return copy.deepcopy(built, {id(self): self})


api = AttuneAPI(
    title="Attune API",
    version="1",
    description="Clients, episodes, sessions, responses, alerts and outcomes, with the same "
    "access as the web pages. Authenticate with a personal access token (docs/api.md).",
    urls_namespace="api",
    docs_url=None,  # the reference page is Attune's own (no CDN): api.docs_page
    auth=READ,
)


class Message(Schema):
    detail: Any


ERRORS: dict[int, type[Schema]] = {401: Message, 403: Message, 404: Message, 422: Message}
#: An alert step that does not fit the alert's kind or state (closed, a note, an action of
#: another kind, a safety follow-up without its instrument): 409, the message says why.
ALERT_ERRORS: dict[int, type[Schema]] = {**ERRORS, 409: Message}


# --------------------------------------------------------------------------- schemas


class EpisodeOut(Schema):
    id: int
    client_id: int
    therapist_id: int
    status: str
    started_on: date
    ended_on: date | None


class ClientOut(Schema):
    id: int
    name: str
    episode_ids: list[int]


class SessionOut(Schema):
    id: int
    episode_id: int
    number: int
    scheduled_at: datetime
    duration_minutes: int
    attendance: str


class ResponseOut(Schema):
    id: int
    episode_id: int
    session_id: int | None
    instrument: str
    instrument_version: str
    phase: str
    submitted_at: datetime
    complete: bool
    score: int | None
    safety_level: str
    answers: dict[str, Any]
    scores: dict[str, Any]


class SubmissionIn(Schema):
    session_id: int = Field(..., ge=1, le=MAX_ID)
    #: The client's check-in or session feedback, entered by their therapist (a paper form,
    #: another system). The fit check-in and exit feedback stay web-only.
    phase: Literal[Phase.CHECK_IN, Phase.FEEDBACK]
    answers: dict[str, dict[str, Any]] = Field(
        ..., description="Instrument code → item code → answer (the definition's codes)."
    )
    idempotency_key: uuid.UUID


class SubmissionOut(Schema):
    stored: bool
    already_stored: bool
    complete: bool
    safety_level: str
    errors: dict[str, dict[str, str]]
    responses: list[ResponseOut]


class AlertOut(Schema):
    id: int
    episode_id: int
    kind: str
    severity: str
    status: str
    title: str
    explanation: str
    opened_at: datetime
    closed_at: datetime | None
    response_id: int | None
    allowed_actions: list[str]


class ActionIn(Schema):
    #: One of the alert's ``allowed_actions`` (alerts.actions): which ones depends on its kind.
    action: ActionKind
    note: str = Field("", max_length=2000)
    follow_up_instrument: str = Field("", max_length=100)
    close: bool = False


class MeasureOutcome(Schema):
    instrument: str
    count: int
    first: int | None
    latest: int | None
    caseness: float | None
    reliable_change: Literal["improvement", "deterioration"] | None


class OutcomesOut(Schema):
    episode_id: int
    measures: list[MeasureOutcome]


# --------------------------------------------------------------------------- helpers


class ApiRequest(HttpRequest):
    """What ninja hands an endpoint behind ``TokenAuth``: ``auth`` is the token it returned."""

    auth: PersonalAccessToken


def _user(request: ApiRequest) -> User:
    return request.auth.user


def _episodes(request: ApiRequest) -> QuerySet[Episode]:
    return episodes_visible_to(_user(request))


def _episode(request: ApiRequest, episode_id: int, perm: str = "care.view_episode") -> Episode:
    episode = (
        _episodes(request).select_related("client__user", "therapist").filter(pk=episode_id).first()
    )
    if episode is None:
        raise HttpError(404, "Not found.")
    if not _user(request).has_perm(perm, episode):
        raise HttpError(403, "You may not do this.")
    return episode


def _per_therapist(user: User, perm: str) -> Callable[[Any], bool]:
    """``user.has_perm(perm, obj)`` asked once per treating therapist: the response and alert
    predicates (``measures.view_response``, ``alerts.view_alert``) decide on the record's
    episode's therapist (hers, or one she supervises), and a supervisor's check is a query,
    so a list costs the same queries however many rows it has."""
    answers: dict[int, bool] = {}

    def allowed(obj: Any) -> bool:
        key = obj.episode.therapist_id
        if key not in answers:
            answers[key] = user.has_perm(perm, obj)
        return answers[key]

    return allowed


def _episode_out(episode: Episode) -> EpisodeOut:
    return EpisodeOut(
        id=episode.pk,
        client_id=episode.client_id,
        therapist_id=episode.therapist_id,
        status=episode.status,
        started_on=episode.started_on,
        ended_on=episode.ended_on,
    )


def _response_out(response: Response) -> ResponseOut:
    version = response.instrument_version
    return ResponseOut(
        id=response.pk,
        episode_id=response.episode_id,
        session_id=response.session_id,
        instrument=version.instrument.code,
        instrument_version=version.version,
        phase=response.phase,
        submitted_at=response.submitted_at,
        complete=response.complete,
        score=response.score,
        safety_level=response.safety_level,
        answers=dict(response.answers),
        scores=dict(response.scores),
    )


def _alert_out(alert: Alert) -> AlertOut:
    return AlertOut(
        id=alert.pk,
        episode_id=alert.episode_id,
        kind=alert.kind,
        severity=alert.severity,
        status=alert.status,
        title=alert.title,
        explanation=alert.explanation,
        opened_at=alert.opened_at,
        closed_at=alert.closed_at,
        response_id=alert.response_id,
        allowed_actions=[a.value for a in allowed_actions(alert.kind)],
    )


def _client_out(client: Client, episode_ids: list[int]) -> ClientOut:
    return ClientOut(id=client.pk, name=client.display_name, episode_ids=episode_ids)


# --------------------------------------------------------------------------- clients, episodes


@api.get("/clients", response={200: list[ClientOut], **ERRORS}, tags=["care"])
def list_clients(request: ApiRequest) -> list[ClientOut]:
    """The clients in the caller's care (a supervisor: her supervisees' clients)."""
    by_client: dict[int, tuple[Client, list[int]]] = {}
    for episode in _episodes(request).select_related("client__user").order_by("pk"):
        by_client.setdefault(episode.client_id, (episode.client, []))[1].append(episode.pk)
    return [_client_out(c, ids) for c, ids in by_client.values()]


@api.get("/clients/{id:client_id}", response={200: ClientOut, **ERRORS}, tags=["care"])
def get_client(request: ApiRequest, client_id: int = RecordId) -> ClientOut:
    episodes = list(
        _episodes(request).filter(client_id=client_id).select_related("client__user", "therapist")
    )
    if not episodes:
        raise HttpError(404, "Not found.")
    user = _user(request)
    if not any(user.has_perm("care.view_episode", e) for e in episodes):
        raise HttpError(403, "You may not do this.")
    client = episodes[0].client
    record(user, AuditAction.READ, client, detail="api")
    return _client_out(client, sorted(e.pk for e in episodes))


@api.get("/episodes", response={200: list[EpisodeOut], **ERRORS}, tags=["care"])
def list_episodes(
    request: ApiRequest, status: str | None = Query(None, max_length=20)
) -> list[EpisodeOut]:
    episodes = _episodes(request).order_by("pk")
    if status:
        episodes = episodes.filter(status=status)
    return [_episode_out(e) for e in episodes]


@api.get("/episodes/{id:episode_id}", response={200: EpisodeOut, **ERRORS}, tags=["care"])
def get_episode(request: ApiRequest, episode_id: int = RecordId) -> EpisodeOut:
    episode = _episode(request, episode_id)
    record(_user(request), AuditAction.READ, episode, episode=episode, detail="api")
    return _episode_out(episode)


@api.get(
    "/episodes/{id:episode_id}/sessions", response={200: list[SessionOut], **ERRORS}, tags=["care"]
)
def list_sessions(request: ApiRequest, episode_id: int = RecordId) -> list[SessionOut]:
    episode = _episode(request, episode_id)
    return [_session_out(s) for s in Session.objects.filter(episode=episode).order_by("number")]


#: How far from today a session may be booked through the API (the web form's date picker
#: keeps to sensible dates; a program could send year 9999).
BOOKING_WINDOW = timedelta(days=2 * 366)


class ScheduleIn(Schema):
    scheduled_at: AwareDatetime
    duration_minutes: int = Field(50, ge=DURATION_MINUTES[0], le=DURATION_MINUTES[1])


class AttendanceIn(Schema):
    attendance: Attendance


def _session_out(s: Session) -> SessionOut:
    return SessionOut(
        id=s.pk,
        episode_id=s.episode_id,
        number=s.number,
        scheduled_at=s.scheduled_at,
        duration_minutes=s.duration_minutes,
        attendance=s.attendance,
    )


@api.post(
    "/episodes/{id:episode_id}/sessions",
    response={**ERRORS, 200: SessionOut, 201: SessionOut},
    auth=WRITE,
    tags=["care"],
)
def schedule(
    request: ApiRequest, payload: ScheduleIn, episode_id: int = RecordId
) -> Status[SessionOut]:
    """Book the next session (``care.sessions.schedule_session``; the treating therapist
    only). The same time again returns the session booked then (200). 422: the episode has
    ended, the time is before the episode or the last session, or more than two years away."""
    episode = _episode(request, episode_id, perm="care.change_episode")
    now = timezone.now()
    if not now - BOOKING_WINDOW <= payload.scheduled_at <= now + BOOKING_WINDOW:
        raise HttpError(422, "Please book a session within two years of today.")
    before = set(episode.sessions.values_list("pk", flat=True))
    try:
        session = schedule_session(
            episode=episode,
            scheduled_at=payload.scheduled_at,
            duration_minutes=payload.duration_minutes,
            by=_user(request),
        )
    except ValidationError as error:
        raise HttpError(422, " ".join(error.messages)) from None
    return Status(200 if session.pk in before else 201, _session_out(session))


@api.post(
    "/sessions/{id:session_id}/attendance",
    response={**ERRORS, 200: SessionOut},
    auth=WRITE,
    tags=["care"],
)
def attendance(
    request: ApiRequest, payload: AttendanceIn, session_id: int = RecordId
) -> SessionOut:
    """Record how the session went (``care.sessions.record_session``, which re-evaluates the
    episode's signals); its modalities and progress note stay as they are. 422: attended or
    not attended recorded before the session's time."""
    session = (
        Session.objects.filter(episode__in=_episodes(request), pk=session_id)
        .select_related("episode__client__user", "episode__therapist")
        .first()
    )
    if session is None:
        raise HttpError(404, "Not found.")
    if not _user(request).has_perm("care.change_episode", session.episode):
        raise HttpError(403, "You may not do this.")
    try:
        record_session(
            session=session,
            attendance=payload.attendance,
            modalities=list(session.modalities.all()),
            progress_note=session.progress_note,
            by=_user(request),
        )
    except ValidationError as error:
        raise HttpError(422, " ".join(error.messages)) from None
    return _session_out(session)


# --------------------------------------------------------------------------- responses


@api.get(
    "/episodes/{id:episode_id}/responses",
    response={200: list[ResponseOut], **ERRORS},
    tags=["responses"],
)
def list_responses(request: ApiRequest, episode_id: int = RecordId) -> list[ResponseOut]:
    """Completed forms of the episode (the outcome measures, the session feedback)."""
    episode = _episode(request, episode_id)
    user = _user(request)
    allowed = _per_therapist(user, "measures.view_response")
    responses = [
        r
        for r in Response.objects.filter(episode=episode).select_related(
            "instrument_version__instrument", "episode__therapist"
        )
        if allowed(r)
    ]
    record(user, AuditAction.READ, episode, episode=episode, detail="api responses")
    return [_response_out(r) for r in responses]


@api.get("/responses/{id:response_id}", response={200: ResponseOut, **ERRORS}, tags=["responses"])
def get_response(request: ApiRequest, response_id: int = RecordId) -> ResponseOut:
    found = (
        Response.all_objects.filter(episode__in=_episodes(request), pk=response_id)
        .select_related("instrument_version__instrument", "episode__therapist")
        .first()
    )
    if found is None:
        raise HttpError(404, "Not found.")
    user = _user(request)
    if not user.has_perm("measures.view_response", found):
        raise HttpError(403, "You may not do this.")
    record(user, AuditAction.READ, found, episode=found.episode_id, detail="api")
    return _response_out(found)


@api.post(
    "/episodes/{id:episode_id}/responses",
    response={**ERRORS, 200: SubmissionOut, 201: SubmissionOut, 422: SubmissionOut},
    auth=WRITE,
    tags=["responses"],
)
def submit_responses(
    request: ApiRequest, payload: SubmissionIn, episode_id: int = RecordId
) -> Status[SubmissionOut]:
    """Enter the client's check-in (PHQ-9 and GAD-7) or session feedback for one of the
    episode's sessions, through the one submission flow (``care.submission.submit_form``):
    validated and scored by the engine, stored exactly once per idempotency key, and a PHQ-9
    item-9 answer ≥ 1 opens the safety alert in the same transaction (≥ 2: urgent). Only the
    treating therapist may. 201: stored; 200: stored before under the same key or form;
    422: answers to check (a safety answer is still kept and its alert opened)."""
    episode = _episode(request, episode_id, perm="care.change_episode")
    session = Session.objects.filter(episode=episode, pk=payload.session_id).first()
    if session is None:
        raise HttpError(404, "That session is not one of this episode's.")
    session.episode = episode  # already loaded with its client
    result = enter_for_client(
        by=_user(request),
        session=session,
        phase=payload.phase,
        answers=payload.answers,
        idempotency_key=payload.idempotency_key,
        detail="api entered",
    )
    out = SubmissionOut(
        stored=bool(result.responses),
        already_stored=result.already_stored,
        complete=result.ok,
        safety_level=result.safety_level,
        errors=result.errors,
        responses=[_response_out(r) for r in result.responses],
    )
    if not result.ok:
        return Status(422, out)
    return Status(200 if result.already_stored else 201, out)


# --------------------------------------------------------------------------- alerts


def _alert(request: ApiRequest, alert_id: int, perm: str) -> Alert:
    alert = (
        Alert.objects.filter(episode__in=_episodes(request), pk=alert_id)
        .select_related("episode")
        .first()
    )
    if alert is None:
        raise HttpError(404, "Not found.")
    if not _user(request).has_perm(perm, alert):
        raise HttpError(403, "You may not do this.")
    return alert


@api.get("/alerts", response={200: list[AlertOut], **ERRORS}, tags=["alerts"])
def list_alerts(
    request: ApiRequest,
    status: Literal["open", "all"] = "open",
    episode_id: int | None = Query(None, ge=1, le=MAX_ID),
) -> list[AlertOut]:
    """Open alerts (``status=all``: every alert and note) of the caller's episodes."""
    alerts = Alert.objects.filter(episode__in=_episodes(request)).select_related("episode")
    if status == "open":
        alerts = alerts.filter(
            status__in=[s for s in AlertStatus.values if s not in ("closed", "note")]
        )
    if episode_id is not None:
        alerts = alerts.filter(episode_id=episode_id)
    allowed = _per_therapist(_user(request), "alerts.view_alert")
    return [_alert_out(a) for a in alerts.order_by("-opened_at", "-pk") if allowed(a)]


@api.get("/alerts/{id:alert_id}", response={200: AlertOut, **ERRORS}, tags=["alerts"])
def get_alert(request: ApiRequest, alert_id: int = RecordId) -> AlertOut:
    alert = _alert(request, alert_id, "alerts.view_alert")
    record(_user(request), AuditAction.READ, alert, episode=alert.episode_id, detail="api")
    return _alert_out(alert)


@api.post(
    "/alerts/{id:alert_id}/acknowledge",
    response={200: AlertOut, **ERRORS},
    auth=WRITE,
    tags=["alerts"],
)
def acknowledge_alert(request: ApiRequest, alert_id: int = RecordId) -> AlertOut:
    """Seen, nothing done yet (``alerts.services.acknowledge``)."""
    alert = _alert(request, alert_id, "alerts.act_on_alert")
    return _alert_out(alert_services.acknowledge(alert, _user(request)))


@api.post(
    "/alerts/{id:alert_id}/actions",
    response={200: AlertOut, **ALERT_ERRORS},
    auth=WRITE,
    tags=["alerts"],
)
def record_alert_action(
    request: ApiRequest, payload: ActionIn, alert_id: int = RecordId
) -> AlertOut:
    """Record what was done (one of the alert's ``allowed_actions``), optionally closing it
    (``alerts.services.record_action``; a safety alert closes only after a safety follow-up).
    409: the action does not fit the alert's kind or state; the message says why."""
    alert = _alert(request, alert_id, "alerts.act_on_alert")
    try:
        alert = alert_services.record_action(
            alert,
            _user(request),
            action=payload.action,
            note=payload.note.replace("\x00", ""),
            follow_up_instrument=payload.follow_up_instrument.replace("\x00", ""),
            close_after=payload.close,
        )
    except ValidationError as error:
        raise HttpError(409, " ".join(error.messages)) from None
    return _alert_out(alert)


# --------------------------------------------------------------------------- outcomes


@api.get(
    "/episodes/{id:episode_id}/outcomes", response={200: OutcomesOut, **ERRORS}, tags=["outcomes"]
)
def episode_outcomes(request: ApiRequest, episode_id: int = RecordId) -> OutcomesOut:
    """First and latest PHQ-9 and GAD-7 totals with the engine's reliable change
    (``care.engine_adapter``: NHS Talking Therapies thresholds, Jacobson & Truax 1991)."""
    episode = _episode(request, episode_id)
    scores: dict[str, list[int]] = {code: [] for code in MEASURES}
    for code, value in (
        Response.objects.filter(episode=episode, instrument_version__instrument__code__in=MEASURES)
        .exclude(score=None)
        .order_by("submitted_at", "pk")
        .values_list("instrument_version__instrument__code", "score")
    ):
        scores[code].append(value)  # type: ignore[arg-type]  # .exclude(score=None) above
    record(_user(request), AuditAction.READ, episode, episode=episode, detail="api outcomes")
    measures = []
    for code in MEASURES:
        values = scores[code]
        first, latest = (values[0], values[-1]) if values else (None, None)
        measures.append(
            MeasureOutcome(
                instrument=code,
                count=len(values),
                first=first,
                latest=latest,
                caseness=caseness(code),
                reliable_change=reliable_change(code, first, latest) if len(values) > 1 else None,
            )
        )
    return OutcomesOut(episode_id=episode.pk, measures=measures)
