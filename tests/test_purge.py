"""``attune purge``: the records of therapies whose retention period has ended are deleted,
nothing else; a dry run deletes nothing; a second run finds nothing; the audit trail gets ids."""

from __future__ import annotations

import io
import json
import uuid
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from attune.alerts.models import Alert
from attune.alerts.services import raise_alert
from attune.audit.models import AuditEvent
from attune.care.models import Attendance, Episode, EpisodeStatus, Goal, Session
from attune.measures.definitions_sync import current_version
from attune.measures.models import Phase, Response
from attune.notes.models import ProcessNote
from attune.portal.retention import SYSTEM_EMAIL, add_years
from attune.supervision.models import SupervisionNote
from tests import factories

pytestmark = pytest.mark.django_db


def ended_episode(client, therapist, ended_on: date) -> Episode:
    """An ended therapy with a session, an answered form, an alert, notes and a goal."""
    episode = factories.EpisodeFactory(
        client=client, therapist=therapist, status=EpisodeStatus.ENDED_PLANNED,
        started_on=ended_on - timedelta(days=200), ended_on=ended_on,
    )  # fmt: skip
    session = factories.SessionFactory(
        episode=episode, number=1, attendance=Attendance.ATTENDED,
        scheduled_at=timezone.now() - (date.today() - ended_on) - timedelta(days=7),
    )  # fmt: skip
    response = Response.objects.create(
        episode=episode, session=session, instrument_version=current_version("session_feedback"),
        respondent=client.user, phase=Phase.FEEDBACK, answers={"overall": 8}, scores={},
        score=8, idempotency_key=uuid.uuid4(), submitted_at=session.scheduled_at,
    )  # fmt: skip
    raise_alert(
        episode=episode, kind="not_on_track", severity="yellow", title="Not on track",
        explanation="Scores rose.", evidence={}, source="test", suggested_actions=[],
        dedupe_key=f"t{episode.pk}", response=response,
    )  # fmt: skip
    ProcessNote.objects.create(episode=episode, session=session, author=therapist, ciphertext="x")
    SupervisionNote.objects.create(
        episode=episode, author=therapist, discussion="d", created_at=timezone.now()
    )
    factories.GoalFactory(episode=episode, description="Sleep")
    return episode


@pytest.fixture
def therapies(episode, other_episode, therapist, colleague, settings):
    """Three therapies next to the active ones: ended 11 years ago (expired), ended 9 years
    ago and ended 2 years ago (both kept)."""
    settings.ATTUNE_RETENTION_YEARS = 10
    today = date.today()
    return {
        "expired": ended_episode(episode.client, therapist, add_years(today, -11)),
        "nine_years": ended_episode(other_episode.client, colleague, add_years(today, -9)),
        "recent": ended_episode(episode.client, therapist, add_years(today, -2)),
    }


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("purge", *args, stdout=out)
    return out.getvalue()


def counts(output: str) -> dict[str, int]:
    return json.loads(output)["counts"]


def test_dry_run_counts_and_deletes_nothing(therapies):
    before = (Episode.objects.count(), Response.all_objects.count(), Alert.objects.count())
    found = counts(run("--dry-run", "--json"))
    assert found["episodes"] == 1 and found["sessions"] == 1 and found["responses"] == 1
    assert found["alerts"] == 1 and found["process_notes"] == 1
    assert found["supervision_notes"] == 1
    assert (Episode.objects.count(), Response.all_objects.count(), Alert.objects.count()) == before
    assert not AuditEvent.objects.filter(detail="purge").exists()
    text = run("--dry-run")
    assert "Would delete" in text and "episodes: 1" in text


def test_purge_deletes_expired_records_only_and_is_idempotent(therapies, episode, other_episode):
    expired = therapies["expired"]
    expired_sessions = list(expired.sessions.values_list("pk", flat=True))
    found = counts(run("--json"))
    assert found["episodes"] == 1 and found["responses"] == 1 and found["alerts"] == 1
    assert not Episode.objects.filter(pk=expired.pk).exists()
    for model, field in (
        (Session, "episode_id"),
        (Response.all_objects, "episode_id"),
        (Alert.objects, "episode_id"),
        (ProcessNote.objects, "episode_id"),
        (SupervisionNote.objects, "episode_id"),
        (Goal.objects, "episode_id"),
    ):
        manager = model.objects if model is Session else model
        assert not manager.filter(**{field: expired.pk}).exists()
    assert not Session.objects.filter(pk__in=expired_sessions).exists()
    # Everything within retention, and the active therapies, are untouched.
    for kept in (therapies["nine_years"], therapies["recent"], episode, other_episode):
        assert Episode.objects.filter(pk=kept.pk).exists()
        assert kept.sessions.exists()
    assert ProcessNote.objects.filter(episode=therapies["recent"]).exists()
    # One audit event per purged episode, by the scheduled-jobs account, ids only.
    [event] = AuditEvent.objects.filter(detail="purge")
    assert (event.object_type, event.object_id, event.episode_id) == (
        "care.episode",
        str(expired.pk),
        expired.pk,
    )
    assert event.actor.email == SYSTEM_EMAIL and not event.actor.is_active
    assert not event.actor.has_usable_password()
    # Again: nothing to do, no new event.
    again = counts(run("--json"))
    assert set(again.values()) == {0}
    assert AuditEvent.objects.filter(detail="purge").count() == 1


def test_the_period_follows_the_setting(therapies, settings):
    settings.ATTUNE_RETENTION_YEARS = 1
    output = json.loads(run("--json"))
    assert output["retention_years"] == 1 and output["counts"]["episodes"] == 3
    assert not Episode.objects.filter(pk=therapies["recent"].pk).exists()


def test_nothing_to_purge_prints_zeros(db):
    text = run()
    assert "Deleted" in text and "episodes: 0" in text
    assert not AuditEvent.objects.exists()
