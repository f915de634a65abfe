"""Supervision: the queue per supervisee, the supervision note on the episode's trail (written by
the supervisor, read and marked by the therapist), the per-supervisee figures, and the queries
the pages cost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attune.alerts import services as alert_services
from attune.alerts.models import ActionKind
from attune.audit.models import AuditEvent
from attune.care.models import EpisodeStatus
from attune.supervision.figures import supervisee_figures
from attune.supervision.models import SupervisionNote
from attune.supervision.queue import ACT_SOON, BROUGHT, RUPTURES, SAFETY, STOPPING, queue
from attune.supervision.services import write_note
from tests.care_helpers import as_user
from tests.conftest import make_episode, make_therapist
from tests.test_caseload_voice import feedback

pytestmark = pytest.mark.django_db


def raise_(episode, kind, severity, key=None, hours_ago=0, **evidence):
    return alert_services.raise_alert(
        episode=episode,
        kind=kind,
        severity=severity,
        title=f"{kind} title",
        explanation="Test.",
        evidence=evidence,
        source="test",
        suggested_actions=[],
        dedupe_key=key or kind,
        now=timezone.now() - timedelta(hours=hours_ago),
    )


def reasons(therapist) -> list[str]:
    return [item.reason for item in queue([therapist.pk])[therapist.pk]]


# --------------------------------------------------------------------------- the queue


def test_a_safety_alert_waiting_more_than_24_hours_comes_to_supervision(therapist, episode):
    raise_(episode, "safety", "high", hours_ago=23)
    assert reasons(therapist) == []
    raise_(episode, "safety", "high", key="safety:2", hours_ago=25)
    items = queue([therapist.pk])[therapist.pk]
    assert [i.reason for i in items] == [SAFETY]
    assert "not acknowledged after 25 hours" in items[0].detail
    assert "within 24 hours" in items[0].rule
    assert items[0].url.endswith(f"#alert-{items[0].alert_id}")


def test_a_safety_alert_followed_up_late_comes_once_then_leaves_with_a_note(
    therapist, supervisor, episode
):
    late = raise_(episode, "safety", "high", hours_ago=40)
    alert_services.acknowledge(late, therapist, now=timezone.now() - timedelta(hours=10))
    in_time = raise_(episode, "safety", "high", key="safety:2", hours_ago=40)
    alert_services.acknowledge(in_time, therapist, now=timezone.now() - timedelta(hours=30))
    items = queue([therapist.pk])[therapist.pk]
    assert [(i.reason, i.alert_id) for i in items] == [(SAFETY, late.pk)]
    assert "first followed up 30 hours later" in items[0].detail
    write_note(author=supervisor, episode=episode, discussion="Talked about the delay.")
    assert reasons(therapist) == []


def test_act_soon_without_an_action_stays_until_the_therapist_acts(therapist, supervisor, episode):
    red = raise_(episode, "dropout_risk", "red")
    raise_(episode, "low_alliance", "yellow")
    assert reasons(therapist) == [ACT_SOON]
    write_note(author=supervisor, episode=episode, discussion="Discussed.")
    assert reasons(therapist) == [ACT_SOON]  # still waiting for an action
    alert_services.record_action(red, therapist, action=ActionKind.CONTACTED)
    assert reasons(therapist) == []


def test_an_alert_brought_to_supervision_shows_the_therapists_words(therapist, episode):
    red = raise_(episode, "dropout_risk", "red")
    alert_services.record_action(
        red, therapist, action=ActionKind.SUPERVISION, note="How to raise it?"
    )
    items = queue([therapist.pk])[therapist.pk]
    assert [i.reason for i in items] == [BROUGHT]
    assert "How to raise it?" in items[0].detail


def test_repeated_ruptures_say_which_rule(therapist, colleague, practice, episode):
    raise_(episode, "rupture", "info", key="rupture:s3", session_number=3)
    assert reasons(therapist) == []
    raise_(episode, "unrepaired_rupture", "red", key="unrepaired:s3", session_number=3)
    alert = episode.alerts.get(kind="unrepaired_rupture")
    alert_services.record_action(alert, therapist, action=ActionKind.REPAIR_ATTEMPTED)
    assert reasons(therapist) == []  # one rupture, told twice
    raise_(episode, "rupture", "info", key="rupture:s7", session_number=7)
    (item,) = queue([therapist.pk])[therapist.pk]
    assert (item.reason, "sessions 3, 7" in item.detail) == (RUPTURES, True)
    assert item.rule.startswith("Supervision rule: 2 or more ruptures")

    other = make_episode(practice, "rita.rupture@example.org", colleague)
    raise_(other, "repeated_ruptures", "red", unrepaired_sessions=[4, 9])
    found = [i for i in queue([colleague.pk])[colleague.pk] if i.reason == RUPTURES]
    assert found[0].rule.startswith("Engine rule")
    assert "sessions 4, 9" in found[0].detail


def test_a_client_thinking_of_stopping_comes_to_supervision(therapist, episode, last_attended):
    feedback(episode, last_attended, stopping="no")
    assert reasons(therapist) == []
    episode.responses.all().delete()
    feedback(episode, last_attended, stopping="sometimes")
    items = queue([therapist.pk])[therapist.pk]
    assert [i.reason for i in items] == [STOPPING]
    assert "after session 1" in items[0].detail


def test_an_ended_episode_brings_nothing(therapist, episode):
    raise_(episode, "dropout_risk", "red")
    episode.status, episode.ended_on = "ended_early", timezone.localdate()
    episode.save()
    assert reasons(therapist) == []


# --------------------------------------------------------------------------- the note


def note_url(episode):
    return reverse("supervision:write-note", args=[episode.pk])


def test_the_supervisor_writes_and_the_therapist_reads_and_marks_it_done(
    client, supervisor, therapist, episode
):
    as_user(client, supervisor)
    page = client.get(reverse("workspace:episode", args=[episode.pk])).content.decode()
    assert 'data-testid="supervision-form"' in page
    response = client.post(
        note_url(episode),
        {
            "discussion": "The pace of the work.",
            "recommendation": "Slow down; ask about the fit.",
            "follow_up_by": (timezone.localdate() + timedelta(days=14)).isoformat(),
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#supervision-heading")
    note = SupervisionNote.objects.get()
    assert (note.author, note.episode, note.status) == (supervisor, episode, "new")
    assert AuditEvent.objects.filter(
        actor=supervisor, action="create", object_type="supervision.supervisionnote"
    ).exists()

    as_user(client, therapist)
    page = client.get(reverse("workspace:episode", args=[episode.pk])).content.decode()
    assert "Slow down; ask about the fit." in page
    assert 'data-testid="supervision-form"' not in page  # the therapist reads, never writes
    mark = reverse("supervision:mark-note", args=[note.pk])
    assert client.post(mark, {"mark": "read"}).status_code == 302
    note.refresh_from_db()
    assert note.status == "read"
    client.post(mark, {"mark": "done"})
    note.refresh_from_db()
    assert note.status == "done" and note.read_at <= note.done_at
    assert client.post(note_url(episode), {"discussion": "Mine."}).status_code == 403
    response = client.post(mark, {"mark": "nonsense"}, follow=True)
    assert "Mark a note as read or as done." in response.content.decode()


def test_bad_input_keeps_what_was_written(client, supervisor, episode):
    as_user(client, supervisor)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(
        note_url(episode),
        {"discussion": " ", "recommendation": "Keep this text.", "follow_up_by": yesterday},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Write what was discussed." in html
    assert "The follow-up date is in the past." in html
    assert "Keep this text." in html
    response = client.post(note_url(episode), {"discussion": "x", "follow_up_by": "soon"})
    assert "Enter the date as a date" in response.content.decode()
    assert not SupervisionNote.objects.exists()


# --------------------------------------------------------------------------- the figures


def test_the_figures_count_check_ins_responses_and_outcomes(
    practice, therapist, episode, last_attended
):
    # One attended session without a check-in: 0 of 1.
    figures = supervisee_figures([therapist.pk])[therapist.pk]
    assert (figures.check_ins.part, figures.check_ins.whole) == (0, 1)
    assert figures.active_clients == 1 and str(figures.improved) == "none yet"
    red = raise_(episode, "not_on_track", "red", hours_ago=6)
    alert_services.acknowledge(red, therapist)
    raise_(episode, "dropout_risk", "red", hours_ago=1)
    figures = supervisee_figures([therapist.pk])[therapist.pk]
    assert figures.responded == 1 and figures.waiting == 1
    assert round(figures.response_hours) == 6
    assert (figures.not_on_track.part, figures.not_on_track.whole) == (1, 1)
    episode.status, episode.ended_on = EpisodeStatus.ENDED_PLANNED, timezone.localdate()
    episode.save()
    figures = supervisee_figures([therapist.pk])[therapist.pk]
    assert figures.active_clients == 0
    assert figures.improved.whole == 1  # ended, no scores: no reliable change either way
    assert figures.improved.part == figures.deteriorated.part == 0


# --------------------------------------------------------------------------- queries


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def busy_client(practice, therapist, n):
    episode = make_episode(practice, f"busy{n:03d}.client@example.org", therapist)
    raise_(episode, "safety", "high", hours_ago=30)
    raise_(episode, "dropout_risk", "red")
    brought = raise_(episode, "low_alliance", "yellow")
    alert_services.record_action(brought, therapist, action=ActionKind.SUPERVISION, note="?")
    raise_(episode, "rupture", "info", key="rupture:s1", session_number=1)
    raise_(episode, "rupture", "info", key="rupture:s2", session_number=2)
    feedback(episode, episode.sessions.get(number=1), stopping="yes")
    return episode


def test_the_queue_pages_cost_the_same_queries_for_1_and_8_clients(
    client, practice, supervisor, therapist
):
    busy_client(practice, therapist, 0)
    as_user(client, supervisor)
    home = reverse("workspace:supervision")
    page = reverse("supervision:supervisee", args=[therapist.pk])
    one = count(client, home), count(client, page)
    for n in range(1, 8):
        episode = busy_client(practice, therapist, n)
        write_note(author=supervisor, episode=episode, discussion="Seen.")
    for n in range(2):  # more supervisees on the home page, each with a client
        other = make_therapist(practice, f"more{n}.therapist@example.org", supervisor=supervisor)
        busy_client(practice, other, 10 + n)
    html = client.get(page).content.decode()
    assert html.count('data-testid="queue-item"') >= 8 * 2  # safety and act soon stay
    assert (count(client, home), count(client, page)) == one


def test_a_wrong_threshold_is_reported_at_start_up(settings):
    from attune.supervision.apps import check_thresholds

    settings.ATTUNE_SUPERVISION = {"safety_follow_up_hour": 12}
    (error,) = check_thresholds()
    assert "unknown name(s) safety_follow_up_hour" in error.msg
    settings.ATTUNE_SUPERVISION = {"lookback_days": "no"}
    assert "lookback_days must be a positive number" in check_thresholds()[0].msg
    settings.ATTUNE_SUPERVISION = {"safety_follow_up_hours": "12"}
    assert check_thresholds() == []
