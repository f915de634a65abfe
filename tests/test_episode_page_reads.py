"""What ``episode_for_page`` loads: the sessions with their responses and modalities, read in
one query each and handed out as after a prefetch; building a new query on them raises rather
than answer from nothing (issue 11, web load)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attune.alerts.services import acknowledge, raise_alert
from attune.care.models import Episode, Goal, GoalRating
from attune.measures.models import Response
from attune.notes.services import write_note
from attune.workspace.queries import episode_for_page
from tests.care_helpers import as_user
from tests.test_charts import build_episode

pytestmark = pytest.mark.django_db


def test_the_sessions_their_responses_and_modalities_are_read_without_a_query_each(episode):
    build_episode(episode)
    loaded = episode_for_page(Episode.objects.all(), episode.pk)
    with CaptureQueriesContext(connection) as queries:
        sessions = list(loaded.sessions.all())
        seen = {
            s.number: (
                sorted(
                    (r.instrument_version.instrument.code, r.phase, r.session.number)
                    for r in s.responses.all()
                ),
                [m.name for m in s.modalities.all()],
                s.responses.count(),
                s.modalities.exists(),
            )
            for s in sessions
        }
    assert queries.captured_queries == []
    assert [s.number for s in sessions] == list(range(1, 8))
    for session in episode.sessions.all():  # the same, read from the database
        expected = sorted(
            (r.instrument_version.instrument.code, r.phase, session.number)
            for r in Response.objects.filter(session=session)
        )
        names = [m.name for m in session.modalities.order_by("name", "pk")]
        assert seen[session.number] == (expected, names, len(expected), bool(names))
    assert seen[4][1] == ["Test CBT", "Test EMDR"]
    assert seen[1][0] == [
        ("gad7", "check_in", 1),
        ("phq9", "check_in", 1),
        ("session_feedback", "feedback", 1),
    ]


def test_a_new_query_on_what_was_handed_out_raises(episode):
    build_episode(episode)
    loaded = episode_for_page(Episode.objects.all(), episode.pk)
    session = loaded.sessions.all()[0]
    for build in (
        lambda: loaded.sessions.filter(number=1),
        lambda: session.responses.filter(phase="check_in"),
        lambda: session.modalities.order_by("name"),
    ):
        with pytest.raises(TypeError, match="episode page"):
            build()


#: What the episode page reads, one query each, however many sessions, responses, alerts or
#: notes (issue 11): the sign-in (session, user); the episode (with client and therapist), its
#: goals with their ratings, its alerts with their events (and their actors), its sessions,
#: their responses (with instrument versions and instruments) and their modalities
#: (``episode_for_page``); the viewer's own notes (``notes.services.episode_notes``: the
#: session markers come from the same rows) and the audit of the episode's and the notes'
#: reads, in one INSERT; the client's messages and ending request; the consultation that
#: started the episode; the fitted recovery curves' count (the charts); the supervision notes;
#: the practice's crisis resources and the consultations waiting (the layout). 21 before the
#: notes moved out of the template, 20 before the two audit INSERTs became one, 19 before the
#: goals came with their ratings and the alerts with their events. (Outside a test's
#: transaction the INSERT also brings its BEGIN and COMMIT.)
EPISODE_PAGE_QUERIES = 17


def test_the_episode_page_reads_in_a_fixed_number_of_queries(client, therapist, episode):
    build_episode(episode)
    session = episode.sessions.get(number=2)
    write_note(
        author=therapist, session=session, body="A note.", themes=["positive"],
        countertransference="",
    )  # fmt: skip
    goal = Goal.objects.create(episode=episode, description="Sleep through the night")
    GoalRating.objects.create(goal=goal, rating=4, rated_at=timezone.now())
    alert = raise_alert(
        episode=episode, kind="low_alliance", severity="yellow", title="Low alliance",
        explanation="x", evidence={"session_number": 2}, source="x", suggested_actions=[],
        dedupe_key="low",
    )  # fmt: skip
    acknowledge(alert, therapist)
    as_user(client, therapist)
    url = reverse("workspace:episode", args=[episode.pk])
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="timeline-note"') == 1 and "Sleep through the night" in html
    assert 'data-testid="alert"' in html
    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) == EPISODE_PAGE_QUERIES, "\n".join(sql)
    assert sum(s.startswith('INSERT INTO "audit_auditevent"') for s in sql) == 1
    assert not any('"measures_instrumentversion"."definition"' in s for s in sql)


def test_goals_come_with_their_ratings_and_alerts_with_their_events_in_one_query_each(
    therapist, episode
):
    """Two goals, one rated twice and one not yet; two alerts, one acknowledged (an event with
    its actor), one just opened: what the page reads equals what the relations answer."""
    now = timezone.now()
    sleep = Goal.objects.create(episode=episode, description="Sleep", position=1)
    work = Goal.objects.create(episode=episode, description="Back to work", position=2)
    later = GoalRating.objects.create(goal=sleep, rating=6, rated_at=now)
    earlier = GoalRating.objects.create(goal=sleep, rating=3, rated_at=now - timedelta(days=7))
    common = {"explanation": "x", "evidence": {"session_number": 2}, "source": "x"}
    first = raise_alert(
        episode=episode, kind="low_alliance", severity="yellow", title="Low alliance",
        suggested_actions=["Ask"], dedupe_key="low", **common,
    )  # fmt: skip
    acknowledge(first, therapist)
    second = raise_alert(
        episode=episode, kind="dropout_risk", severity="yellow", title="Dropout risk",
        suggested_actions=[], dedupe_key="drop", **common,
    )  # fmt: skip
    loaded = episode_for_page(Episode.objects.all(), episode.pk)
    with CaptureQueriesContext(connection) as queries:
        goals = [
            (g.description, [(r.pk, r.rating) for r in g.ratings.all()]) for g in loaded.goals.all()
        ]
        alerts = [
            (a.pk, a.title, a.evidence, a.suggested_actions,
             [(e.kind, e.actor.email if e.actor else None, e.alert.pk) for e in a.events.all()])
            for a in loaded.alerts.all()
        ]  # fmt: skip
    assert queries.captured_queries == []
    assert goals == [("Sleep", [(earlier.pk, 3), (later.pk, 6)]), ("Back to work", [])]
    expected = [
        (a.pk, a.title, a.evidence, a.suggested_actions,
         [(e.kind, e.actor.email if e.actor else None, a.pk)
          for e in a.events.order_by("at", "pk")])
        for a in episode.alerts.order_by("-opened_at", "-pk")
    ]  # fmt: skip
    assert alerts == expected
    assert [a[0] for a in alerts] == [second.pk, first.pk]
    assert any(actor == therapist.email for *_, events in alerts for _, actor, _ in events)
    assert work.pk not in {r.goal_id for g in loaded.goals.all() for r in g.ratings.all()}
