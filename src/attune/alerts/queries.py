"""An episode's alerts as the episode page shows them: one card per open concern, most urgent
first; good news as dated notes; closed alerts as a short history.

Reads only what the episode page prefetched (``episode.alerts`` with their events and actors),
so it adds no query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count

from attune.alerts.actions import action_choices, needs_instrument, offers_discussed
from attune.alerts.models import Alert, AlertEventKind, AlertKind, AlertStatus
from attune.care.models import Episode, EpisodeStatus
from attune.engine.levels import Level, level


@dataclass(frozen=True)
class AlertCard:
    """One open alert with the one form that fits its kind."""

    alert: Alert
    actions: list[tuple[str, str]]  # (value, label) offered on the form, none preselected
    offers_discussed: bool  # the one-step "Discussed in session"
    needs_instrument: bool  # only for safety

    @property
    def level(self) -> Level:
        return self.alert.level


@dataclass(frozen=True)
class ClosedAlert:
    """A closed alert in one line: what it was, when it closed, what was done."""

    alert: Alert
    closed_at: datetime | None
    done: list[str]  # the labels of the recorded actions, in order


def card(alert: Alert) -> AlertCard:
    return AlertCard(
        alert=alert,
        actions=action_choices(alert.kind),
        offers_discussed=offers_discussed(alert.kind),
        needs_instrument=needs_instrument(alert.kind),
    )


def _order(alert: Alert) -> tuple[int, int, float, int]:
    """Safety first whatever its severity, then urgent → act soon → watch, then newest."""
    return (
        0 if alert.kind == AlertKind.SAFETY else 1,
        alert.level.order,
        -alert.opened_at.timestamp(),
        -alert.pk,
    )


def episode_alerts(episode: Episode) -> dict[str, object]:
    """Template context of the episode page's alert sections.

    ``alert_cards``: every open alert, one card each: safety first, then urgent → act soon →
    watch, then newest (the template leaves out those the pinned panel at the top shows,
    ``pinned_alerts``/``safety_alerts`` of ``workspace.queries.split_alerts``, and keeps an
    anchor to their evidence and trail); ``other_alerts``: the open non-safety alerts;
    ``alert_notes``: good news and markers, newest first; ``closed_alerts``: the closed ones,
    most recently closed first.
    """
    alerts = list(episode.alerts.all())
    cards = [card(a) for a in sorted((a for a in alerts if a.is_open), key=_order)]
    notes = sorted(
        (a for a in alerts if a.status == AlertStatus.NOTE),
        key=lambda a: (a.opened_at, a.pk),
        reverse=True,
    )
    closed = [
        ClosedAlert(
            alert=a,
            closed_at=a.closed_at,
            done=[
                e.get_action_display()
                for e in a.events.all()
                if e.kind == AlertEventKind.ACTION_RECORDED and e.action
            ],
        )
        for a in alerts
        if a.status == AlertStatus.CLOSED
    ]
    closed.sort(key=lambda c: (c.closed_at or c.alert.opened_at, c.alert.pk), reverse=True)
    return {
        "alert_cards": cards,
        "other_alerts": [c.alert for c in cards if c.alert.kind != AlertKind.SAFETY],
        "alert_notes": notes,
        "closed_alerts": closed,
    }


def open_alerts_by_level(therapist_ids: list[int]) -> dict[int, list[tuple[Level, int]]]:
    """Each therapist's open alerts on her active episodes, counted per level (urgent, act
    soon, watch; notes are never open), most urgent first: one query."""
    rows = (
        Alert.objects.open()
        .filter(episode__therapist_id__in=therapist_ids, episode__status=EpisodeStatus.ACTIVE)
        .values_list("episode__therapist_id", "severity")
        .annotate(n=Count("pk"))
    )
    counts: dict[int, dict[Level, int]] = defaultdict(lambda: defaultdict(int))
    for therapist_id, severity, n in rows:
        counts[therapist_id][level(severity)] += n
    return {
        therapist_id: sorted(by_level.items(), key=lambda item: item[0].order)
        for therapist_id, by_level in counts.items()
    }
