"""The caseload and episode pages: ordering by need, and a query count that does not grow."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attune.alerts.models import Alert
from attune.alerts.services import raise_alert
from attune.care.models import Attendance, Session
from attune.care.submission import submit_form
from attune.measures.models import Response
from attune.portal.composer import compose, request_ending
from tests import factories
from tests.answers import FREQUENCY
from tests.conftest import make_episode, sign_in

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
    sign_in(client, therapist)
    grow_caseload(practice, therapist, 1)
    one = count_queries(client, reverse("workspace:caseload"))
    grow_caseload(practice, therapist, 49, start=1)
    page = client.get(reverse("workspace:caseload")).content.decode()
    assert page.count('class="chip severity-watch"') == 50
    assert count_queries(client, reverse("workspace:caseload")) == one


def test_the_episode_page_makes_the_same_number_of_queries_for_1_and_50_sessions(
    client, episode, therapist
):
    sign_in(client, therapist)
    episode.sessions.filter(number=1).delete()
    check_in(episode)  # session 2: the only session, with its PHQ-9 and GAD-7
    goal = factories.GoalFactory(episode=episode, description="Sleep through the night")
    factories.GoalRatingFactory(goal=goal, rating=3, rated_at=timezone.now())
    # The "before the next session" panel has something to show: the client's words.
    request_ending(episode=episode, by=episode.client.user, reason="Money is tight.")
    compose(
        by=episode.client.user, episode=episode, text="Thank you.", intent="share_now",
        share_at_session=False, idempotency_key=uuid.uuid4(),
    )  # fmt: skip
    raise_alert(
        episode=episode, kind="low_alliance", severity="yellow", title="Low alliance",
        explanation="x", evidence={}, source="x", suggested_actions=["Ask."], dedupe_key="a",
    )  # fmt: skip
    url = reverse("workspace:episode", args=[episode.pk])
    one = count_queries(client, url)
    first = episode.sessions.get()
    added = Session.objects.bulk_create(
        Session(
            episode=episode,
            number=n,
            scheduled_at=first.scheduled_at - timedelta(days=7 * (60 - n)),
            attendance="attended",
        )
        for n in range(3, 52)
    )
    responses = list(first.responses.all())
    Response.objects.bulk_create(
        Response(
            episode=episode, session=session, instrument_version=r.instrument_version,
            respondent=r.respondent, phase=r.phase, answers=r.answers, scores=r.scores,
            score=r.score, safety_level=r.safety_level, idempotency_key=uuid.uuid4(),
            submitted_at=session.scheduled_at,
        )
        for session in added
        for r in responses
    )  # fmt: skip
    second = factories.GoalFactory(episode=episode, description="Speak up at work", position=1)
    factories.GoalRatingFactory(goal=second, rating=6, rated_at=timezone.now())
    page = client.get(url).content.decode()
    assert episode.sessions.count() == 50
    assert "client's own rating 6/10" in page
    assert 'data-testid="before-ending"' in page and 'data-testid="before-shared"' in page
    assert 'data-testid="before-concern"' in page and 'data-testid="change-phq9"' in page
    assert count_queries(client, url) == one


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
    sign_in(client, therapist)
    page = client.get(reverse("workspace:caseload")).content.decode()
    order = [page.index(name) for name in ("Urgent Client", "Red Client", "Calm Client")]
    assert order == sorted(order)


# --------------------------------------------------------------------------- helpers


def alert(episode, kind, severity, key=None, status=None):
    made = raise_alert(
        episode=episode,
        kind=kind,
        severity=severity,
        title=kind.replace("_", " ").capitalize(),
        explanation="x",
        evidence={},
        source="x",
        suggested_actions=[],
        dedupe_key=key or f"{kind}:{severity}",
    )
    if status is not None:
        Alert.objects.filter(pk=made.pk).update(status=status)
    return made


def phq9_answers(total, item9=0):
    """PHQ-9 answers adding up to ``total`` (items 1-8 filled first, item 9 as given)."""
    values, rest = [], total - item9
    for _ in range(8):
        values.append(min(3, rest))
        rest -= values[-1]
    assert rest == 0, total
    answers = {f"phq9_{n}": FREQUENCY[v] for n, v in enumerate(values, start=1)}
    answers["phq9_9"] = FREQUENCY[item9]
    return answers


def gad7_answers(total):
    values, rest = [], total
    for _ in range(7):
        values.append(min(3, rest))
        rest -= values[-1]
    assert rest == 0, total
    return {f"gad7_{n}": FREQUENCY[v] for n, v in enumerate(values, start=1)}


def weekly_sessions(episode, count, start_days_ago=None):
    """Replace the episode's sessions with ``count`` attended weekly ones, the last one past."""
    episode.sessions.all().delete()
    start = timezone.now() - timedelta(days=start_days_ago or 7 * count)
    return Session.objects.bulk_create(
        Session(
            episode=episode,
            number=n,
            scheduled_at=start + timedelta(days=7 * (n - 1)),
            attendance=Attendance.ATTENDED,
        )
        for n in range(1, count + 1)
    )


def scores(episode, phq9, gad7=None, sessions=None):
    """One check-in per session with these PHQ-9 (and GAD-7) totals, in session order."""
    sessions = sessions or list(episode.sessions.order_by("number"))
    gad7 = gad7 or [5] * len(phq9)
    for session, p, g in zip(sessions, phq9, gad7, strict=False):
        result = submit_form(
            episode=episode,
            session=session,
            respondent=episode.client.user,
            phase="check_in",
            answers={"phq9": phq9_answers(p), "gad7": gad7_answers(g)},
            idempotency_key=uuid.uuid4(),
            now=session.scheduled_at,
        )
        assert result.ok, result.errors


def caseload_names(client, url=None, **params):
    response = client.get(url or reverse("workspace:caseload"), params)
    assert response.status_code == 200
    return [row.episode.client.display_name for row in response.context["rows"]], response


# --------------------------------------------------------------------------- attention order


def test_the_caseload_follows_the_attention_order_across_every_level(client, practice, therapist):
    people = {}
    for name in (
        "nora.none",
        "ivy.info",
        "yara.yellow",
        "drew.dropout",
        "ruth.rupture",
        "rita.red",
        "dee.deteriorating",
        "hal.high",
        "una.urgent",
        "rex.repeated",
    ):
        people[name] = make_episode(practice, f"{name}@example.org", therapist)
    alert(people["ivy.info"], "reliable_improvement", "info")
    alert(people["ivy.info"], "repair", "info")
    alert(people["yara.yellow"], "not_on_track", "yellow")
    alert(people["yara.yellow"], "low_alliance", "yellow")
    alert(people["yara.yellow"], "rupture", "yellow")
    # A red dropout risk still comes after an unrepaired rupture: the kind decides first.
    alert(people["drew.dropout"], "dropout_risk", "red")
    alert(people["drew.dropout"], "low_alliance", "yellow")
    alert(people["ruth.rupture"], "unrepaired_rupture", "red")
    alert(people["rex.repeated"], "repeated_ruptures", "red")
    alert(people["rita.red"], "not_on_track", "red")
    alert(people["dee.deteriorating"], "reliable_deterioration", "red")
    alert(people["hal.high"], "low_alliance", "yellow")
    check_in(people["hal.high"], item9=1)
    check_in(people["una.urgent"], item9=2)

    sign_in(client, therapist)
    names, response = caseload_names(client)
    assert names == [
        "Una Urgent",  # safety, urgent
        "Hal High",  # safety, high
        "Dee Deteriorating",  # reliable deterioration ┐ not on track red,
        "Rita Red",  # not on track, red               ┘ then by name
        "Rex Repeated",  # repeated ruptures           ┐ ruptures
        "Ruth Rupture",  # unrepaired rupture          ┘
        "Drew Dropout",  # dropout risk (even red)
        "Yara Yellow",  # other yellow
        "Ivy Info",  # good news only: not needing attention
        "Nora None",
    ]
    levels = [row.level for row in response.context["rows"]]
    assert levels == [0, 1, 2, 2, 3, 3, 4, 5, 6, 6]
    assert [row.needs_attention for row in response.context["rows"]] == [True] * 8 + [False] * 2
    page = response.content.decode()
    positions = [page.index(name) for name in names]
    assert positions == sorted(positions)


def test_within_a_level_the_more_severe_and_the_unacknowledged_come_first(practice, therapist):
    from attune.workspace.queries import caseload

    early = make_episode(practice, "anna.acknowledged@example.org", therapist)
    new = make_episode(practice, "zoe.new@example.org", therapist)
    red = make_episode(practice, "zack.reddropout@example.org", therapist)
    alert(early, "dropout_risk", "yellow", status="acknowledged")
    alert(new, "dropout_risk", "yellow")
    alert(red, "dropout_risk", "red", status="action_recorded")
    names = [r.episode.client.display_name for r in caseload(therapist, timezone.now())]
    assert names == ["Zack Reddropout", "Zoe New", "Anna Acknowledged"]


def test_closed_alerts_and_other_therapists_clients_are_not_on_the_caseload(
    client, practice, therapist, colleague, other_episode
):
    calm = make_episode(practice, "cal.closed@example.org", therapist)
    alert(calm, "not_on_track", "red", status="closed")
    alert(other_episode, "safety", "urgent")
    sign_in(client, therapist)
    names, response = caseload_names(client)
    assert names == ["Cal Closed"]
    assert response.context["rows"][0].open_alerts == []
    assert response.context["rows"][0].level == 6


# --------------------------------------------------------------------------- chips


def test_one_chip_per_open_kind_most_severe_first_and_good_news_not_open(
    client, practice, therapist
):
    episode = make_episode(practice, "chip.client@example.org", therapist)
    alert(episode, "sudden_gain", "info")
    alert(episode, "low_alliance", "yellow")
    alert(episode, "rupture", "yellow", key="rupture:1")
    alert(episode, "rupture", "yellow", key="rupture:2", status="acknowledged")
    alert(episode, "not_on_track", "red")
    alert(episode, "reliable_improvement", "info")
    alert(episode, "dropout_risk", "yellow")
    alert(episode, "fit_check", "yellow", status="closed")
    sign_in(client, therapist)
    _, response = caseload_names(client)
    row = response.context["rows"][0]
    # Good news is a note: no chip, not open, not new.
    assert [(c.kind, c.severity, c.count, c.quiet) for c in row.chips] == [
        ("not_on_track", "red", 1, False),
        ("dropout_risk", "yellow", 1, False),
        ("low_alliance", "yellow", 1, False),
        ("rupture", "yellow", 2, False),
    ]
    assert row.open_count == 5
    assert row.new_count == 4
    assert len(row.attention_alerts) == 5
    page = response.content.decode()
    table = page.split('data-testid="caseload"')[1].split("</table>")[0]
    assert "quiet" not in table
    assert "Sudden gain" not in table and "Reliable improvement" not in table
    assert "Rupture ×2" in page
    # The one scale: red reads "act soon", yellow "watch".
    assert '<span class="chip severity-act-soon" title="Act soon: Not on track">' in table
    assert '<span class="visually-hidden"> (act soon)</span>' in table
    assert '<span class="visually-hidden"> (watch)</span>' in table
    assert "Fit check-in" not in table


def test_good_news_alone_does_not_need_attention(client, practice, therapist):
    episode = make_episode(practice, "glad.client@example.org", therapist)
    alert(episode, "reliable_improvement", "info")
    sign_in(client, therapist)
    names, _ = caseload_names(client, attention="1")
    assert names == []
    names, response = caseload_names(client)
    assert names == ["Glad Client"]
    assert not response.context["rows"][0].needs_attention


# --------------------------------------------------------------------------- trend


def test_the_trend_shows_the_last_eight_phq9_scores_oldest_first(client, practice, therapist):
    episode = make_episode(practice, "trend.client@example.org", therapist)
    weekly_sessions(episode, 10)
    scores(episode, [20, 19, 18, 16, 15, 15, 14, 12, 11, 9])
    empty = make_episode(practice, "blank.client@example.org", therapist)
    sign_in(client, therapist)
    _, response = caseload_names(client)
    rows = {r.episode.pk: r for r in response.context["rows"]}
    assert rows[episode.pk].trend == [18, 16, 15, 15, 14, 12, 11, 9]
    assert rows[empty.pk].trend == []
    assert rows[empty.pk].sparkline == ""
    page = response.content.decode()
    assert 'aria-label="PHQ-9 trend: 18, 16, 15, 15, 14, 12, 11, 9"' in page
    assert "<title>PHQ-9 trend: 18, 16, 15, 15, 14, 12, 11, 9</title>" in page
    assert "style=" not in page


def test_the_caseload_queries_do_not_grow_with_the_trends(client, practice, therapist):
    sign_in(client, therapist)
    first = make_episode(practice, "first.trend@example.org", therapist)
    weekly_sessions(first, 2)
    scores(first, [12, 10])
    few = count_queries(client, reverse("workspace:caseload"))
    for i in range(6):
        more = make_episode(practice, f"more{i}.trend@example.org", therapist)
        weekly_sessions(more, 12)
        scores(more, list(range(20, 8, -1)))
    assert count_queries(client, reverse("workspace:caseload")) == few


def test_last_and_next_session_and_a_missed_session_after_the_last_attended(
    client, practice, therapist
):
    episode = make_episode(practice, "miss.client@example.org", therapist)
    factories.SessionFactory(
        episode=episode,
        number=3,
        scheduled_at=timezone.now() - timedelta(days=2),
        attendance=Attendance.NO_SHOW,
    )
    sign_in(client, therapist)
    _, response = caseload_names(client)
    row = response.context["rows"][0]
    assert row.episode.last_session_at.date() == (timezone.now() - timedelta(days=7)).date()
    assert row.episode.next_session_at.date() == (timezone.now() + timedelta(days=1)).date()
    assert row.missed_since_last_attended
    assert "did not attend" in response.content.decode()


# --------------------------------------------------------------------------- filters


@pytest.fixture
def filter_caseload(practice, therapist):
    urgent = make_episode(practice, "una.urgent@example.org", therapist)
    check_in(urgent, item9=2)
    yellow = make_episode(practice, "zoë.yellow@example.org", therapist)
    yellow.client.preferred_name = "Zoë Yellow"
    yellow.client.save()
    alert(yellow, "low_alliance", "yellow")
    make_episode(practice, "quinn.quiet@example.org", therapist)
    return therapist


def test_needs_attention_only(client, filter_caseload):
    sign_in(client, filter_caseload)
    names, response = caseload_names(client, attention="1")
    assert names == ["Una Urgent", "Zoë Yellow"]
    assert "Showing 2 of 3 active clients" in response.content.decode()


def test_filter_by_alert_kind(client, filter_caseload):
    sign_in(client, filter_caseload)
    assert caseload_names(client, kind="low_alliance")[0] == ["Zoë Yellow"]
    assert caseload_names(client, kind="safety")[0] == ["Una Urgent"]
    names, response = caseload_names(client, kind="as_if")
    assert names == []
    assert "No active client matches these filters." in response.content.decode()


def test_name_search_ignores_case_and_accents(client, filter_caseload):
    sign_in(client, filter_caseload)
    assert caseload_names(client, q="zoe")[0] == ["Zoë Yellow"]
    assert caseload_names(client, q="  URGENT ")[0] == ["Una Urgent"]
    assert caseload_names(client, q="nobody")[0] == []
    names, response = caseload_names(client, q="quinn", attention="1")
    assert names == []  # every filter applies


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"attention": "maybe"}, "“needs attention” filter was not understood"),
        ({"kind": "<script>alert(1)</script>"}, "That alert kind is not known"),
        ({"kind": "CLOSED"}, "That alert kind is not known"),
        ({"q": "x" * 101}, "longer than 100 characters"),
        ({"q": "una\x00"}, "characters a name never has"),
    ],
)
def test_a_bad_filter_is_ignored_with_a_message(client, filter_caseload, params, message):
    sign_in(client, filter_caseload)
    names, response = caseload_names(client, **params)
    assert names == ["Una Urgent", "Zoë Yellow", "Quinn Quiet"]
    page = response.content.decode()
    assert message in page
    assert "<script>alert(1)</script>" not in page


def test_the_filters_keep_their_values_in_the_form(client, filter_caseload):
    sign_in(client, filter_caseload)
    _, response = caseload_names(client, attention="1", kind="safety", q="una")
    page = response.content.decode()
    assert '<option value="safety" selected>' in page
    assert 'name="attention" value="1" checked' in page
    assert 'name="q" value="una"' in page
    assert "Show everyone" in page


def test_a_supervisor_filters_a_supervisees_caseload_too(client, filter_caseload, supervisor):
    sign_in(client, supervisor)
    url = reverse("workspace:caseload-of", args=[filter_caseload.pk])
    assert caseload_names(client, url, kind="safety", attention="yes")[0] == ["Una Urgent"]


def test_parse_caseload_filters_never_raises():
    from attune.workspace.queries import CaseloadFilters, parse_caseload_filters

    assert parse_caseload_filters({}) == (CaseloadFilters(), [])
    filters, problems = parse_caseload_filters({"attention": "on", "kind": "safety", "q": "a  b"})
    assert filters == CaseloadFilters(attention=True, kind="safety", name="a b")
    assert problems == []
    filters, problems = parse_caseload_filters({"attention": "2", "kind": "x", "q": "\x07"})
    assert filters == CaseloadFilters()
    assert len(problems) == 3


# --------------------------------------------------------------------------- sparkline


def test_the_sparkline_is_an_accessible_svg_without_style_attributes():
    from attune.workspace.sparkline import sparkline

    svg = str(sparkline([18, 16, 15, 12]))
    assert svg.startswith('<svg class="sparkline"')
    assert 'role="img" aria-label="PHQ-9 trend: 18, 16, 15, 12"' in svg
    assert "<title>PHQ-9 trend: 18, 16, 15, 12</title>" in svg
    assert "<polyline" in svg
    assert "style" not in svg and "<script" not in svg
    one = str(sparkline([7]))
    assert "<polyline" not in one and "<circle" in one
    assert str(sparkline([])) == ""
    # Out-of-range values are drawn at the edge, never outside the box.
    wild = str(sparkline([-5, 40]))
    assert 'points="3,21 85,3"' in wild


def test_the_sparklines_caseness_line_is_the_engines(settings):
    from attune.workspace.sparkline import sparkline

    assert 'class="spark-cutoff" x1="3" y1="14.3"' in str(sparkline([18, 12]))
    settings.ATTUNE_ENGINE = {"reliable_change": {"phq9_caseness": 12}}
    assert 'class="spark-cutoff" x1="3" y1="13"' in str(sparkline([18, 12]))
    assert "spark-cutoff" not in str(sparkline([18, 12], cutoff=None))


# --------------------------------------------------------------------------- report queries


def test_the_report_makes_the_same_number_of_queries_for_2_and_40_sessions(
    client, episode, therapist
):
    from attune.alerts.services import record_action

    sign_in(client, therapist)
    sessions = weekly_sessions(episode, 2, start_days_ago=60)
    scores(episode, [14, 12], sessions=sessions)
    goal = factories.GoalFactory(episode=episode, description="Sleep through the night")
    factories.GoalRatingFactory(goal=goal, rating=3, rated_at=timezone.now())
    first = alert(episode, "low_alliance", "yellow")
    record_action(first, therapist, action="discussed")
    url = reverse("workspace:report", args=[episode.pk])
    few = count_queries(client, url)

    start = sessions[-1].scheduled_at
    later = Session.objects.bulk_create(
        Session(
            episode=episode,
            number=n,
            scheduled_at=start + timedelta(days=n - 2),
            attendance=Attendance.ATTENDED,
        )
        for n in range(3, 41)
    )
    scores(episode, [14 - (n % 5) for n in range(38)], sessions=later)
    for n in range(5):
        more = alert(episode, "rupture", "yellow", key=f"rupture:{n}")
        record_action(more, therapist, action="repair_attempted")
    second = factories.GoalFactory(episode=episode, description="Speak up at work", position=1)
    for n in range(5):
        factories.GoalRatingFactory(goal=second, rating=n, rated_at=timezone.now())
    page = client.get(url).content.decode()
    assert "Speak up at work" in page
    assert page.count("Repair attempted") == 5
    assert count_queries(client, url) == few


def test_the_caseload_filter_offers_no_good_news_kinds(client, therapist):
    sign_in(client, therapist)
    page = client.get(reverse("workspace:caseload")).content.decode()
    assert 'value="not_on_track"' in page and 'value="safety"' in page
    for kind in ("repair", "sudden_gain", "reliable_improvement"):
        assert f'value="{kind}"' not in page
