"""What ``episode_for_page`` loads: the sessions with their responses and modalities, read in
one query each and handed out as after a prefetch; building a new query on them raises rather
than answer from nothing (issue 11, web load)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attune.care.models import Episode
from attune.measures.models import Response
from attune.workspace.queries import episode_for_page
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
