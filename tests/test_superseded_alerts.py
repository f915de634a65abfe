"""The upgrade to issue 9's engine closes open alerts under keys the engine no longer emits,
with a line in their trail; safety alerts, notes, closed alerts and current keys stay as they
are (alerts migration 0006)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from attune.alerts import services
from attune.alerts.models import Alert, AlertStatus

pytestmark = pytest.mark.django_db

migration = importlib.import_module("attune.alerts.migrations.0006_close_superseded_alerts")


def alert(episode, kind, key, severity="yellow"):
    return services.raise_alert(
        episode=episode,
        kind=kind,
        severity=severity,
        title="An alert",
        explanation="Its rule in words.",
        evidence={},
        source="A source",
        suggested_actions=[],
        dedupe_key=key,
    )


def test_open_alerts_under_retired_keys_are_closed_with_a_reason(episode):
    retired = [
        alert(episode, "not_on_track", "not_on_track", "red"),
        alert(episode, "as_if", "as_if"),
        alert(episode, "low_alliance", "low_alliance:s4"),
        alert(episode, "fit_check", "fit_check:answers"),
    ]
    Alert.objects.filter(pk=retired[0].pk).update(kind="reliable_deterioration")
    current = [
        alert(episode, "not_on_track", "not_on_track:from-s5"),
        alert(episode, "low_alliance", "low_alliance:from-s4"),
        alert(episode, "safety", "safety:response:1", "urgent"),
        alert(episode, "repair", "repair:s6", "info"),
    ]

    migration.close_superseded(apps, None)

    for old in retired:
        old.refresh_from_db()
        assert old.status == AlertStatus.CLOSED and old.closed_at is not None
        assert "Closed on upgrade" in old.events.order_by("pk").last().note
    for kept in current:
        status = kept.status
        kept.refresh_from_db()
        assert kept.status == status != AlertStatus.CLOSED
