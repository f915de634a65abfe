"""The episode page kept short (issue 10): closed alerts as a one-line history, newest first,
their evidence behind a closed disclosure; the latest 8 sessions with the rest behind "show
all"; a nav link to every section; a query count that grows neither with sessions nor alerts.
The browser side (first screen, page height on the demo) is tests/browser/test_episode_page.py.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attune.alerts.models import ActionKind
from attune.alerts.services import raise_alert, record_action
from tests.care_helpers import as_user, attended_sessions

pytestmark = pytest.mark.django_db


def alert(episode, kind, key, session, *, severity="yellow", evidence=None):
    return raise_alert(
        episode=episode,
        kind=kind,
        severity=severity,
        title=f"{kind} {key}",
        explanation=f"The rule of {key} in words.",
        evidence={"session_number": session.number} | (evidence or {}),
        source="A source.",
        suggested_actions=["Ask how the sessions feel."],
        dedupe_key=key,
        now=session.scheduled_at + timedelta(hours=3),
    )


def close(alert_, therapist, at, action=ActionKind.DISCUSSED):
    record_action(alert_, therapist, action=action, close_after=True, now=at)


def episode_page(client, therapist, episode):
    response = as_user(client, therapist).get(reverse("workspace:episode", args=[episode.pk]))
    assert response.status_code == 200
    return response, response.content.decode()


def lines(page):
    return re.findall(r'data-testid="closed-alert-line">([^<]*)<', page)


def test_closed_alerts_read_as_one_line_each_newest_first(client, therapist, episode):
    s = attended_sessions(episode, 9)
    # Not on track from session 4, still so at session 9 (the evidence moved on), discussed.
    off = alert(episode, "not_on_track", "not_on_track", s[3], severity="red")
    alert(episode, "not_on_track", "not_on_track", s[8], severity="red")
    close(off, therapist, s[8].scheduled_at + timedelta(days=1))
    # A rupture in session 2, repaired in session 5 (the engine's "repair" note), closed after.
    rupture = alert(episode, "rupture", "rupture:s2", s[1])
    alert(episode, "repair", "repair:s2", s[4], severity="info", evidence={"repair_session": 5})
    close(rupture, therapist, s[5].scheduled_at, action=ActionKind.REPAIR_ATTEMPTED)
    # Dropout risk at session 3, the client contacted.
    dropout = alert(episode, "dropout_risk", "dropout", s[2])
    close(dropout, therapist, s[2].scheduled_at + timedelta(days=2), ActionKind.CONTACTED)
    response, page = episode_page(client, therapist, episode)
    assert lines(page) == [
        "Not on track s. 4–9 → closed: Discussed in session",
        "Rupture s. 2 → repaired s. 5",
        "Dropout risk s. 3 → closed: Contacted the client",
    ]
    # The rule and the trail are in the page, behind a disclosure that starts closed.
    section = page[page.index('data-testid="closed-alerts"') :]
    assert "The rule of rupture:s2 in words." in section
    assert "<details open" not in page
    assert [line.alert.pk for line in response.context["closed_history"]] == [
        off.pk,
        rupture.pk,
        dropout.pk,
    ]


def test_an_open_alert_shows_its_reason_and_keeps_the_rule_one_click_away(
    client, therapist, episode
):
    s = attended_sessions(episode, 3)
    open_one = alert(episode, "low_alliance", "low", s[2])
    _, page = episode_page(client, therapist, episode)
    card = page[page.index(f'id="alert-{open_one.pk}"') :]
    card = card[: card.index("</article>")]
    assert 'data-testid="alert-reason">The rule of low in words.<' in card
    more = card[card.index('data-testid="alert-more"') :]
    assert "Source: A source." in more and 'data-testid="alert-evidence"' in more
    assert "Ask how the sessions feel." in card[: card.index('data-testid="alert-more"')]


def test_the_latest_eight_sessions_then_show_all(client, therapist, episode):
    attended_sessions(episode, 12)  # and one booked: 13 in all
    _, page = episode_page(client, therapist, episode)
    recent = page[
        page.index('data-testid="sessions"') : page.index(
            "</table>", page.index('data-testid="sessions"')
        )
    ]
    earlier = page[page.index('data-testid="earlier-sessions"') :]
    earlier = earlier[: earlier.index("</details>")]
    assert re.findall(r"<tr>\s*<td>(\d+)", recent) == [str(n) for n in range(6, 14)]
    assert re.findall(r"<tr>\s*<td>(\d+)", earlier) == [str(n) for n in range(1, 6)]
    assert "Show all 13 sessions: the earlier 5 (sessions 1–5)" in earlier


def test_a_short_episode_has_no_show_all(client, therapist, episode):
    attended_sessions(episode, 3)
    _, page = episode_page(client, therapist, episode)
    assert 'data-testid="earlier-sessions"' not in page


def test_every_nav_link_has_its_section(client, therapist, episode):
    s = attended_sessions(episode, 10)
    close(alert(episode, "dropout_risk", "dropout", s[2]), therapist, s[3].scheduled_at)
    _, page = episode_page(client, therapist, episode)
    nav = page[page.index('data-testid="on-this-page"') :].split("</nav>")[0]
    targets = re.findall(r'href="#([^"]+)"', nav)
    assert {"before-heading", "closed-alerts-heading", "sessions-heading"} <= set(targets)
    for target in targets:
        assert page.count(f' id="{target}"') == 1, target


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_query_count_grows_neither_with_sessions_nor_with_alerts(client, therapist, episode):
    s = attended_sessions(episode, 2)
    close(alert(episode, "dropout_risk", "d0", s[0]), therapist, s[1].scheduled_at)
    alert(episode, "low_alliance", "l0", s[1])
    as_user(client, therapist)
    url = reverse("workspace:episode", args=[episode.pk])
    few = count_queries(client, url)
    s = attended_sessions(episode, 30)
    for i, session in enumerate(s[:20]):
        close(
            alert(episode, "dropout_risk", f"d{i + 1}", session), therapist, s[i + 1].scheduled_at
        )
        alert(episode, "low_alliance", f"l{i + 1}", session)
    alert(episode, "repair", "repair:s3", s[5], severity="info", evidence={"repair_session": 6})
    assert count_queries(client, url) == few


@pytest.mark.parametrize("words", [3, 30])  # shown whole, or summarised behind a disclosure
def test_a_progress_note_is_shown_as_text_never_as_markup(client, therapist, episode, words):
    session = episode.sessions.order_by("number").first()
    session.progress_note = '<script>alert("x")</script> <b>bold</b> & ' + "word " * words
    session.save(update_fields=["progress_note"])
    _, page = episode_page(client, therapist, episode)
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt; &amp;" in page
