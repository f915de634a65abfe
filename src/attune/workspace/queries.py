"""Reads for the therapist's workspace. Each list is a fixed number of queries, however long."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from django.db.models import (
    Count,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone
from django.utils.safestring import SafeString

from attune.accounts.models import User
from attune.alerts.models import (
    OPEN_STATUSES,
    SEVERITY_ORDER,
    Alert,
    AlertKind,
    AlertStatus,
    Severity,
)
from attune.alerts.outcomes import thinking_of_stopping_codes
from attune.care.models import Attendance, Client, Episode, EpisodeStatus, Session
from attune.measures.models import InstrumentVersion, Response
from attune.practice.models import TherapistProfile
from attune.workspace.client_voice import (
    ClientVoice,
    client_voice,
    voice_annotations,
    wants_to_talk,
)
from attune.workspace.sparkline import sparkline as svg_sparkline


def _latest_score(code: str) -> Subquery:
    return Subquery(
        Response.objects.filter(episode=OuterRef("pk"), instrument_version__instrument__code=code)
        .order_by("-submitted_at", "-pk")
        .values("score")[:1]
    )


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
    episode: Episode
    open_alerts: list[Alert]
    #: The latest PHQ-9 scores, oldest first (at most ``TREND_LENGTH``).
    trend: list[int] = field(default_factory=list)
    #: Ending requested, wants to talk, thinking of stopping (``client_voice``).
    voice: ClientVoice = field(default_factory=ClientVoice)

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
        return svg_sparkline(self.trend)

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


def _phq9_trends(episode_ids: list[int]) -> dict[int, list[int]]:
    """The latest ``TREND_LENGTH`` PHQ-9 scores of each episode, oldest first: one query.

    Every PHQ-9 score of these episodes as plain pairs, the latest kept in Python: a few hundred
    integers cost less than building the window query (ROW_NUMBER) that kept them in SQL."""
    if not episode_ids:
        return {}
    rows = (
        Response.objects.filter(
            episode_id__in=episode_ids,
            instrument_version__instrument__code="phq9",
            score__isnull=False,
        )
        .order_by("episode_id", "submitted_at", "pk")
        .values_list("episode_id", "score")
    )
    trends: dict[int, list[int]] = defaultdict(list)
    for episode_id, score in rows:
        trends[episode_id].append(score)
    return {episode_id: scores[-TREND_LENGTH:] for episode_id, scores in trends.items()}


def caseload(therapist: User, now: datetime) -> list[CaseloadRow]:
    """The therapist's active clients, those needing attention first (see ``alert_level``).

    Three queries however long the caseload: the episodes with their latest scores and
    sessions, their open alerts, and their PHQ-9 trends; and at most two for the client's
    voice (``client_voice.wants_to_talk``).
    """
    attended = Q(sessions__attendance=Attendance.ATTENDED)
    past = Session.objects.filter(episode=OuterRef("pk"), scheduled_at__lt=now).order_by(
        "-scheduled_at", "-number"
    )
    episodes = list(
        Episode.objects.filter(therapist=therapist, status=EpisodeStatus.ACTIVE)
        .select_related("client__user")
        .annotate(
            phq9=_latest_score("phq9"),
            gad7=_latest_score("gad7"),
            alliance=_latest_score("session_feedback"),
            sessions_attended=Count("sessions", filter=attended, distinct=True),
            last_session_at=Max("sessions__scheduled_at", filter=attended),
            last_past_at=Subquery(past.values("scheduled_at")[:1]),
            last_past_attendance=Subquery(past.values("attendance")[:1]),
            next_session_at=Min(
                "sessions__scheduled_at",
                filter=Q(
                    sessions__attendance=Attendance.SCHEDULED, sessions__scheduled_at__gte=now
                ),
            ),
            **voice_annotations(),
        )
        .prefetch_related(
            Prefetch(
                "alerts",
                queryset=Alert.objects.open().order_by("-opened_at"),  # notes are not open
                to_attr="open_alert_list",
            )
        )
    )
    trends = _phq9_trends([e.pk for e in episodes])
    wants, stopping = wants_to_talk([e.pk for e in episodes], now), thinking_of_stopping_codes()
    rows = [
        CaseloadRow(
            episode=e,
            open_alerts=e.open_alert_list,
            trend=trends.get(e.pk, []),
            voice=client_voice(e, wants, stopping),
        )
        for e in episodes
    ]
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
        return self.alert.kind == AlertKind.SAFETY


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
    return (
        episodes.select_related("client__user", "therapist")
        .prefetch_related(
            "goals__ratings",
            Prefetch(
                "sessions",
                queryset=Session.objects.order_by("number").prefetch_related(
                    "modalities",
                    Prefetch(
                        "responses",
                        # One instrument version object shared by its responses (a prefetch,
                        # not a join): its definition is read and parsed once per process.
                        # The page reads answers and totals, not the scales' detail (scores).
                        queryset=Response.objects.defer("scores")
                        .prefetch_related(
                            Prefetch(
                                "instrument_version",
                                InstrumentVersion.objects.defer("definition").select_related(
                                    "instrument"
                                ),
                            )
                        )
                        .order_by("instrument_version__instrument__code"),
                    ),
                ),
            ),
            Prefetch(
                "alerts",
                queryset=Alert.objects.prefetch_related("events__actor").order_by("-opened_at"),
            ),
        )
        .get(pk=pk)
    )


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
