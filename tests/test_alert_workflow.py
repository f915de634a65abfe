"""Open → acknowledged → action recorded → closed, with who, when and what at every step."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from attune.alerts import services
from attune.alerts.models import Alert, AlertStatus
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def open_alert(episode, kind="low_alliance", key="event-1", severity="yellow", evidence=None):
    return services.raise_alert(
        episode=episode,
        kind=kind,
        severity=severity,
        title="Alliance below the cutoff",
        explanation="The alliance total was at or below 36.",
        evidence=evidence or {"total": 30},
        source="SRS conventions",
        suggested_actions=["Invite feedback."],
        dedupe_key=key,
    )


def test_the_same_event_never_makes_two_alerts(episode):
    first = open_alert(episode)
    second = open_alert(episode, evidence={"total": 28}, severity="red")
    assert first.pk == second.pk
    assert Alert.objects.count() == 1
    second.refresh_from_db()
    assert second.evidence == {"total": 28}
    assert second.severity == "red"
    assert [e.kind for e in second.events.all()] == ["opened", "updated"]


def test_a_milder_reading_does_not_lower_an_open_alert(episode):
    open_alert(episode, severity="red")
    alert = open_alert(episode, severity="yellow", evidence={"total": 35})
    assert alert.severity == "red"


def test_an_alert_closes_only_after_a_recorded_action(episode, therapist):
    alert = open_alert(episode)
    services.acknowledge(alert, therapist)
    with pytest.raises(ValidationError, match="Record what was done"):
        services.close(alert, therapist)
    services.record_action(alert, therapist, action="discussed", note="Talked it through.")
    services.close(alert, therapist)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    trail = [(e.kind, e.actor, e.action, e.note) for e in alert.events.all()]
    assert trail == [
        ("opened", None, "", ""),
        ("acknowledged", therapist, "", ""),
        ("action_recorded", therapist, "discussed", "Talked it through."),
        ("closed", therapist, "", ""),
    ]


def test_a_safety_alert_needs_a_follow_up_with_its_instrument(episode, therapist):
    alert = open_alert(episode, kind="safety", key="safety:1", severity="urgent")
    with pytest.raises(ValidationError, match="does not fit"):
        services.record_action(alert, therapist, action="discussed")
    services.record_action(alert, therapist, action="referred")
    with pytest.raises(ValidationError, match="safety follow-up"):
        services.close(alert, therapist)
    with pytest.raises(ValidationError, match="which instrument"):
        services.record_action(alert, therapist, action="safety_follow_up")
    services.record_action(
        alert, therapist, action="safety_follow_up", follow_up_instrument="C-SSRS"
    )
    services.close(alert, therapist)
    assert Alert.objects.get().status == AlertStatus.CLOSED


def test_an_unknown_action_is_refused(episode, therapist):
    with pytest.raises(ValidationError):
        services.record_action(open_alert(episode), therapist, action="ignored")


def test_the_workflow_through_the_episode_page(client, episode, therapist, supervisor):
    alert = open_alert(episode)
    sign_in(client, therapist)
    client.post(reverse("workspace:alert-acknowledge", args=[alert.pk]))
    refused = client.post(reverse("workspace:alert-close", args=[alert.pk]), follow=True)
    assert "Record what was done before closing" in refused.content.decode()
    client.post(
        reverse("workspace:alert-action", args=[alert.pk]),
        {"action": "repair_attempted", "note": "Named the misunderstanding."},
    )
    client.post(reverse("workspace:alert-close", args=[alert.pk]))
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    # The supervisor reads the same trail.
    client.logout()
    sign_in(client, supervisor)
    page = client.get(reverse("workspace:episode", args=[episode.pk])).content.decode()
    assert "Repair attempted" in page
    assert "Named the misunderstanding." in page


def test_a_closed_alert_does_not_reopen_while_the_concern_merely_persists(episode, therapist):
    alert = open_alert(episode, key="not_on_track:from-s5", evidence={"session_number": 5})
    services.record_action(alert, therapist, action="discussed")
    services.close(alert, therapist)
    for session in (6, 7, 8):
        same = open_alert(episode, key="not_on_track:from-s5", evidence={"session_number": session})
        assert same.status == AlertStatus.CLOSED
    alert.refresh_from_db()
    assert alert.evidence == {"session_number": 5}  # what was acted on stays on record
    assert [e.kind for e in alert.events.all()] == ["opened", "action_recorded", "closed"]


def test_a_closed_alert_reopens_when_its_severity_rises_and_the_trail_says_so(episode, therapist):
    alert = open_alert(episode, key="not_on_track:from-s5", evidence={"session_number": 5})
    services.record_action(alert, therapist, action="discussed")
    services.close(alert, therapist)
    again = open_alert(
        episode, key="not_on_track:from-s5", severity="red", evidence={"session_number": 9}
    )
    assert again.pk == alert.pk
    assert Alert.objects.count() == 1
    assert again.status == AlertStatus.OPEN
    assert again.severity == "red"
    assert again.closed_at is None
    last = list(again.events.all())[-1]
    assert last.kind == "opened"
    assert last.note == "Reopened: it was closed at “watch” and has risen to “act soon”."


def test_a_change_of_code_within_one_level_does_not_reopen(episode, therapist):
    alert = open_alert(episode, kind="safety", key="s", severity="red")
    services.record_action(alert, therapist, action="safety_follow_up", follow_up_instrument="ASQ")
    services.close(alert, therapist)
    # "red" and "high" are both "act soon": nothing new for the therapist to see.
    assert open_alert(episode, kind="safety", key="s", severity="high").status == "closed"


def test_good_news_never_reopens_a_closed_alert(episode, therapist):
    alert = open_alert(episode, evidence={"session_number": 5})
    services.record_action(alert, therapist, action="discussed")
    services.close(alert, therapist)
    assert open_alert(episode, evidence={"session_number": 9}, severity="info").status == "closed"
