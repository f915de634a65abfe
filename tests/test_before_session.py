"""The "Before the next session" panel at the top of the episode page (issue 10)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from attune.alerts.services import raise_alert
from attune.care.endings import end_episode
from attune.care.engine_adapter import reliable_change_points
from attune.care.models import Attendance, Session
from attune.care.submission import submit_form
from attune.portal.composer import compose, request_ending
from tests import factories
from tests.answers import FREQUENCY
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def past_session(episode, number: int, days_ago: int) -> Session:
    return factories.SessionFactory(
        episode=episode,
        number=number,
        scheduled_at=timezone.now() - timedelta(days=days_ago),
        attendance=Attendance.ATTENDED,
    )


def give_feedback(episode, session, comment="", stopping="no", each=9):
    answers = {d: each for d in ("bond", "goals", "approach", "overall")}
    answers |= {"rupture": "no", "stopping": stopping, "comment": comment}
    result = submit_form(
        episode=episode,
        session=session,
        respondent=episode.client.user,
        phase="feedback",
        answers={"session_feedback": answers},
        idempotency_key=uuid.uuid4(),
        now=session.scheduled_at + timedelta(hours=1),
    )
    assert result.ok, result.errors


def check_in_phq9(episode, session, total: int):
    """A PHQ-9 (and a GAD-7 of 0) adding up to ``total``, item 9 "not at all"."""
    values = [0] * 9
    for i in range(total):
        values[i % 8] += 1
    assert max(values) <= 3
    result = submit_form(
        episode=episode,
        session=session,
        respondent=episode.client.user,
        phase="check_in",
        answers={
            "phq9": {f"phq9_{n}": FREQUENCY[v] for n, v in enumerate(values, start=1)},
            "gad7": {f"gad7_{n}": FREQUENCY[0] for n in range(1, 8)},
        },
        idempotency_key=uuid.uuid4(),
        now=session.scheduled_at - timedelta(hours=1),
    )
    assert result.ok, result.errors


def open_alert(episode, severity: str, title: str, kind="low_alliance", key="a"):
    return raise_alert(
        episode=episode,
        kind=kind,
        severity=severity,
        title=title,
        explanation="Why.",
        evidence={},
        source="test",
        suggested_actions=["Ask how the sessions feel."],
        dedupe_key=key,
    )


def episode_page(client, therapist, episode) -> str:
    sign_in(client, therapist)
    response = client.get(reverse("workspace:episode", args=[episode.pk]))
    assert response.status_code == 200
    return response.content.decode()


def panel_of(page: str) -> str:
    start = page.index('data-testid="before-session"')
    return page[start : page.index("</section>", start)]


def test_the_panel_shows_the_clients_own_words_before_the_charts(client, episode, therapist):
    first = episode.sessions.get(number=1)
    earlier = past_session(episode, 3, days_ago=21)  # numbers are not dates: order by time
    give_feedback(episode, earlier, comment="The exercises helped a lot.")
    give_feedback(episode, first, comment="I felt rushed at the end.", stopping="sometimes")
    request_ending(episode=episode, by=episode.client.user, reason="Money is tight.")
    compose(
        by=episode.client.user,
        episode=episode,
        text="Something about my sister.",
        intent="next_session",
        share_at_session=False,
        idempotency_key=uuid.uuid4(),
    )
    page = episode_page(client, therapist, episode)
    panel = panel_of(page)
    assert "I felt rushed at the end." in panel
    assert "The exercises helped a lot." not in panel  # only the latest comment
    assert "Asked for an ending conversation" in panel
    assert "Money is tight." in panel
    assert 'data-testid="before-stopping"' in panel
    assert "Thinking of stopping" in panel and "Sometimes" in panel
    assert "Wants to talk about something" in panel
    assert "Something about my sister." not in page  # kept for the session: never the words
    assert page.index('data-testid="before-session"') < page.index('id="charts-heading"')
    assert page.index('data-testid="before-session"') < page.index('data-testid="sessions"')


def test_a_later_no_clears_thinking_of_stopping(client, episode, therapist):
    give_feedback(episode, past_session(episode, 3, days_ago=14), stopping="yes")
    give_feedback(episode, episode.sessions.get(number=1), stopping="no")
    panel = panel_of(episode_page(client, therapist, episode))
    assert 'data-testid="before-stopping"' not in panel  # the latest answer counts
    assert "Nothing written or asked for." in panel


def test_the_safety_panel_stays_first(client, episode, therapist):
    open_alert(episode, "urgent", "Item 9 answered", kind="safety", key="s")
    page = episode_page(client, therapist, episode)
    assert page.index('data-testid="pinned-alerts"') < page.index('data-testid="before-session"')
    assert "Urgent" in panel_of(page)


def test_what_changed_uses_the_engines_reliable_change(client, episode, therapist):
    points = reliable_change_points("phq9")
    assert points is not None
    s3, s4, s5 = (past_session(episode, n, days_ago=d) for n, d in ((3, 28), (4, 21), (5, 14)))
    check_in_phq9(episode, s3, 20)
    check_in_phq9(episode, s4, 5)  # 20 → 5: far beyond the reliable change
    small = 5 + int(points) - 1  # just short of it
    check_in_phq9(episode, s5, small)
    panel = panel_of(episode_page(client, therapist, episode))
    assert f"5 → {small}" in panel
    assert "s. 4 → s. 5" in panel
    assert "within measurement error" in panel
    assert "reliable" not in panel.split('data-testid="change-phq9"')[1].split("</li>")[0]

    s6 = past_session(episode, 6, days_ago=7)
    check_in_phq9(episode, s6, small + int(points))
    panel = panel_of(episode_page(client, therapist, episode))
    assert f"{small} → {small + int(points)}" in panel
    assert "reliable deterioration" in panel


def test_the_status_is_the_most_urgent_open_alert_and_each_concern_links_to_its_card(
    client, episode, therapist
):
    panel = panel_of(episode_page(client, therapist, episode))
    assert "On track" in panel
    watch = open_alert(episode, "yellow", "Alliance lower than usual", key="w")
    act = open_alert(episode, "red", "Not on track", kind="not_on_track", key="r")
    note = open_alert(episode, "info", "Reliable improvement", kind="reliable_improvement", key="n")
    page = episode_page(client, therapist, episode)
    panel = panel_of(page)
    assert 'class="before-session card severity-act-soon"' in page
    assert 'data-testid="before-status">Act soon<' in panel
    assert panel.index(f'href="#alert-{act.pk}"') < panel.index(f'href="#alert-{watch.pk}"')
    assert f'href="#alert-{note.pk}"' not in panel  # good news is a note, not a concern
    assert "Ask how the sessions feel." in panel
    assert f'id="alert-{act.pk}"' in page and f'id="alert-{watch.pk}"' in page


def test_the_page_has_a_short_in_page_nav_to_its_sections(client, episode, therapist):
    page = episode_page(client, therapist, episode)
    nav = page[page.index('data-testid="on-this-page"') :].split("</nav>")[0]
    for anchor in ("charts-heading", "alerts-heading", "goals-heading", "sessions-heading"):
        assert f'href="#{anchor}"' in nav
        assert f'id="{anchor}"' in page


def test_an_ended_episode_offers_nothing_to_record_and_no_panel(client, episode, therapist):
    page = episode_page(client, therapist, episode)
    assert "Record session 1" in page and 'data-testid="before-session"' in page
    end_episode(
        episode=episode,
        kind="planned",
        ended_on=date.today(),
        note="",
        by=therapist,
        portal_url="http://testserver/portal/",
    )
    page = episode_page(client, therapist, episode)
    assert "Record session" not in page
    assert ">Record<" not in page
    assert "Schedule next session" not in page
    assert 'data-testid="before-session"' not in page
    assert 'href="#ending-heading"' in page
