"""The client's voice on the caseload (ending requested, wants to talk, thinking of stopping) and
the glossary of every chip and badge."""

from __future__ import annotations

import html
import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attune.alerts.models import AlertKind
from attune.care.models import Attendance
from attune.care.submission import submit_form
from attune.clientportal.models import FeedbackMessage
from attune.engine.levels import LEVELS
from attune.workspace.client_voice import BADGES
from attune.workspace.glossary import KIND_MEANINGS, LEVEL_MEANINGS
from tests.care_helpers import as_user
from tests.conftest import make_episode

pytestmark = pytest.mark.django_db

FEEDBACK = {"bond": 9, "goals": 8, "approach": 8, "overall": 9, "rupture": "no"}


def badges_by_client(page: str) -> dict[str, list[str]]:
    """Client name → the badges on their caseload row."""
    found = {}
    rows = re.findall(r'<tr class="level-\d" data-testid="caseload-row">(.*?)</tr>', page, re.S)
    for row in rows:
        name = re.search(r'id="client-\d+">([^<]+)</a>', row).group(1)
        found[name] = re.findall(r'data-badge="([a-z_]+)"', row)
    return found


def feedback(episode, session, stopping=None):
    answers = dict(FEEDBACK)
    if stopping is not None:
        answers["stopping"] = stopping
    result = submit_form(
        episode=episode,
        session=session,
        respondent=episode.client.user,
        phase="feedback",
        answers={"session_feedback": answers},
        idempotency_key=uuid.uuid4(),
    )
    assert result.ok, result.errors


def earlier_session(episode, days_ago):
    return episode.sessions.create(
        number=episode.sessions.count() + 1,
        scheduled_at=timezone.now() - timedelta(days=days_ago),
        attendance=Attendance.ATTENDED,
    )


def caseload_page(client, therapist) -> str:
    as_user(client, therapist)
    response = client.get(reverse("workspace:caseload"))
    assert response.status_code == 200
    return response.content.decode()


def test_each_badge_shows_on_the_right_clients_row(client, practice, therapist, episode):
    quiet = make_episode(practice, "quinn.quiet@example.org", therapist)
    asks = make_episode(practice, "ana.asks@example.org", therapist)
    talks = make_episode(practice, "tom.talks@example.org", therapist)
    stops = make_episode(practice, "sid.stops@example.org", therapist)
    no_more = make_episode(practice, "nora.nomore@example.org", therapist)
    for person, episode_ in ((asks, "ending"), (talks, "talk")):
        as_user(client, person.client.user)
        if episode_ == "ending":
            client.post(reverse("portal:ending"), {"reason": "I want to try alone."})
        else:
            post = {"text": "About the clock.", "intent": "next_session"}
            client.post(reverse("portal:composer"), post | {"idempotency_key": str(uuid.uuid4())})
    # Sid said "sometimes" in the latest feedback that answered the question.
    feedback(stops, earlier_session(stops, 14), stopping="no")
    feedback(stops, stops.sessions.get(number=1), stopping="sometimes")
    # Nora said "yes" once, then "no": the latest answer counts.
    feedback(no_more, earlier_session(no_more, 14), stopping="yes")
    feedback(no_more, no_more.sessions.get(number=1), stopping="no")
    feedback(quiet, quiet.sessions.get(number=1))  # the question left out: no badge

    badges = badges_by_client(caseload_page(client, therapist))

    assert badges[asks.client.display_name] == ["ending_requested"]
    assert badges[talks.client.display_name] == ["wants_to_talk"]
    assert badges[stops.client.display_name] == ["thinking_of_stopping"]
    assert badges[no_more.client.display_name] == []
    assert badges[quiet.client.display_name] == []
    assert badges[episode.client.display_name] == []


def test_wants_to_talk_ends_when_the_session_has_taken_place(client, therapist, episode, upcoming):
    as_user(client, episode.client.user)
    post = {"text": "About the clock.", "intent": "next_session"}
    client.post(reverse("portal:composer"), post | {"idempotency_key": str(uuid.uuid4())})
    assert badges_by_client(caseload_page(client, therapist)) == {
        episode.client.display_name: ["wants_to_talk"]
    }
    now = timezone.now()
    FeedbackMessage.objects.update(
        created_at=now - timedelta(days=1), updated_at=now - timedelta(days=1)
    )
    upcoming.scheduled_at = now - timedelta(hours=2)
    upcoming.attendance = Attendance.ATTENDED
    upcoming.save()
    assert badges_by_client(caseload_page(client, therapist)) == {episode.client.display_name: []}


def test_a_withdrawn_ending_request_and_a_draft_show_no_badge(client, therapist, episode):
    as_user(client, episode.client.user)
    client.post(reverse("portal:ending"), {"reason": "maybe"})
    client.post(reverse("portal:ending"), {"action": "withdraw"})
    post = {"text": "Private thoughts.", "intent": "draft"}
    client.post(reverse("portal:composer"), post | {"idempotency_key": str(uuid.uuid4())})
    assert FeedbackMessage.objects.count() == 1
    assert badges_by_client(caseload_page(client, therapist)) == {episode.client.display_name: []}


def count_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("workspace:caseload")).status_code == 200
    return len(queries)


def test_the_badges_cost_the_same_queries_for_1_and_12_clients_with_every_badge(
    client, practice, therapist
):
    def grow(start, n):
        for i in range(start, start + n):
            episode = make_episode(practice, f"voice{i:03d}.case@example.org", therapist)
            feedback(episode, episode.sessions.get(number=1), stopping="yes")
            as_user(client, episode.client.user)
            client.post(reverse("portal:ending"), {"reason": ""})
            post = {"text": "Something.", "intent": "next_session"}
            client.post(reverse("portal:composer"), post | {"idempotency_key": str(uuid.uuid4())})

    grow(0, 1)
    as_user(client, therapist)
    one = count_queries(client)
    grow(1, 11)
    page = caseload_page(client, therapist)
    assert page.count('data-badge="ending_requested"') == 12
    assert page.count('data-badge="wants_to_talk"') == 12
    assert page.count('data-badge="thinking_of_stopping"') == 12
    assert count_queries(client) == one


def test_the_glossary_explains_every_level_kind_and_badge(client, therapist, episode):
    assert set(LEVEL_MEANINGS) == {level.code for level in LEVELS}
    assert set(KIND_MEANINGS) == set(AlertKind.values)
    page = caseload_page(client, therapist)
    glossary = html.unescape(page[page.index('data-testid="caseload-glossary"') :])
    assert "What the labels mean" in glossary
    for label in [lv.label for lv in LEVELS] + [b.label for b in BADGES] + AlertKind.labels:
        assert f">{label}<" in glossary, label
    for meaning in [*KIND_MEANINGS.values(), *(b.meaning for b in BADGES)]:
        assert meaning in glossary, meaning
