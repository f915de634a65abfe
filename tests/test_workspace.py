"""The caseload and episode pages: ordering by need, and a query count that does not grow."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attune.alerts.services import raise_alert
from attune.care.models import Goal, GoalRating, Session
from attune.measures.services import submit_form
from tests.answers import FREQUENCY
from tests.conftest import PASSWORD, make_episode

pytestmark = pytest.mark.django_db


def check_in(episode, item_values=1, item9=0):
    session = episode.sessions.get(number=2)
    phq9 = {f"phq9_{n}": FREQUENCY[item_values] for n in range(1, 9)}
    phq9["phq9_9"] = FREQUENCY[item9]
    return submit_form(
        episode=episode,
        session=session,
        respondent=episode.client.user,
        phase="check_in",
        answers={"phq9": phq9, "gad7": {f"gad7_{n}": FREQUENCY[item_values] for n in range(1, 8)}},
        idempotency_key=uuid.uuid4(),
    )


def grow_caseload(practice, therapist, n, start=0):
    episodes = []
    for i in range(start, start + n):
        episode = make_episode(practice, f"client{i:03d}.case@example.org", therapist)
        check_in(episode)
        raise_alert(
            episode=episode,
            kind="low_alliance",
            severity="yellow",
            title="Low alliance",
            explanation="x",
            evidence={},
            source="x",
            suggested_actions=[],
            dedupe_key="a",
        )
        episodes.append(episode)
    return episodes


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_caseload_makes_the_same_number_of_queries_for_1_and_50_clients(
    client, practice, therapist
):
    client.login(username=therapist.email, password=PASSWORD)
    grow_caseload(practice, therapist, 1)
    one = count_queries(client, reverse("workspace:caseload"))
    grow_caseload(practice, therapist, 49, start=1)
    page = client.get(reverse("workspace:caseload")).content.decode()
    assert page.count('class="chip yellow"') == 50
    assert count_queries(client, reverse("workspace:caseload")) == one


def test_the_episode_page_makes_the_same_number_of_queries_for_2_and_40_sessions(
    client, episode, therapist
):
    client.login(username=therapist.email, password=PASSWORD)
    check_in(episode)
    goal = Goal.objects.create(episode=episode, description="Sleep through the night")
    GoalRating.objects.create(goal=goal, rating=3, rated_at=timezone.now())
    url = reverse("workspace:episode", args=[episode.pk])
    few = count_queries(client, url)
    last = episode.sessions.order_by("-number").first()
    Session.objects.bulk_create(
        Session(
            episode=episode,
            number=n,
            scheduled_at=last.scheduled_at + timedelta(days=7 * n),
            attendance="attended",
        )
        for n in range(3, 41)
    )
    second = Goal.objects.create(episode=episode, description="Speak up at work", position=1)
    GoalRating.objects.create(goal=second, rating=6, rated_at=timezone.now())
    page = client.get(url).content.decode()
    assert "client's own rating 6/10" in page
    assert count_queries(client, url) == few


def test_urgent_safety_comes_first_then_red_then_the_rest(client, practice, therapist):
    calm = make_episode(practice, "calm.client@example.org", therapist)
    red = make_episode(practice, "red.client@example.org", therapist)
    urgent = make_episode(practice, "urgent.client@example.org", therapist)
    check_in(calm)
    raise_alert(
        episode=red,
        kind="not_on_track",
        severity="red",
        title="Not on track",
        explanation="x",
        evidence={},
        source="x",
        suggested_actions=[],
        dedupe_key="not-on-track",
    )
    check_in(urgent, item9=2)
    client.login(username=therapist.email, password=PASSWORD)
    page = client.get(reverse("workspace:caseload")).content.decode()
    order = [page.index(name) for name in ("Urgent Client", "Red Client", "Calm Client")]
    assert order == sorted(order)
