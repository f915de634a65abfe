"""The practice outcomes page (issue 13): who sees what, suppression on the page, the
national figures beside the practice's, a fixed number of queries, bad periods give 400."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attune.alerts.models import Alert
from attune.care.models import EpisodeStatus
from attune.care.submission import submit_form
from attune.outcomes.queries import quarter_of, year_bounds, year_of
from tests.answers import FREQUENCY
from tests.care_helpers import as_user, attended_sessions
from tests.conftest import make_episode, make_user

pytestmark = pytest.mark.django_db

URL = "/practice/outcomes/"
IN_2024_25 = date(2024, 6, 3)  # Q1 of 2024-25, a year with England figures

RECOVERED = (
    [3, 3, 3, 3, 3, 3, 0, 0, 0],
    [2] * 7,
    [1, 1, 1, 1, 0, 0, 0, 0, 0],
    [1, 1, 1, 0, 0, 0, 0],
)
UNCHANGED = ([2, 2, 2, 2, 2, 2, 0, 0, 0], [2] * 7, [2, 2, 2, 2, 2, 2, 0, 0, 0], [2] * 7)


def _answers(phq9: list[int], gad7: list[int]) -> dict:
    return {
        "phq9": {f"phq9_{n}": FREQUENCY[v] for n, v in enumerate(phq9, start=1)},
        "gad7": {f"gad7_{n}": FREQUENCY[v] for n, v in enumerate(gad7, start=1)},
    }


def finished(
    practice,
    therapist,
    n: int,
    course=RECOVERED,
    ended_on=IN_2024_25,
    sessions=3,
    evaluate_each=False,
):
    """``n`` finished courses of ``therapist``: check-ins at the first and last session.

    Only the last check-in re-evaluates the episode (unless ``evaluate_each``): the first, a
    lone intake, opens no alert, so what is stored is the same
    (``test_finished_stores_what_evaluating_after_each_check_in_would``) for half the
    engine runs."""
    for _ in range(n):
        ep = make_episode(practice, f"c{uuid.uuid4().hex[:10]}@example.org", therapist)
        ss = attended_sessions(ep, sessions, upcoming=False)
        for session, (phq9, gad7) in ((ss[0], course[:2]), (ss[-1], course[2:])):
            submit_form(
                episode=ep,
                session=session,
                respondent=ep.client.user,
                phase="check_in",
                answers=_answers(phq9, gad7),
                idempotency_key=uuid.uuid4(),
                reevaluate=evaluate_each or session == ss[-1],
            )
        ep.status = EpisodeStatus.ENDED_PLANNED
        ep.ended_on = ended_on
        ep.started_on = min(ep.started_on, ended_on - timedelta(days=90))
        ep.save()


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


WORSE = ([1, 1, 1, 1, 1, 1, 1, 1, 0], [1] * 7, [3, 3, 3, 3, 3, 3, 2, 2, 0], [3] * 7)


def test_finished_stores_what_evaluating_after_each_check_in_would(practice, therapist, colleague):
    def alerts(who):
        return sorted(
            (a.kind, a.severity, a.title, a.explanation, str(a.evidence))
            for a in Alert.objects.filter(episode__therapist=who)
        )

    for course in (RECOVERED, UNCHANGED, WORSE):
        finished(practice, therapist, 2, course=course)
        finished(practice, colleague, 2, course=course, evaluate_each=True)
    assert alerts(therapist) == alerts(colleague)
    assert {kind for kind, *_ in alerts(therapist)} >= {"reliable_improvement", "not_on_track"}


# --------------------------------------------------------------------------- periods


def test_reporting_years_and_quarters():
    assert year_of(date(2025, 3, 31)) == "2024-25"
    assert year_of(date(2025, 4, 1)) == "2025-26"
    assert year_bounds("1999-00") == (date(1999, 4, 1), date(2000, 3, 31))
    assert [quarter_of(date(2024, m, 1)) for m in (4, 7, 10, 1, 3)] == [1, 2, 3, 4, 4]


# --------------------------------------------------------------------------- access


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get(URL).status_code == 302


def test_a_client_is_refused(client, client_user):
    as_user(client, client_user)
    assert client.get(URL).status_code == 403


def test_admin_sees_the_practice_beside_england_with_no_client_name(
    client, practice, practice_admin, therapist, colleague
):
    finished(practice, therapist, 12)
    finished(practice, colleague, 11, course=UNCHANGED)
    as_user(client, practice_admin)
    page = text(client.get(URL))
    assert "Finished courses of the whole practice, 2024-25" in page
    # 12 recovered of 23 at caseness: 52.2 %; reliable improvement 12 of 23 the same
    assert "52.2 %" in page
    assert "England 2024-25" in page and "50.5 %" in page  # the national recovery that year
    assert "Tara Therapist" in page and "Cole Colleague" in page
    assert 'data-testid="recovery-chart"' in page
    # therapist rows: 12 and 11 courses, each all recovered or none -> rates withheld
    assert page.count("not shown (small numbers)") >= 4
    assert "@example.org" not in page.replace(practice_admin.email, "")
    assert "Client" not in re.sub(r"Clients?\b(?=[^<]*</a>)", "", page.split("<main")[1])


def test_supervisor_sees_her_supervisees_only(client, practice, supervisor, therapist, colleague):
    finished(practice, therapist, 10)
    finished(practice, colleague, 30)  # colleague is not supervised by sam
    as_user(client, supervisor)
    page = text(client.get(URL))
    assert "the therapists you supervise" in page
    assert "Tara Therapist" in page and "Cole Colleague" not in page
    assert 'data-testid="outcomes-summary-row"' in page
    assert ">10<" in page  # her 10 finished courses


def test_a_therapist_sees_only_her_own(client, practice, therapist, colleague):
    finished(practice, therapist, 10)
    finished(practice, colleague, 25, course=UNCHANGED)
    as_user(client, therapist)
    page = text(client.get(URL))
    assert "your own clients" in page
    assert "By therapist" not in page and "Cole Colleague" not in page
    assert ">10<" in page and ">25<" not in page and ">35<" not in page


def test_counts_under_the_limit_are_not_shown(client, practice, practice_admin, therapist):
    finished(practice, therapist, 9)
    as_user(client, practice_admin)
    page = text(client.get(URL))
    assert "fewer than 10" in page
    assert 'data-testid="recovery-chart"' not in page
    assert ">9<" not in page


def test_the_limit_is_configurable(client, settings, practice, practice_admin, therapist):
    settings.ATTUNE_OUTCOMES_SUPPRESS_BELOW = 3
    finished(practice, therapist, 4)
    finished(practice, therapist, 3, course=UNCHANGED)
    as_user(client, practice_admin)
    page = text(client.get(URL))
    assert ">7<" in page and "57.1 %" in page  # 4 of 7


def test_one_attended_session_is_not_a_finished_course(client, practice, practice_admin, therapist):
    finished(practice, therapist, 10, sessions=1)
    as_user(client, practice_admin)
    assert "fewer than 10" in text(client.get(URL))


def test_quarter_and_a_year_without_national_figures(client, practice, practice_admin, therapist):
    finished(practice, therapist, 10, ended_on=date(2026, 5, 1))
    as_user(client, practice_admin)
    page = text(client.get(URL, {"year": "2026-27", "quarter": "1"}))
    assert "2026-27, Q1 (April–June)" in page
    assert "latest published year, 2024-25" in page
    assert "fewer than 10" in text(client.get(URL, {"year": "2026-27", "quarter": "2"}))


@pytest.mark.parametrize(
    "query", [{"year": "2024-26"}, {"year": "1990-91"}, {"year": "x" * 500}, {"quarter": "5"}]
)
def test_a_bad_period_is_a_400(client, practice, practice_admin, therapist, query):
    finished(practice, therapist, 1)
    as_user(client, practice_admin)
    response = client.get(URL, query)
    assert response.status_code == 400
    assert "not one this page offers" in text(response)


def test_an_admin_without_a_practice_sees_a_notice(client, practice):
    admin = make_user(practice, "no.practice@example.org", "practice_admin")
    admin.practice = None
    admin.save()
    as_user(client, admin)
    assert 'data-testid="no-scope"' in text(client.get(URL))


def test_a_superuser_sees_aggregates_only(client, practice, therapist):
    root = make_user(
        practice, "root.super@example.org", "practice_admin", is_staff=True, is_superuser=True
    )
    finished(practice, therapist, 10)
    as_user(client, root)
    page = text(client.get(URL))
    assert "Tara Therapist" in page
    assert "/workspace/episodes/" not in page and "@example.org" not in page.replace(root.email, "")


def test_the_nav_links_the_page_for_staff_only(client, practice_admin, client_user):
    as_user(client, practice_admin)
    assert f'href="{reverse("outcomes:practice")}"' in text(client.get("/practice/"))
    as_user(client, client_user)
    assert 'href="/practice/outcomes/"' not in text(client.get("/me/"))


# --------------------------------------------------------------------------- queries


def test_the_query_count_does_not_grow_with_episodes(
    client, practice, practice_admin, therapist, colleague
):
    as_user(client, practice_admin)
    finished(practice, therapist, 3)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    finished(practice, therapist, 8, course=UNCHANGED)
    finished(practice, colleague, 12)
    with CaptureQueriesContext(connection) as many:
        assert client.get(URL).status_code == 200
    assert len(many) == len(few)
    print(f"\npractice outcomes page: {len(many)} queries for 3 and for 23 episodes")
