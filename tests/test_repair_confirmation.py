"""A rupture the client reported is a note unless it is worth an alert; at a later session the
client can say it has been talked through (session feedback version 2), and the engine turns
it into a repair — good news, a note."""

from __future__ import annotations

import uuid

import pytest

from attune.alerts.models import Alert, Severity
from attune.care.engine_adapter import episode_batch
from attune.care.submission import submit_form
from attune.measures.definitions_sync import current_version
from tests.care_helpers import attended_sessions

pytestmark = pytest.mark.django_db


def feedback(episode, session, each, **answers):
    items = {d: each for d in ("bond", "goals", "approach", "overall")} | {"rupture": "no"}
    result = submit_form(
        episode=episode,
        session=session,
        respondent=episode.client.user,
        phase="feedback",
        answers={"session_feedback": items | answers},
        idempotency_key=uuid.uuid4(),
    )
    assert result.ok, result.errors


def alert(key):
    return Alert.objects.filter(dedupe_key=key).first()


def test_session_feedback_version_2_is_current():
    version = current_version("session_feedback")
    assert version.version == "2"
    assert version.parsed.item("talked_through").required is False


def test_a_tension_resolved_in_the_session_is_only_a_note(episode):
    sessions = attended_sessions(episode, 2)
    feedback(episode, sessions[0], 10)
    feedback(episode, sessions[1], 10, rupture="a_little", rupture_resolved="mostly")
    assert alert("rupture:s2").severity == Severity.INFO


def test_the_client_confirms_the_repair_at_a_later_session(episode):
    sessions = attended_sessions(episode, 5)
    for session in sessions[:3]:
        feedback(episode, session, 10)
    feedback(episode, sessions[3], 7, rupture="yes", rupture_resolved="not_at_all")
    assert alert("rupture:s4").severity == Severity.YELLOW  # unresolved: worth an alert
    feedback(episode, sessions[4], 7, talked_through="yes")
    assert episode_batch([episode]).talked_through[0, 4] == 2
    repair = alert("repair:s4")
    assert repair.severity == Severity.INFO
    assert repair.evidence["repaired_by"] == "client"
    # the engine now calls the rupture a note; the app keeps an open alert's severity (it only
    # rises) but its words say it has been repaired
    assert "It has since been repaired." in alert("rupture:s4").explanation
    assert alert("unrepaired_rupture:s4") is None


def test_not_applicable_is_stored_but_means_nothing(episode):
    sessions = attended_sessions(episode, 1)
    feedback(episode, sessions[0], 10, talked_through="not_applicable")
    batch = episode_batch([episode])
    assert batch.talked_through[0, 0] != batch.talked_through[0, 0]  # NaN
