"""Reads for the therapist's workspace. Each list is a fixed number of queries, however long."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any, NoReturn, TypedDict, cast

from django.db import models
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    Q,
    QuerySet,
)
from django.db.models.fields.json import KT
from django.db.models.sql import Query
from django.utils import timezone
from django.utils.safestring import SafeString

from attune.accounts.models import User
from attune.alerts.models import (
    OPEN_STATUSES,
    SEVERITY_ORDER,
    Alert,
    AlertEvent,
    AlertKind,
    AlertStatus,
    Severity,
)
from attune.care.engine_adapter import caseness, thinking_of_stopping_codes
from attune.care.models import (
    Attendance,
    Client,
    Episode,
    EpisodeStatus,
    Goal,
    GoalRating,
    Session,
)
from attune.measures.models import Instrument, InstrumentVersion, Response
from attune.practice.models import Modality, TherapistProfile
from attune.workspace.client_voice import ClientVoice, ending_requested, wants_to_talk
from attune.workspace.sparkline import sparkline as svg_sparkline

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _Shown(TypedDict):
        phq9: int | None
        gad7: int | None
        alliance: int | None
        sessions_attended: int
        last_session_at: datetime | None
        last_past_at: datetime | None
        last_past_attendance: str | None
        next_session_at: datetime | None

    #: An active episode with what the caseload shows of it, set by ``caseload``.
    CaseloadEpisode = WithAnnotations[Episode, _Shown]

# --------------------------------------------------------------------------- the caseload

#: How many of the latest PHQ-9 scores the caseload's trend shows.
TREND_LENGTH = 8

#: Attention levels, most urgent first. A client's level is that of her most urgent open alert.
URGENT_SAFETY, SAFETY, OFF_TRACK, RUPTURE, DROPOUT, REVIEW, QUIET = range(7)
LEVEL_LABELS = {
    URGENT_SAFETY: "Urgent: safety item",
    SAFETY: "Safety item",
    OFF_TRACK: "Not on track",
    RUPTURE: "Unrepaired rupture",
    DROPOUT: "Dropout risk",
    REVIEW: "To review",
    QUIET: "",
}
_RUPTURE_KINDS = frozenset({AlertKind.UNREPAIRED_RUPTURE, AlertKind.REPEATED_RUPTURES})
_STRONG = frozenset({Severity.URGENT, Severity.HIGH, Severity.RED})


def alert_level(alert: Alert) -> int:
    """Where an open alert puts its client on the caseload (lower = sooner).

    Safety urgent → safety high → not on track red or reliable deterioration → unrepaired or
    repeated ruptures → dropout risk → anything else yellow → good news (info) only. A red
    alert of a kind not named here (none exists today) ranks with the reds.
    """
    kind, severity = alert.kind, alert.severity
    if kind == AlertKind.SAFETY:
        return URGENT_SAFETY if severity == Severity.URGENT else SAFETY
    if severity == Severity.INFO:
        return QUIET
    if kind == "reliable_deterioration" or (  # a string: the engine may retire this kind
        kind == AlertKind.NOT_ON_TRACK and severity == Severity.RED
    ):
        return OFF_TRACK
    if kind in _RUPTURE_KINDS:
        return RUPTURE
    if kind == AlertKind.DROPOUT_RISK:
        return DROPOUT
    return OFF_TRACK if severity in _STRONG else REVIEW


def _severity_rank(severity: str) -> int:
    return SEVERITY_ORDER.get(Severity(severity), len(SEVERITY_ORDER)) if severity else 9


@dataclass(frozen=True)
class Chip:
    """One open alert kind of a client: its most severe reading and how many alerts."""

    kind: str
    label: str
    severity: str
    severity_label: str
    count: int
    new: int  # not yet acknowledged
    title: str
    level: int

    @property
    def quiet(self) -> bool:
        """Good news (info): shown, but not as something needing attention."""
        return self.level == QUIET


def _chips(alerts: list[Alert]) -> list[Chip]:
    by_kind: dict[str, list[Alert]] = {}
    for alert in alerts:
        by_kind.setdefault(alert.kind, []).append(alert)
    chips = []
    for kind, group in by_kind.items():
        top = min(group, key=lambda a: (alert_level(a), _severity_rank(a.severity)))
        chips.append(
            Chip(
                kind=kind,
                label=top.get_kind_display(),
                severity=top.severity,
                severity_label=top.get_severity_display(),
                count=len(group),
                new=sum(a.status == AlertStatus.OPEN for a in group),
                title=top.title,
                level=alert_level(top),
            )
        )
    chips.sort(key=lambda c: (c.level, _severity_rank(c.severity), c.label))
    return chips


@dataclass(frozen=True)
class CaseloadRow:
    episode: CaseloadEpisode
    open_alerts: list[Alert]
    #: The latest PHQ-9 scores, oldest first (at most ``TREND_LENGTH``).
    trend: list[int] = field(default_factory=list)
    #: Ending requested, wants to talk, thinking of stopping (``client_voice``).
    voice: ClientVoice = field(default_factory=ClientVoice)
    #: The sparkline's caseness line: a questionnaire code, or its cut-off already read once
    #: for the whole caseload (``caseload``).
    cutoff: float | str | None = "phq9"

    @cached_property
    def chips(self) -> list[Chip]:
        """One chip per open alert kind, most severe first; good news last and quiet."""
        return _chips(self.open_alerts)

    @cached_property
    def level(self) -> int:
        return min((alert_level(a) for a in self.open_alerts), default=QUIET)

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]

    @property
    def needs_attention(self) -> bool:
        return self.level < QUIET

    @property
    def attention_alerts(self) -> list[Alert]:
        return [a for a in self.open_alerts if alert_level(a) < QUIET]

    @property
    def open_count(self) -> int:
        return len(self.open_alerts)

    @property
    def new_count(self) -> int:
        """Open alerts nobody has acknowledged yet."""
        return sum(a.status == AlertStatus.OPEN for a in self.open_alerts)

    @property
    def attention(self) -> tuple[int, int, int, int]:
        """Sort key: the attention level; within it the more severe reading, then alerts not
        yet acknowledged, then more alerts needing attention."""
        top = [a for a in self.open_alerts if alert_level(a) == self.level]
        return (
            self.level,
            min((_severity_rank(a.severity) for a in top), default=9),
            0 if any(a.status == AlertStatus.OPEN for a in top) else 1,
            -len(self.attention_alerts),
        )

    @property
    def sparkline(self) -> SafeString:
        return svg_sparkline(self.trend, cutoff=self.cutoff)

    @property
    def missed_since_last_attended(self) -> bool:
        """The latest past session was not attended (or its attendance is not recorded)."""
        e = self.episode
        return e.last_past_at is not None and e.last_past_attendance != Attendance.ATTENDED

    @property
    def last_past_attendance_label(self) -> str:
        value = self.episode.last_past_attendance
        if value == Attendance.SCHEDULED:
            return "attendance not recorded"
        return Attendance(value).label if value in Attendance.values else ""


#: The instruments whose latest score the caseload shows (``CaseloadFacts``).
_LATEST_SCORES = {"phq9": "phq9", "gad7": "gad7", "session_feedback": "alliance"}


@dataclass
class _EpisodeFacts:
    """What the caseload shows of one episode besides its alerts, read as plain values."""

    phq9: int | None = None
    gad7: int | None = None
    alliance: int | None = None
    trend: list[int] = field(default_factory=list)
    stopping: str | None = None
    sessions_attended: int = 0
    last_session_at: datetime | None = None
    last_past_at: datetime | None = None
    last_past_attendance: str | None = None
    next_session_at: datetime | None = None


# The caseload's value queries, resolved once per process and filtered per request (as the
# episode page's row queries below, ``_goal_rows``).


@cache
def _score_rows() -> QuerySet[Response, tuple[Any, ...]]:
    has_stopping = ExpressionWrapper(Q(answers__has_key="stopping"), output_field=BooleanField())
    return (
        Response.objects.filter(instrument_version__instrument__code__in=list(_LATEST_SCORES))
        .order_by("episode_id", "submitted_at", "pk")
        .values_list(
            "episode_id",
            "instrument_version__instrument__code",
            "score",
            has_stopping,
            KT("answers__stopping"),
        )
    )


@cache
def _session_rows() -> QuerySet[Session, tuple[Any, ...]]:
    return Session.objects.order_by("episode_id", "scheduled_at", "number").values_list(
        "episode_id", "scheduled_at", "attendance"
    )


def _score_facts(facts: dict[int, _EpisodeFacts]) -> None:
    """The latest PHQ-9, GAD-7 and session-feedback totals, the PHQ-9 trend (latest
    ``TREND_LENGTH`` scores, oldest first) and the latest answer to "thinking of stopping" of
    each episode: one query of plain values, oldest first, the latest kept in Python.

    Plain values rather than one subquery per figure on the episode query: building and
    compiling those subqueries cost the page more than reading a few hundred numbers
    (issue 11, web load)."""
    rows = _score_rows().filter(episode_id__in=list(facts))
    for episode_id, code, score, stopping_asked, stopping in rows:
        episode = facts[episode_id]
        setattr(episode, _LATEST_SCORES[code], score)
        if code == "phq9" and score is not None:
            episode.trend.append(score)
        elif code == "session_feedback" and stopping_asked:
            # The same answer as ``measures.queries.stopping_answers_of_outer_episode``[:1].
            episode.stopping = stopping
    for episode in facts.values():
        del episode.trend[:-TREND_LENGTH]


def _session_facts(facts: dict[int, _EpisodeFacts], now: datetime) -> None:
    """Sessions attended, the last attended, the latest past one (and its attendance) and the
    next one booked, of each episode: one query of plain values."""
    rows = _session_rows().filter(episode_id__in=list(facts))
    for episode_id, at, attendance in rows:
        episode = facts[episode_id]
        if attendance == Attendance.ATTENDED:
            episode.sessions_attended += 1
            episode.last_session_at = at  # ascending: the latest wins
        if at < now:
            episode.last_past_at, episode.last_past_attendance = at, attendance
        elif attendance == Attendance.SCHEDULED and episode.next_session_at is None:
            episode.next_session_at = at


def _open_alerts(episode_ids: list[int]) -> dict[int, list[Alert]]:
    """The open alerts of each episode, newest first: one query (notes are not open)."""
    found: dict[int, list[Alert]] = defaultdict(list)
    for alert in Alert.objects.open().filter(episode_id__in=episode_ids).order_by("-opened_at"):
        found[alert.episode_id].append(alert)
    return found


def caseload(therapist: User, now: datetime) -> list[CaseloadRow]:
    """The therapist's active clients, those needing attention first (see ``alert_level``).

    A fixed number of queries however long the caseload: the episodes with their clients,
    their open alerts, their scores (``_score_facts``), their sessions (``_session_facts``),
    the ending requests not withdrawn, and at most two for the client's voice
    (``client_voice.wants_to_talk``). Plain values read and summed in Python: simpler to build
    than the subqueries that did it in SQL, which cost the page most of its time.
    """
    episodes = list(
        Episode.objects.filter(therapist=therapist, status=EpisodeStatus.ACTIVE).select_related(
            "client__user"
        )
    )
    ids = [e.pk for e in episodes]
    facts = {pk: _EpisodeFacts() for pk in ids}
    alerts: dict[int, list[Alert]] = {}
    ending: set[int] = set()
    wants: set[int] = set()
    if ids:
        _score_facts(facts)
        _session_facts(facts, now)
        alerts = _open_alerts(ids)
        ending = ending_requested(ids)
        wants = wants_to_talk(ids, now)
    stopping = thinking_of_stopping_codes()
    cutoff = caseness("phq9")  # the engine's configuration, read once, not once per row
    rows = []
    for e in cast("list[CaseloadEpisode]", episodes):  # the attributes are set just below
        f = facts[e.pk]
        # The attributes the caseload's template reads on the episode.
        e.phq9, e.gad7, e.alliance = f.phq9, f.gad7, f.alliance
        e.sessions_attended, e.last_session_at = f.sessions_attended, f.last_session_at
        e.last_past_at, e.last_past_attendance = f.last_past_at, f.last_past_attendance
        e.next_session_at = f.next_session_at
        rows.append(
            CaseloadRow(
                episode=e,
                open_alerts=alerts.get(e.pk, []),
                trend=f.trend,
                voice=ClientVoice(
                    ending_requested=e.pk in ending,
                    wants_to_talk=e.pk in wants,
                    thinking_of_stopping=f.stopping in stopping,
                ),
                cutoff=cutoff,
            )
        )
    rows.sort(
        key=lambda row: (row.attention, _fold(row.episode.client.display_name), row.episode.pk)
    )
    return rows


# --------------------------------------------------------------------------- pinned alerts

_WAITING = frozenset({AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED})


def is_pinned(alert: Alert) -> bool:
    """Safety alerts (whatever their severity) and urgent alerts come first until what was done
    is recorded; then they wait in the list below to be closed."""
    return alert.status in _WAITING and (
        alert.kind == AlertKind.SAFETY or alert.severity == Severity.URGENT
    )


def came_in(moment: datetime, now: datetime) -> str:
    """When an alert came in, as a clinician reads it: "today 09:14, 3 hours ago"."""
    local, today = timezone.localtime(moment), timezone.localtime(now).date()
    days = (today - local.date()).days
    day = (
        "today" if days == 0 else "yesterday" if days == 1 else f"{local:%a} {local.day} {local:%b}"
    )
    minutes = max(int((now - moment).total_seconds() // 60), 0)
    if minutes < 1:
        ago = "just now"
    elif minutes < 60:
        ago = f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    elif minutes < 48 * 60:
        hours = minutes // 60
        ago = f"{hours} hour{'s' if hours != 1 else ''} ago"
    else:
        ago = f"{minutes // (24 * 60)} days ago"
    return f"{day} {local:%H:%M}, {ago}"


@dataclass(frozen=True)
class PinnedAlert:
    """An open safety or urgent alert shown first, with when it came in."""

    alert: Alert
    came_in: str

    @property
    def severity_label(self) -> str:
        """On the one scale people see (``attune.engine.levels``)."""
        return self.alert.level.label

    @property
    def is_safety(self) -> bool:
        # bool(): AlertKind is made by the functional API, so its members are Any to mypy.
        return bool(self.alert.kind == AlertKind.SAFETY)


def pinned_alerts(alerts: Iterable[Alert], now: datetime) -> list[PinnedAlert]:
    """The open safety and urgent alerts: urgent first, then the one waiting longest."""
    found = [a for a in alerts if is_pinned(a)]
    found.sort(key=lambda a: (_severity_rank(a.severity), a.opened_at, a.pk))
    return [PinnedAlert(alert=a, came_in=came_in(a.opened_at, now)) for a in found]


@dataclass(frozen=True)
class PinnedRow:
    """A pinned alert on the caseload, with the client it belongs to."""

    episode: Episode
    pinned: PinnedAlert


def caseload_pinned(rows: list[CaseloadRow], now: datetime) -> list[PinnedRow]:
    """Every open safety or urgent alert of the caseload, whatever the filters: never hidden."""
    found = [
        PinnedRow(episode=row.episode, pinned=pinned)
        for row in rows
        for pinned in pinned_alerts(row.open_alerts, now)
    ]
    found.sort(
        key=lambda r: (
            _severity_rank(r.pinned.alert.severity),
            r.pinned.alert.opened_at,
            r.pinned.alert.pk,
        )
    )
    return found


def split_alerts(alerts: Iterable[Alert], now: datetime) -> dict[str, object]:
    """The episode page's alerts: the pinned ones (``safety_alerts``, shown first by
    ``_safety_pinned.html``) and the rest (``other_alerts``) for the list below."""
    every = list(alerts)
    pinned = pinned_alerts(every, now)
    shown = {p.alert.pk for p in pinned}
    return {
        "pinned_alerts": pinned,
        "safety_alerts": [p.alert for p in pinned],
        "other_alerts": [a for a in every if a.pk not in shown],
    }


# --------------------------------------------------------------------------- caseload filters

#: Longest name search accepted (longer ones are ignored with a message).
NAME_SEARCH_MAX = 100
_TRUE = frozenset({"1", "on", "true", "yes"})
_FALSE = frozenset({"", "0", "off", "false", "no"})


@dataclass(frozen=True)
class CaseloadFilters:
    """What the therapist chose to see: only clients needing attention, one alert kind, a name."""

    attention: bool = False
    kind: str = ""
    name: str = ""

    @property
    def active(self) -> bool:
        return self.attention or bool(self.kind) or bool(self.name)


def parse_caseload_filters(params: Mapping[str, str]) -> tuple[CaseloadFilters, list[str]]:
    """Read the filters from GET parameters (``attention``, ``kind``, ``q``).

    A value that makes no sense is ignored, and a message says so; it never raises. The
    messages never repeat what was typed.
    """
    problems = []
    raw_attention = str(params.get("attention", "")).strip().lower()
    attention = raw_attention in _TRUE
    if raw_attention not in _TRUE | _FALSE:
        problems.append("The “needs attention” filter was not understood, so it is off.")
    kind = str(params.get("kind", "")).strip()
    if kind and kind not in AlertKind.values:
        problems.append("That alert kind is not known, so the list is not filtered by alert kind.")
        kind = ""
    name, name_problems = parse_name_search(params)
    return CaseloadFilters(attention=attention, kind=kind, name=name), problems + name_problems


def parse_name_search(params: Mapping[str, str]) -> tuple[str, list[str]]:
    """The name searched for (``q``), spaces tidied; "" and a message when it cannot be a name
    (too long, control characters). Never raises, never repeats what was typed."""
    name = " ".join(str(params.get("q", "")).split())
    if len(name) > NAME_SEARCH_MAX:
        message = f"The name search is longer than {NAME_SEARCH_MAX} characters, so it was ignored."
        return "", [message]
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        return "", ["The name search contains characters a name never has; it was ignored."]
    return name, []


def _fold(text: str) -> str:
    """Case- and accent-insensitive form of a name: "Zoë" and "zoe" match."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def filter_caseload(rows: list[CaseloadRow], filters: CaseloadFilters) -> list[CaseloadRow]:
    """The rows matching every chosen filter, in the caseload's order."""
    kept = []
    for row in rows:
        if filters.attention and not row.needs_attention:
            continue
        if filters.kind and not any(a.kind == filters.kind for a in row.open_alerts):
            continue
        if filters.name and not client_matches(row.episode.client, filters.name):
            continue
        kept.append(row)
    return kept


def client_matches(client: Client, name: str) -> bool:
    """Whether a client's name contains ``name``, case and accents ignored."""
    needle = _fold(name)
    names = (client.display_name, client.preferred_name, client.user.display_name)
    return any(needle in _fold(n) for n in names if n)


def episode_for_page(episodes: QuerySet[Episode], pk: int) -> Episode:
    """The episode with what its page reads: client, therapist, goals with their ratings
    (``ep.goals.all()``, ``goal.ratings.all()``), alerts newest first with their events and
    each event's actor (``ep.alerts.all()``, ``alert.events.all()``), and its sessions
    (``ep.sessions.all()``, by number) each with its modalities and responses
    (``session.modalities.all()``, ``session.responses.all()``, by instrument code) — each
    response with its instrument version (without the definition, which
    ``InstrumentVersion.parsed`` keeps per process) and its session.

    Every relation is read in one query and handed out in Python (``_hand_out``) rather than
    prefetched: a prefetch builds a filtered queryset per object and relation, which cost the
    page more than the queries themselves (issue 11, web load). The responses and the
    modalities are read as plain rows, and each instrument version, instrument and modality is
    made once and shared by every row that points at it: the longest episode of the demo reads
    81 responses of 3 instruments and 51 uses of 4 modalities.
    """
    ep = episodes.select_related("client__user", "therapist").get(pk=pk)
    _hand_out(ep, "goals", Goal, _goals_of(ep))
    _hand_out(ep, "alerts", Alert, _alerts_of(ep))
    sessions = list(Session.objects.filter(episode=ep).order_by("number"))
    by_pk = {s.pk: s for s in sessions}
    responses = _responses_of(by_pk)
    modalities = _modalities_of(list(by_pk))
    for session in sessions:
        used = sorted(modalities.get(session.pk, []), key=lambda m: (m.name, m.pk))
        _hand_out(session, "responses", Response, responses.get(session.pk, []))
        _hand_out(session, "modalities", Modality, used)
    _hand_out(ep, "sessions", Session, sessions)
    return ep


def _fields(
    model: type[models.Model], prefix: str = "", leave_out: tuple[str, ...] = ()
) -> tuple[list[str], list[str]]:
    """A model's concrete fields, in the order ``Model.from_db`` takes them: the lookups that
    read them through ``prefix`` and their attribute names."""
    fields = [f for f in model._meta.concrete_fields if f.name not in leave_out]
    return [prefix + f.name for f in fields], [f.attname for f in fields]


#: What the page reads of a response: not the scales' detail (``scores``) nor the key that
#: made its form once only; nor an instrument's definition (``InstrumentVersion.parsed``).
_RESPONSE = _fields(Response, leave_out=("scores", "idempotency_key"))
_VERSION = _fields(InstrumentVersion, "instrument_version__", leave_out=("definition",))
_INSTRUMENT = _fields(Instrument, "instrument_version__instrument__")
#: What the page reads of a modality: its name and slug, not its explainer for clients
#: (≈ 2 kB of text each), summary or sources, which cost every session row their decoding.
_MODALITY = _fields(Modality, "modality__", leave_out=("summary", "explainer", "sources"))


_GOAL = _fields(Goal)
_RATING = _fields(GoalRating, "ratings__")
_ALERT = _fields(Alert)
_EVENT = _fields(AlertEvent, "events__")
_ACTOR = _fields(User, "events__actor__")


# The episode page's row queries, their columns and joins resolved once per process (``cache``)
# and filtered per request: resolving some forty lookups across joined tables cost the page
# more than running the queries (issue 11, web load; in-process, the alerts' query 0.77 ->
# 0.38 ms, the responses' 1.20 -> 0.93 ms). A queryset is never changed by ``filter``, which
# makes a new one, and these are never evaluated themselves.


@cache
def _goal_rows() -> QuerySet[Goal, tuple[Any, ...]]:
    return Goal.objects.order_by("position", "pk", "ratings__rated_at", "ratings__pk").values_list(
        *_GOAL[0], *_RATING[0]
    )


@cache
def _alert_rows() -> QuerySet[Alert, tuple[Any, ...]]:
    return Alert.objects.order_by("-opened_at", "-pk", "events__at", "events__pk").values_list(
        *_ALERT[0], *_EVENT[0], *_ACTOR[0]
    )


@cache
def _response_rows() -> QuerySet[Response, tuple[Any, ...]]:
    return Response.objects.order_by(
        "instrument_version__instrument__code", "submitted_at", "pk"
    ).values_list(*_RESPONSE[0], *_VERSION[0], *_INSTRUMENT[0])


@cache
def _modality_rows() -> QuerySet[models.Model, tuple[Any, ...]]:
    return Session.modalities.through.objects.values_list("session_id", *_MODALITY[0])


def _goals_of(ep: Episode) -> list[Goal]:
    """The episode's goals in order, each with its ratings (``goal.ratings.all()``, oldest
    first): one query, a goal's row repeated for each of its ratings (a LEFT JOIN)."""
    rows = _goal_rows().filter(episode=ep)
    n = len(_GOAL[0])
    goal_field = GoalRating.goal.field
    goals: dict[int, Goal] = {}
    ratings: dict[int, list[GoalRating]] = defaultdict(list)
    for row in rows:
        goal = goals.get(row[0])
        if goal is None:
            goal = goals[row[0]] = Goal.from_db(rows.db, _GOAL[1], row[:n])
        if row[n] is not None:  # a goal not rated yet has one row of NULLs
            rating = GoalRating.from_db(rows.db, _RATING[1], row[n:])
            goal_field.set_cached_value(rating, goal)
            ratings[goal.pk].append(rating)
    for goal in goals.values():
        _hand_out(goal, "ratings", GoalRating, ratings.get(goal.pk, []))
    return list(goals.values())


def _alerts_of(ep: Episode) -> list[Alert]:
    """The episode's alerts newest first, each with its events in order and each event's actor
    (``alert.events.all()``, ``event.actor``): one query, as ``_goals_of``."""
    rows = _alert_rows().filter(episode=ep)
    n, m = len(_ALERT[0]), len(_ALERT[0]) + len(_EVENT[0])
    alert_field, actor_field = AlertEvent.alert.field, AlertEvent.actor.field
    alerts: dict[int, Alert] = {}
    events: dict[int, list[AlertEvent]] = defaultdict(list)
    for row in rows:
        alert = alerts.get(row[0])
        if alert is None:
            alert = alerts[row[0]] = Alert.from_db(rows.db, _ALERT[1], row[:n])
        if row[n] is None:  # an alert without events
            continue
        event = AlertEvent.from_db(rows.db, _EVENT[1], row[n:m])
        alert_field.set_cached_value(event, alert)
        actor_field.set_cached_value(
            event, None if row[m] is None else User.from_db(rows.db, _ACTOR[1], row[m:])
        )
        events[alert.pk].append(event)
    for alert in alerts.values():
        _hand_out(alert, "events", AlertEvent, events.get(alert.pk, []))
    return list(alerts.values())


def _responses_of(sessions: dict[int, Session]) -> dict[int, list[Response]]:
    """The sessions' completed responses by session, by instrument code then time: one
    query of plain rows; one instrument version and instrument object each, shared."""
    rows = _response_rows().filter(session_id__in=list(sessions))
    db = rows.db
    n, m = len(_RESPONSE[0]), len(_RESPONSE[0]) + len(_VERSION[0])
    version_field, instrument_field = (
        Response.instrument_version.field,
        InstrumentVersion.instrument.field,
    )
    session_field = Response.session.field
    versions: dict[int, InstrumentVersion] = {}
    found: dict[int, list[Response]] = defaultdict(list)
    for row in rows:
        response = Response.from_db(db, _RESPONSE[1], row[:n])
        version = versions.get(response.instrument_version_id)
        if version is None:
            version = InstrumentVersion.from_db(db, _VERSION[1], row[n:m])
            instrument_field.set_cached_value(
                version, Instrument.from_db(db, _INSTRUMENT[1], row[m:])
            )
            versions[version.pk] = version
        version_field.set_cached_value(response, version)
        session_field.set_cached_value(response, sessions[response.session_id])  # type: ignore[index]  # set: the filter asks for these sessions
        found[response.session_id].append(response)  # type: ignore[index]  # set, as above
    return found


def _modalities_of(session_ids: list[int]) -> dict[int, list[Modality]]:
    """The modalities used in each session: one query of plain rows, one object per
    modality, shared by the sessions that used it."""
    rows = _modality_rows().filter(session_id__in=session_ids)
    shared: dict[int, Modality] = {}
    found: dict[int, list[Modality]] = defaultdict(list)
    for session_id, *values in rows:
        modality = shared.get(values[0])
        if modality is None:
            modality = shared[values[0]] = Modality.from_db(rows.db, _MODALITY[1], values)
        found[session_id].append(modality)
    return found


def loaded(obj: models.Model, relation: str) -> list[Any]:
    """``list(obj.<relation>.all())`` for rows already loaded (``_hand_out``, or Django's
    ``prefetch_related``) without building a related manager for it: the episode page reads
    each session's responses and modalities in several places, and a manager per read cost
    it more than the reads (issue 11, web load). Falls back to the relation's query when
    nothing was loaded."""
    held: QuerySet[Any] | None = getattr(obj, "_prefetched_objects_cache", {}).get(relation)
    if held is not None and held._result_cache is not None:
        return held._result_cache
    return list(getattr(obj, relation).all())


class HandedOut(QuerySet[Any]):
    """Rows read by ``episode_for_page``, handed out as a relation's prefetched queryset.

    ``.all()``, iteration, ``len``, ``bool``, indexing, ``count`` and ``exists`` read the rows.
    Building a new query on it (``filter``, ``order_by``, ``first`` on unordered rows…) raises
    rather than answer from the database or from nothing: the page reads what it loaded."""

    _prefetch_done: bool  # QuerySet's own flag (django/db/models/query.py), not in django-stubs

    def _chain(self) -> NoReturn:
        raise TypeError(
            f"{self.model.__name__} rows read for the episode page: use .all() or read them "
            "in the query (workspace.queries.episode_for_page)."
        )


#: One empty query per model, shared by the querysets ``_hand_out`` makes (never used to
#: read: a ``HandedOut`` queryset holds its rows and builds no query).
_EMPTY: dict[type[models.Model], Query] = {}


def _hand_out(obj: models.Model, relation: str, model: type[models.Model], rows: list[Any]) -> None:
    """``obj.<relation>.all()`` answers ``rows`` without a query, as after a prefetch."""
    empty = _EMPTY.get(model)
    if empty is None:
        empty = _EMPTY[model] = Query(model)
        empty.set_empty()
    held = HandedOut(model=model, query=empty)
    held._result_cache = rows
    held._prefetch_done = True
    cache = obj.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[relation] = held


def supervisees(supervisor: User) -> list[TherapistProfile]:
    active = Q(user__episodes_as_therapist__status=EpisodeStatus.ACTIVE)
    return list(
        TherapistProfile.objects.filter(supervisors=supervisor)
        .select_related("user")
        .annotate(
            active_clients=Count("user__episodes_as_therapist", filter=active, distinct=True),
            open_alerts=Count(
                "user__episodes_as_therapist__alerts",
                filter=active & Q(user__episodes_as_therapist__alerts__status__in=OPEN_STATUSES),
                distinct=True,
            ),
        )
    )
