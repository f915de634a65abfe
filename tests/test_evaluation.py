"""The engine inside the app: a submitted response re-evaluates its episode in the same request,
alerts are opened or updated (never duplicated), and ``attune evaluate`` covers the practice."""

from __future__ import annotations

import uuid
from datetime import timedelta

import numpy as np
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from attune.alerts.evaluation import evaluate_practice
from attune.alerts.models import Alert
from attune.care.engine_adapter import episode_batch, practice_curves
from attune.care.models import Attendance, EpisodeStatus
from attune.care.submission import submit_form
from attune.engine.batch import ATTENDED, NO_SHOW
from attune.engine.evaluate import EngineConfig
from tests import factories
from tests.answers import FREQUENCY, feedback_post
from tests.conftest import make_episode, sign_in

pytestmark = pytest.mark.django_db


def weekly_sessions(episode, count, start_days_ago=70):
    episode.sessions.all().delete()
    start = timezone.now() - timedelta(days=start_days_ago)
    return [
        factories.SessionFactory(
            episode=episode, number=n, scheduled_at=start + timedelta(days=7 * (n - 1)),
            attendance=Attendance.ATTENDED,
        )
        for n in range(1, count + 1)
    ]  # fmt: skip


def give_feedback(episode, session, total_each=9, rupture="no", resolved="not_at_all"):
    answers = {d: total_each for d in ("bond", "goals", "approach", "overall")}
    answers["rupture"] = rupture
    if rupture != "no":
        answers["rupture_resolved"] = resolved
    result = submit_form(
        episode=episode, session=session, respondent=episode.client.user, phase="feedback",
        answers={"session_feedback": answers}, idempotency_key=uuid.uuid4(),
    )  # fmt: skip
    assert result.ok, result.errors
    return result


def check_in(episode, session, per_item):
    phq9 = {f"phq9_{n}": FREQUENCY[per_item] for n in range(1, 10)}
    phq9["phq9_9"] = FREQUENCY[0]
    result = submit_form(
        episode=episode, session=session, respondent=episode.client.user, phase="check_in",
        answers={"phq9": phq9, "gad7": {f"gad7_{n}": FREQUENCY[per_item] for n in range(1, 8)}},
        idempotency_key=uuid.uuid4(),
    )  # fmt: skip
    assert result.ok, result.errors
    return result


def test_the_batch_carries_what_was_recorded(episode):
    sessions = weekly_sessions(episode, 3)
    sessions[2].attendance = Attendance.NO_SHOW
    sessions[2].save()
    check_in(episode, sessions[0], per_item=2)
    give_feedback(episode, sessions[0], total_each=8, rupture="a_little")
    batch = episode_batch([episode])
    assert batch.episode_ids.tolist() == [episode.pk]
    assert batch.attendance[0].tolist() == [ATTENDED, ATTENDED, NO_SHOW]
    assert batch.phq9[0, 0] == 16  # 8 items x 2, item 9 answered 0
    assert batch.gad7[0, 0] == 14
    assert batch.phq9_item9[0, 0] == 0
    assert batch.alliance[0, 0].tolist() == [8, 8, 8, 8]
    assert batch.rupture[0, 0] == 1
    assert np.isnan(batch.phq9[0, 1])
    assert batch.days[0].tolist() == [
        (s.scheduled_at.date() - episode.started_on).days for s in sessions
    ]


def test_feedback_sent_through_the_page_opens_its_alert_in_the_same_request(
    client, episode, client_user
):
    sessions = weekly_sessions(episode, 4, start_days_ago=22)
    for session in sessions[:3]:
        give_feedback(episode, session, total_each=10)
    assert not Alert.objects.filter(kind="rupture").exists()
    sign_in(client, client_user)
    post = feedback_post(
        bond=6,
        goals=6,
        approach=5,
        overall=6,
        rupture="yes",
        resolved="not_at_all",
        comment="I felt you weren't listening today.",
    )
    response = client.post(reverse("portal:feedback", args=[sessions[3].pk]), post)
    assert response.status_code == 302
    alert = Alert.objects.get(kind="rupture")
    assert alert.dedupe_key == "rupture:s4"
    assert alert.evidence["session_number"] == 4
    assert alert.explanation and alert.source


def test_evaluating_again_updates_instead_of_duplicating(episode):
    sessions = weekly_sessions(episode, 4, start_days_ago=22)
    for session in sessions[:3]:
        give_feedback(episode, session, total_each=10)
    give_feedback(episode, sessions[3], total_each=5, rupture="yes")
    before = sorted(Alert.objects.values_list("dedupe_key", flat=True))
    evaluate_practice()
    evaluate_practice()
    assert sorted(Alert.objects.values_list("dedupe_key", flat=True)) == before
    assert "rupture:s4" in before


def test_a_deteriorating_client_gets_a_red_not_on_track_alert(episode):
    sessions = weekly_sessions(episode, 5, start_days_ago=30)
    for session, per_item in zip(sessions, [1, 1, 2, 2, 3], strict=True):
        check_in(episode, session, per_item)  # PHQ-9 8 → 24
    kinds = dict(Alert.objects.values_list("kind", "severity"))
    assert kinds["not_on_track"] == "red"
    # reliable deterioration is a reason on the one not-on-track card (issue 9, item 4)
    assert "reliable_deterioration" not in kinds
    alert = Alert.objects.get(kind="not_on_track")
    assert "curve" in alert.evidence or "curve" in alert.source.lower()
    assert "Reliable deterioration" in [r["reason"] for r in alert.evidence["reasons"]]


def test_the_evaluate_command_reports_what_it_found(episode, capsys):
    sessions = weekly_sessions(episode, 4, start_days_ago=22)
    for session in sessions[:3]:
        give_feedback(episode, session, total_each=10)
    give_feedback(episode, sessions[3], total_each=5, rupture="yes")
    call_command("evaluate")
    out = capsys.readouterr().out
    assert "Evaluated 1 active episodes" in out
    assert "rupture" in out


def test_engine_overrides_are_checked(settings):
    assert EngineConfig.from_mapping({"rupture": {"z": 2.0}}).rupture.z == 2.0
    with pytest.raises(ValueError, match="Unknown rupture setting"):
        EngineConfig.from_mapping({"rupture": {"zz": 2.0}})
    with pytest.raises(ValueError, match="Unknown engine section"):
        EngineConfig.from_mapping({"ruptures": {}})


def test_practice_curves_replace_the_reference_once_enough_episodes_ended(
    practice, therapist, settings
):
    cache.clear()
    settings.ATTUNE_PRACTICE_CURVES_MIN = 3
    assert practice_curves() is None
    for i in range(3):
        ended = make_episode(practice, f"ended{i}.client@example.org", therapist)
        sessions = weekly_sessions(ended, 4, start_days_ago=60)
        for session, per_item in zip(sessions, [2, 2, 1, 1], strict=True):
            check_in(ended, session, per_item)
        ended.status = EpisodeStatus.ENDED_PLANNED
        ended.ended_on = ended.started_on + timedelta(days=40)
        ended.save()
    curves = practice_curves()
    assert curves is not None
    assert curves.name == "this practice, n = 3 episodes"
