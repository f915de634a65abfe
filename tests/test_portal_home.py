"""The client's home: next session, open forms, progress in plain words (never alerts), goals
they rate themselves, how their therapist works (Markdown rendered safely), and "not watched in
real time" on every client page."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from attune.alerts.services import raise_alert
from attune.care.models import Goal, GoalRating
from attune.care.submission import submit_form
from attune.practice.models import Modality
from tests.answers import FREQUENCY
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def check_in(episode, session, phq9_items, gad7_items, when):
    result = submit_form(
        episode=episode,
        session=session,
        respondent=episode.client.user,
        phase="check_in",
        answers={
            "phq9": {f"phq9_{n}": FREQUENCY[v] for n, v in enumerate(phq9_items, start=1)},
            "gad7": {f"gad7_{n}": FREQUENCY[v] for n, v in enumerate(gad7_items, start=1)},
        },
        idempotency_key=uuid.uuid4(),
        now=when,
    )
    assert result.ok, result.errors


def home(client) -> str:
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    return response.content.decode()


def test_home_shows_the_next_session_and_the_open_forms(signed_in, upcoming, last_attended):
    page = home(signed_in)
    assert 'data-testid="next-session"' in page
    assert reverse("portal:check-in", args=[upcoming.pk]) in page
    assert reverse("portal:feedback", args=[last_attended.pk]) in page
    assert "not watched in real time" in page


def test_progress_is_told_in_plain_words(signed_in, episode, last_attended, upcoming):
    now = timezone.now()
    check_in(episode, last_attended, [2] * 8 + [0], [2] * 7, now - timedelta(days=7))  # 16, 14
    check_in(episode, upcoming, [2, 1, 1, 1, 1, 1, 1, 1, 0], [1] * 7, now)  # 9, 7
    page = home(signed_in)
    assert (
        "Your PHQ-9 check-in scores have gone down from 16 to 9 since you started: that usually "
        "means things are easing." in page
    )
    assert "GAD-7 check-in scores have gone down from 14 to 7" in page
    # A band is named only with a kind explanation.
    assert "“mild”" in page and "not who you are" in page


def test_a_clear_change_is_the_engines_reliable_change_with_the_practices_points(
    signed_in, episode, last_attended, upcoming, settings
):
    settings.ATTUNE_ENGINE = {"reliable_change": {"phq9_reliable_change": 8}}
    now = timezone.now()
    check_in(episode, last_attended, [2] * 8 + [0], [2] * 7, now - timedelta(days=7))  # 16, 14
    check_in(episode, upcoming, [2, 1, 1, 1, 1, 1, 1, 1, 0], [1] * 7, now)  # 9, 7
    page = home(signed_in)
    # PHQ-9 down 7 is within the practice's 8 points; GAD-7 down 7 is beyond its 4.
    assert "PHQ-9 check-in scores have stayed about the same (16 when you started, 9 now)" in page
    assert "GAD-7 check-in scores have gone down from 14 to 7" in page


def test_a_worse_score_is_said_kindly_and_without_an_alert(
    signed_in, episode, last_attended, upcoming
):
    now = timezone.now()
    check_in(episode, last_attended, [1] * 8 + [0], [1] * 7, now - timedelta(days=7))  # 8
    check_in(episode, upcoming, [2] * 8 + [0], [1] * 7, now)  # 16
    raise_alert(
        episode=episode,
        kind="not_on_track",
        severity="red",
        title="Not on track (secret alert title)",
        explanation="x",
        evidence={},
        source="x",
        suggested_actions=[],
        dedupe_key="t",
    )
    page = home(signed_in)
    assert "have gone up from 8 to 16" in page
    assert "worth talking about" in page
    assert "secret alert title" not in page
    assert "Not on track" not in page
    assert "GAD-7 check-in scores have stayed about the same" in page


def test_a_single_check_in_only_says_where_it_starts(signed_in, episode, last_attended):
    check_in(episode, last_attended, [1] * 8 + [0], [1] * 7, timezone.now())
    assert "Your first PHQ-9 check-in score was 8." in home(signed_in)


def goals_page(client) -> str:
    response = client.get(reverse("portal:goals"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_client_rates_a_goal(signed_in, episode):
    goal = Goal.objects.create(episode=episode, description="Sleep through the night")
    assert reverse("portal:goals") in home(signed_in)  # one link away from home
    assert "Sleep through the night" in goals_page(signed_in)
    response = signed_in.post(reverse("portal:goal-rating", args=[goal.pk]), {"rating": "6"})
    assert response.status_code == 302
    # Back to the goal itself: the confirmation is next to it, focused, not at the page's top.
    assert response["Location"] == f"{reverse('portal:goals')}#goal-{goal.pk}-saved"
    assert GoalRating.objects.get(goal=goal).rating == 6
    page = goals_page(signed_in)
    saved = re.search(
        r'<p class="saved-here" id="goal-(\d+)-saved" tabindex="-1"[^>]*>([^<]*)<', page
    )
    assert saved and saved.group(1) == str(goal.pk)
    assert "your rating of 6 is saved" in saved.group(2)
    assert 'class="messages"' not in page
    # Said once: a reload does not say it again.
    assert "is saved" not in goals_page(signed_in)
    # A double click stores one rating.
    signed_in.post(reverse("portal:goal-rating", args=[goal.pk]), {"rating": "6"})
    assert GoalRating.objects.filter(goal=goal).count() == 1
    assert "You last rated this 6 of 10" in goals_page(signed_in)


@pytest.mark.parametrize("value", ["", "11", "-1", "six", "<script>"])
def test_a_bad_goal_rating_gets_a_message_not_a_500(signed_in, episode, value):
    goal = Goal.objects.create(episode=episode, description="Go back to work")
    response = signed_in.post(reverse("portal:goal-rating", args=[goal.pk]), {"rating": value})
    assert response.status_code == 400
    assert "Please choose a number from 0 to 10." in response.content.decode()
    assert not GoalRating.objects.exists()


def test_another_clients_goal_is_a_404(signed_in, other_episode):
    goal = Goal.objects.create(episode=other_episode, description="Someone else's goal")
    response = signed_in.post(reverse("portal:goal-rating", args=[goal.pk]), {"rating": "5"})
    assert response.status_code == 404
    assert not GoalRating.objects.exists()
    assert "Someone else's goal" not in home(signed_in)


def test_a_therapist_cannot_rate_a_goal(client, therapist, episode):
    goal = Goal.objects.create(episode=episode, description="Goal")
    sign_in(client, therapist)
    response = client.post(reverse("portal:goal-rating", args=[goal.pk]), {"rating": "5"})
    assert response.status_code == 403


def test_how_my_therapist_works_renders_markdown_safely(signed_in, therapist):
    profile = therapist.therapist_profile
    profile.how_i_work = "I work **relationally**.\n\n<script>alert('x')</script>"
    profile.save()
    modality = Modality.objects.create(
        slug="test-modality",
        name="Test modality",
        summary="Working through memories",
        explainer="## What happens\n\n[more](javascript:alert(1)) ![x](https://cdn.example/x.png)"
        '\n\n<img src="https://tracker.example/p.gif">',
    )
    profile.modalities.add(modality)
    assert reverse("portal:therapist") in home(signed_in)  # one link away from home
    page = signed_in.get(reverse("portal:therapist")).content.decode()
    assert "<strong>relationally</strong>" in page
    assert "<script>alert" not in page
    assert "<h3>What happens</h3>" in page
    assert 'href="javascript:' not in page
    assert "<img" not in page  # no images: a page never loads from another host
    assert 'href="/articles/"' in page


CLIENT_PAGES = [
    "portal:home",
    "portal:composer",
    "portal:ending",
    "portal:data",
    "portal:goals",
    "portal:therapist",
]


@pytest.mark.parametrize("name", CLIENT_PAGES)
def test_every_client_page_says_forms_are_not_watched(signed_in, name):
    page = signed_in.get(reverse(name)).content.decode()
    assert "not watched in real time" in page or "not read in real time" in page
    assert reverse("crisis-help") in page


def test_no_active_therapy_still_renders(client, practice):
    from tests.conftest import make_user

    user = make_user(practice, "nora.new@example.org", "client")
    sign_in(client, user)
    for name in CLIENT_PAGES:
        assert client.get(reverse(name)).status_code == 200
    assert client.get(reverse("portal:data-json")).status_code == 200


# --------------------------------------------------------------------------- issue 12: the graphs


def test_a_graph_per_questionnaire_with_the_usual_range_and_a_table(
    signed_in, episode, last_attended, upcoming
):
    now = timezone.now()
    check_in(episode, last_attended, [2] * 8 + [0], [2] * 7, now - timedelta(days=7))  # 16, 14
    check_in(episode, upcoming, [2, 1, 1, 1, 1, 1, 1, 1, 0], [1] * 7, now)  # 9, 7
    page = home(signed_in)
    graphs = re.findall(r'<svg class="progress-svg"[^>]*>.*?</svg>', page, re.S)
    assert [re.search(r'data-measure="(\w+)"', g).group(1) for g in graphs] == ["phq9", "gad7"]
    phq9, gad7 = graphs
    assert 'aria-label="Graph of your PHQ-9 scores: 2 check-ins, from 16' in phq9
    assert "The shaded area is the usual range, below 10. Lower is better." in phq9
    assert "usual range, below 8." in gad7
    assert phq9.count('class="usual-range"') == 1 and phq9.count("<circle") == 2
    assert "style=" not in phq9 and "<script" not in page.split("</main>")[0]
    # Plain words: the latest score, its word and where it lies.
    assert (
        "Latest score: <strong>9</strong> of 27, “mild” in the questionnaire's words; "
        "in the usual range (below 10)" in page
    )
    assert "Latest score: <strong>7</strong> of 21" in page and "lower is better" in page
    # One table per questionnaire, never mixed.
    tables = re.findall(r'data-testid="progress-table-(\w+)".*?<tbody>(.*?)</tbody>', page, re.S)
    assert [code for code, _ in tables] == ["phq9", "gad7"]
    assert re.findall(r"<td>(\d+)</td>", tables[0][1]) == ["16", "9"]
    assert re.findall(r"<td>(\d+)</td>", tables[1][1]) == ["14", "7"]


def test_the_graph_draws_the_engines_cut_off(settings):
    """The shaded band ends at the engine's caseness, a practice's override included."""
    from attune.portal.progress_chart import HEIGHT, TOP, progress_svg
    from attune.portal.queries import ProgressLine, ProgressPoint

    now = timezone.now()
    line = ProgressLine(
        "PHQ-9", "low mood", 20, 5, 2, "", "", code="phq9", maximum=27, usual_below=10,
        band="minimal",
        points=(ProgressPoint(now - timedelta(days=7), 20, "severe"),
                ProgressPoint(now, 5, "mild")),
    )  # fmt: skip
    svg = str(progress_svg(line))
    band = re.search(
        r'<rect class="usual-range" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"', svg
    )
    plot_bottom = HEIGHT - 28  # BOTTOM margin
    assert float(band.group(1)) == pytest.approx(TOP + (plot_bottom - TOP) * (1 - 10 / 27), abs=0.1)
    assert float(band.group(1)) + float(band.group(2)) == pytest.approx(plot_bottom, abs=0.1)
    assert line.in_usual_range is True
    assert progress_svg(ProgressLine("PHQ-9", "", 0, 0, 0, "", "")) == ""


def test_the_home_needs_few_queries_however_many_check_ins(
    signed_in, episode, last_attended, upcoming, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    now = timezone.now()
    check_in(episode, last_attended, [2] * 8 + [0], [2] * 7, now - timedelta(days=7))
    with CaptureQueriesContext(connection) as few:
        home(signed_in)
    check_in(episode, upcoming, [1] * 8 + [0], [1] * 7, now)
    Goal.objects.create(episode=episode, description="Sleep through the night")
    with django_assert_max_num_queries(len(few.captured_queries)):
        home(signed_in)
    assert len(few.captured_queries) <= HOME_QUERIES, [q["sql"] for q in few.captured_queries]


#: The client home's queries (session, user, episode, forms, next session, scores, messages,
#: ending request …): 10, against 19 before issue 12 (goals, explainers, recent check-ins and
#: the messages themselves were read on every visit).
HOME_QUERIES = 10
