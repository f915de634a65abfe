"""What a supervisee's clients bring to supervision: one item per concern, each linking to the
episode. Built for several supervisees at once in three queries, however many clients, alerts
or notes.

Five reasons (thresholds and their reasons in ``thresholds.py``):

* **safety not followed up** — a safety alert nobody acknowledged or acted on within
  ``safety_follow_up_hours`` (24 h): still waiting, or followed up late in the last
  ``lookback_days``;
* **act soon without an action** — an open red ("act soon") alert with no action recorded;
* **repeated ruptures** — the engine's open "repeated ruptures" alert (2 unrepaired ruptures), or
  ``ruptures_at_least`` (2) ruptures in the episode, repaired or not, the latest in the last
  ``lookback_days``; the item says which rule;
* **thinking of stopping** — the client's latest session feedback answer at or above the
  engine's threshold (``care.engine_adapter.thinking_of_stopping_codes``);
* **brought to supervision** — an alert the therapist marked "Brought to supervision".

An item about something past (a late follow-up, ruptures, stopping, an alert brought) leaves the
queue once the supervisor writes a supervision note on the episode after it; what is still
waiting (a safety alert not followed up, an act-soon alert without an action) stays until the
therapist acts. Only active episodes; never a private note, never the client's words.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypedDict, cast

from django.db.models import Exists, Max, Min, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from attune.alerts.models import (
    OPEN_STATUSES,
    ActionKind,
    Alert,
    AlertEvent,
    AlertEventKind,
    AlertKind,
    AlertStatus,
    Severity,
)
from attune.care.engine_adapter import thinking_of_stopping_codes
from attune.care.models import Episode, EpisodeStatus
from attune.engine.levels import level
from attune.measures.queries import stopping_answers_of_outer_episode
from attune.supervision.thresholds import SupervisionThresholds, thresholds

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _EpisodeAnnotations(TypedDict):
        stopping_code: str | None
        stopping_at: datetime | None
        stopping_session: int | None
        last_supervised_at: datetime | None

    class _AlertAnnotations(TypedDict):
        was_brought: bool
        followed_up_at: datetime | None
        brought_at: datetime | None

    #: An active episode with what the queue reads about it (_episodes).
    QueueEpisode = WithAnnotations[Episode, _EpisodeAnnotations]
    #: An alert with when it was first followed up and last brought to supervision (_alerts).
    QueueAlert = WithAnnotations[Alert, _AlertAnnotations]


class _Where(TypedDict):
    """Whose item it is: every QueueItem has these."""

    therapist_id: int
    episode_id: int
    client_name: str


SAFETY, ACT_SOON, BROUGHT, RUPTURES, STOPPING = (
    "safety_not_followed_up",
    "act_soon_without_action",
    "brought_to_supervision",
    "repeated_ruptures",
    "thinking_of_stopping",
)
#: Reason → heading, in the order the queue shows them.
REASONS: dict[str, str] = {
    SAFETY: "Safety not followed up in time",
    ACT_SOON: "“Act soon” without an action",
    BROUGHT: "Brought to supervision by the therapist",
    RUPTURES: "Repeated ruptures",
    STOPPING: "Thinking of stopping",
}
_ORDER = {reason: n for n, reason in enumerate(REASONS)}
_RUPTURE_KINDS = ("rupture", "unrepaired_rupture")  # strings: the engine may retire a kind
_FOLLOW_UP = (AlertEventKind.ACKNOWLEDGED, AlertEventKind.ACTION_RECORDED)


@dataclass(frozen=True)
class QueueItem:
    reason: str
    therapist_id: int
    episode_id: int
    client_name: str
    #: What happened, in one line (times in the practice's time zone).
    detail: str
    #: Which rule put it here, in words.
    rule: str
    #: When it came up: the queue's order within a reason, and what a later note answers.
    at: datetime
    alert_id: int | None = None
    #: Still waiting for the therapist (stays after a supervision note).
    waiting: bool = False

    @property
    def heading(self) -> str:
        return REASONS[self.reason]

    @property
    def url(self) -> str:
        url = reverse("workspace:episode", args=[self.episode_id])
        return f"{url}#alert-{self.alert_id}" if self.alert_id else url


def _when(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local:%a} {local.day} {local:%b} {local:%H:%M}"


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    if hours < 48:
        return f"{hours:.0f} hours"
    return f"{hours / 24:.0f} days"


def _episodes(therapist_ids: list[int]) -> list[QueueEpisode]:
    latest_stopping = stopping_answers_of_outer_episode()
    return list(
        Episode.objects.filter(therapist_id__in=therapist_ids, status=EpisodeStatus.ACTIVE)
        .select_related("client__user")
        .annotate(
            stopping_code=Subquery(latest_stopping.values("stopping_code")[:1]),  # type: ignore[misc]  # annotated by the measures query
            stopping_at=Subquery(latest_stopping.values("submitted_at")[:1]),
            stopping_session=Subquery(latest_stopping.values("session__number")[:1]),
            last_supervised_at=Max("supervision_notes__created_at"),
        )
    )


def _alerts(
    episode_ids: list[int], now: datetime, rules: SupervisionThresholds
) -> list[QueueAlert]:
    """The alerts any reason may need, with when they were first followed up and when the
    therapist brought them to supervision."""
    brought = AlertEvent.objects.filter(alert=OuterRef("pk"), action=ActionKind.SUPERVISION)
    # A late follow-up in the last weeks belongs to an alert opened at most as long before.
    since = now - timedelta(days=2 * rules.lookback_days)
    wanted = (
        Q(kind=AlertKind.SAFETY) & (Q(status__in=OPEN_STATUSES) | Q(opened_at__gte=since))
        | Q(severity=Severity.RED, status__in=(AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED))
        | Q(kind__in=_RUPTURE_KINDS)
        | Q(kind=AlertKind.REPEATED_RUPTURES, status__in=OPEN_STATUSES)
        | Q(was_brought=True)
    )
    alerts = (
        Alert.objects.filter(episode_id__in=episode_ids)
        .annotate(was_brought=Exists(brought))
        .filter(wanted)
        .annotate(
            followed_up_at=Min("events__at", filter=Q(events__kind__in=_FOLLOW_UP)),
            brought_at=Max("events__at", filter=Q(events__action=ActionKind.SUPERVISION)),
        )
        .order_by("opened_at", "pk")
    )
    # AlertQuerySet iterates as plain Alerts for the type checker; these carry the annotations.
    return cast("list[QueueAlert]", list(alerts))


def _brought_notes(alert_ids: list[int]) -> dict[int, str]:
    """The therapist's own words when she marked an alert for supervision (the latest), from
    the alert's trail — the trail a supervisor already reads, never a private note."""
    if not alert_ids:
        return {}
    notes: dict[int, str] = {}
    for alert_id, note in (
        AlertEvent.objects.filter(alert_id__in=alert_ids, action=ActionKind.SUPERVISION)
        .order_by("at", "pk")
        .values_list("alert_id", "note")
    ):
        notes[alert_id] = note
    return notes


def _safety(
    alert: QueueAlert, name: str, episode: Episode, now: datetime, rules: SupervisionThresholds
) -> QueueItem | None:
    limit = timedelta(hours=rules.safety_follow_up_hours)
    rule = (
        f"Supervision rule: a safety alert is acknowledged or followed up within {_hours(limit)}."
    )
    base: _Where = {
        "therapist_id": episode.therapist_id,
        "episode_id": episode.pk,
        "client_name": name,
    }
    if alert.followed_up_at is None:
        if alert.status not in OPEN_STATUSES or now - alert.opened_at <= limit:
            return None
        return QueueItem(
            reason=SAFETY,
            detail=f"{alert.title} — came in {_when(alert.opened_at)}, "
            f"not acknowledged after {_hours(now - alert.opened_at)}.",
            rule=rule,
            at=alert.opened_at,
            alert_id=alert.pk,
            waiting=True,
            **base,
        )
    late = alert.followed_up_at - alert.opened_at
    if late <= limit or alert.followed_up_at < now - timedelta(days=rules.lookback_days):
        return None
    return QueueItem(
        reason=SAFETY,
        detail=f"{alert.title} — came in {_when(alert.opened_at)}, "
        f"first followed up {_hours(late)} later.",
        rule=rule,
        at=alert.followed_up_at,
        alert_id=alert.pk,
        **base,
    )


def _items_for(
    episode: QueueEpisode,
    alerts: list[QueueAlert],
    brought_notes: dict[int, str],
    now: datetime,
    rules: SupervisionThresholds,
    stopping: frozenset[str],
) -> list[QueueItem]:
    name = episode.client.display_name
    base: _Where = {
        "therapist_id": episode.therapist_id,
        "episode_id": episode.pk,
        "client_name": name,
    }
    items: list[QueueItem] = []
    for alert in alerts:
        if alert.kind == AlertKind.SAFETY:
            found = _safety(alert, name, episode, now, rules)
            if found:
                items.append(found)
        elif alert.severity == Severity.RED and alert.status in (
            AlertStatus.OPEN,
            AlertStatus.ACKNOWLEDGED,
        ):
            items.append(
                QueueItem(
                    reason=ACT_SOON,
                    detail=f"{alert.get_kind_display()}: {alert.title} — open since "
                    f"{_when(alert.opened_at)}, no action recorded.",
                    rule=f"Rated “{level(alert.severity).label}” by the engine; "
                    "nothing recorded as done yet.",
                    at=alert.opened_at,
                    alert_id=alert.pk,
                    waiting=True,
                    **base,
                )
            )
        if alert.brought_at is not None:
            words = brought_notes.get(alert.pk, "").strip()
            items.append(
                QueueItem(
                    reason=BROUGHT,
                    detail=f"{alert.get_kind_display()}: {alert.title} — marked "
                    f"{_when(alert.brought_at)}" + (f": “{words}”" if words else "."),
                    rule="The therapist recorded the action “Brought to supervision”.",
                    at=alert.brought_at,
                    alert_id=alert.pk,
                    **base,
                )
            )
    ruptures = _ruptures(episode, alerts, now, rules)
    if ruptures:
        items.append(ruptures)
    if episode.stopping_code in stopping and episode.stopping_at is not None:
        session = f" after session {episode.stopping_session}" if episode.stopping_session else ""
        items.append(
            QueueItem(
                reason=STOPPING,
                detail=f"In the latest session feedback{session} ({_when(episode.stopping_at)}), "
                "the client said they have been thinking about stopping therapy.",
                rule="The engine's threshold: “sometimes” or “yes” to “Have you been thinking "
                "about stopping therapy?”.",
                at=episode.stopping_at,
                **base,
            )
        )
    return items


def _ruptures(
    episode: Episode, alerts: list[QueueAlert], now: datetime, rules: SupervisionThresholds
) -> QueueItem | None:
    base: _Where = {
        "therapist_id": episode.therapist_id,
        "episode_id": episode.pk,
        "client_name": episode.client.display_name,
    }
    repeated = [
        a for a in alerts if a.kind == AlertKind.REPEATED_RUPTURES and a.status in OPEN_STATUSES
    ]
    if repeated:
        alert = repeated[-1]
        sessions = alert.evidence.get("unrepaired_sessions") or []
        where = f" (sessions {', '.join(map(str, sessions))})" if sessions else ""
        return QueueItem(
            reason=RUPTURES,
            detail=f"{alert.title}{where}.",
            rule="Engine rule “repeated ruptures”: 2 or more ruptures not repaired "
            "(McLaughlin et al. 2014).",
            at=alert.opened_at,
            alert_id=alert.pk,
            **base,
        )
    by_session: dict[object, datetime] = {}
    for alert in alerts:
        if alert.kind in _RUPTURE_KINDS:
            number = alert.evidence.get("session_number") or alert.evidence.get("session")
            key = number if number is not None else f"alert-{alert.pk}"
            by_session[key] = min(by_session.get(key, alert.opened_at), alert.opened_at)
    if len(by_session) < rules.ruptures_at_least:
        return None
    latest = max(by_session.values())
    if latest < now - timedelta(days=rules.lookback_days):
        return None
    numbers = sorted(k for k in by_session if isinstance(k, int))
    where = f" (sessions {', '.join(map(str, numbers))})" if numbers else ""
    return QueueItem(
        reason=RUPTURES,
        detail=f"{len(by_session)} ruptures in this episode{where}, the latest {_when(latest)}.",
        rule=f"Supervision rule: {rules.ruptures_at_least} or more ruptures in one episode, "
        f"repaired or not, the latest in the last {rules.lookback_days} days.",
        at=latest,
        **base,
    )


def queue(therapist_ids: Iterable[int], now: datetime | None = None) -> dict[int, list[QueueItem]]:
    """Each supervisee's items to discuss, safety first, then by reason, newest first within a
    reason: three queries for any number of supervisees (episodes, alerts, the therapists'
    words when they brought an alert)."""
    now = now or timezone.now()
    ids = list(therapist_ids)
    out: dict[int, list[QueueItem]] = {pk: [] for pk in ids}
    if not ids:
        return out
    rules, stopping = thresholds(), thinking_of_stopping_codes()
    episodes = _episodes(ids)
    alerts_of: dict[int, list[QueueAlert]] = defaultdict(list)
    alerts = _alerts([e.pk for e in episodes], now, rules)
    for alert in alerts:
        alerts_of[alert.episode_id].append(alert)
    brought_notes = _brought_notes([a.pk for a in alerts if a.brought_at is not None])
    for episode in episodes:
        for item in _items_for(episode, alerts_of[episode.pk], brought_notes, now, rules, stopping):
            discussed = episode.last_supervised_at is not None and (
                episode.last_supervised_at >= item.at
            )
            if item.waiting or not discussed:
                out[episode.therapist_id].append(item)
    for items in out.values():
        items.sort(key=lambda i: (_ORDER[i.reason], -i.at.timestamp(), i.episode_id))
    return out
